// AlertRuleStore: grouping and suppression rules, and the alerts suppression held back.
import FoundationEssentials
package import RiposteCore

extension SQLiteStore {
    package func groupingRules() async throws -> [GroupingRule] {
        try await read { connection in
            try connection.queryAll(
                "SELECT \(GroupingRuleRow.columns) FROM grouping_rules ORDER BY position, id", [], GroupingRuleRow.decode)
        }
    }

    package func createGroupingRule(_ rule: GroupingRule) async throws {
        try await write { connection in
            try Self.renamingConflict("a grouping rule named '\(rule.name)' already exists") {
                try connection.run(
                    "INSERT INTO grouping_rules (\(GroupingRuleRow.columns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    GroupingRuleRow.values(rule))
            }
        }
    }

    package func updateGroupingRule(_ rule: GroupingRule) async throws {
        try await write { connection in
            let changed = try Self.renamingConflict("a grouping rule named '\(rule.name)' already exists") {
                try connection.run(
                    """
                    UPDATE grouping_rules SET name = ?, position = ?, enabled = ?, conditions = ?, group_by = ?,
                        window_seconds = ?, max_alerts = ?, updated_at = ?
                    WHERE id = ?
                    """,
                    Array(GroupingRuleRow.values(rule)[1...7]) + [.date(rule.updatedAt), .text(rule.id.rawValue)])
            }
            guard changed == 1 else { throw RiposteError.notFound("no grouping rule \(rule.id)") }
        }
    }

    package func deleteGroupingRule(id: GroupingRuleID) async throws {
        try await write { connection in
            guard try connection.run("DELETE FROM grouping_rules WHERE id = ?", [.text(id.rawValue)]) == 1 else {
                throw RiposteError.notFound("no grouping rule \(id)")
            }
        }
    }

    package func suppressionRules() async throws -> [SuppressionRule] {
        try await read { connection in
            try connection.queryAll(
                "SELECT \(SuppressionRuleRow.columns) FROM suppression_rules ORDER BY created_at, id", [],
                SuppressionRuleRow.decode)
        }
    }

    package func createSuppressionRule(_ rule: SuppressionRule) async throws {
        try await write { connection in
            try Self.renamingConflict("a suppression rule named '\(rule.name)' already exists") {
                try connection.run(
                    "INSERT INTO suppression_rules (\(SuppressionRuleRow.columns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        .text(rule.id.rawValue), .text(rule.name), .text(JSONText.encode(rule.condition.json)),
                        .text(rule.owner), .text(rule.reason), .date(rule.expiresAt), .int(rule.enabled ? 1 : 0),
                        .date(rule.createdAt), .date(rule.updatedAt), .int(rule.hitCount), .date(rule.lastHitAt),
                    ])
            }
        }
    }

    package func updateSuppressionRule(_ rule: SuppressionRule) async throws {
        try await write { connection in
            let changed = try Self.renamingConflict("a suppression rule named '\(rule.name)' already exists") {
                try connection.run(
                    """
                    UPDATE suppression_rules SET name = ?, conditions = ?, owner = ?, reason = ?, expires_at = ?,
                        enabled = ?, updated_at = ?
                    WHERE id = ?
                    """,
                    [
                        .text(rule.name), .text(JSONText.encode(rule.condition.json)), .text(rule.owner),
                        .text(rule.reason), .date(rule.expiresAt), .int(rule.enabled ? 1 : 0), .date(rule.updatedAt),
                        .text(rule.id.rawValue),
                    ])
            }
            guard changed == 1 else { throw RiposteError.notFound("no suppression rule \(rule.id)") }
        }
    }

    package func deleteSuppressionRule(id: SuppressionRuleID) async throws {
        try await write { connection in
            guard try connection.run("DELETE FROM suppression_rules WHERE id = ?", [.text(id.rawValue)]) == 1 else {
                throw RiposteError.notFound("no suppression rule \(id)")
            }
        }
    }

    package func suppressedAlerts(rule: SuppressionRuleID, limit: Int) async throws -> [SuppressedAlert] {
        try await read { connection in
            var payloads = AlertPayloadReader(connection: connection)
            return try connection.queryAll(
                """
                SELECT \(SuppressedAlertRow.columns) FROM suppressed_alerts WHERE rule_id = ?
                ORDER BY received_at DESC, rowid DESC LIMIT ?
                """,
                [.text(rule.rawValue), .int(limit)]
            ) { try SuppressedAlertRow.decode($0, payloads: &payloads) }
        }
    }

    /// Runs `body`, turning a UNIQUE violation (the name) into `.conflict` with `message`.
    private static func renamingConflict<T>(_ message: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as SQLiteError where error.isConstraintViolation {
            throw RiposteError(.conflict, message, underlying: error)
        }
    }
}

enum GroupingRuleRow {
    static let columns =
        "id, name, position, enabled, conditions, group_by, window_seconds, max_alerts, created_at, updated_at"

    static func values(_ rule: GroupingRule) -> [SQLiteValue] {
        [
            .text(rule.id.rawValue), .text(rule.name), .int(rule.position), .int(rule.enabled ? 1 : 0),
            .text(JSONText.encode(rule.condition.json)), .text(rule.groupBy.map(\.rawValue).joined(separator: ",")),
            .integer(rule.window.components.seconds), .int(rule.maxAlerts), .date(rule.createdAt), .date(rule.updatedAt),
        ]
    }

    static func decode(_ row: SQLiteRow) throws -> GroupingRule {
        let groupBy: Fingerprinter
        do {
            groupBy = try Fingerprinter(parsing: row.text(5))
        } catch {
            throw CorruptRowError(table: "grouping_rules", column: "group_by", value: row.text(5))
        }
        return GroupingRule(
            id: GroupingRuleID(rawValue: row.text(0)), name: row.text(1), position: row.int(2), enabled: row.int(3) == 1,
            condition: try decodeCondition(row.text(4), table: "grouping_rules"), groupBy: groupBy.fields,
            window: .seconds(row.int64(6)), maxAlerts: row.optionalInt(7), createdAt: row.date(8),
            updatedAt: row.date(9))
    }
}

enum SuppressionRuleRow {
    static let columns = """
        id, name, conditions, owner, reason, expires_at, enabled, created_at, updated_at, hit_count, last_hit_at
        """

    static func decode(_ row: SQLiteRow) throws -> SuppressionRule {
        SuppressionRule(
            id: SuppressionRuleID(rawValue: row.text(0)), name: row.text(1),
            condition: try decodeCondition(row.text(2), table: "suppression_rules"), owner: row.text(3),
            reason: row.text(4), expiresAt: row.date(5), enabled: row.int(6) == 1, createdAt: row.date(7),
            updatedAt: row.date(8), hitCount: row.int(9), lastHitAt: row.optionalDate(10))
    }
}

/// A stored condition; one that no longer decodes means the file was changed outside Riposte.
private func decodeCondition(_ text: String, table: String) throws -> AlertCondition {
    do {
        return try AlertCondition(json: try JSONText.decode(text), path: "conditions")
    } catch {
        throw CorruptRowError(table: table, column: "conditions", value: text)
    }
}

enum SuppressedAlertRow {
    static let columns = """
        id, rule_id, source, source_ref, title, severity, time, rule_uid, rule_name, rule_category, \
        src_ip, src_port, src_hostname, dst_ip, dst_port, dst_hostname, host_name, user_name, fingerprint, \
        received_at, parser_version, payload_id, payload_offset, payload_length, observables
        """

    static func decode(_ row: SQLiteRow, payloads: inout AlertPayloadReader) throws -> SuppressedAlert {
        var observables: [ObservableDraft] = []
        guard case .array(let pairs) = try JSONText.decode(row.text(24)) else {
            throw CorruptRowError(table: "suppressed_alerts", column: "observables", value: row.text(24))
        }
        for pair in pairs {
            guard case .array(let parts) = pair, parts.count == 2, case .string(let typeName) = parts[0],
                case .string(let value) = parts[1]
            else { throw CorruptRowError(table: "suppressed_alerts", column: "observables", value: row.text(24)) }
            let type = try decodeEnum(ObservableType.self, typeName, table: "suppressed_alerts", column: "observables")
            observables.append(ObservableDraft(type: type, normalizedValue: value))
        }
        let draft = AlertDraft(
            source: row.text(2), sourceRef: row.text(3), title: row.text(4),
            severity: try decodeEnum(Severity.self, row.int(5), table: "suppressed_alerts", column: "severity"),
            time: row.optionalDate(6),
            rule: DetectionRule(uid: row.optionalText(7), name: row.optionalText(8), category: row.optionalText(9)),
            sourceEndpoint: Endpoint(ip: row.optionalText(10), port: row.optionalInt(11), hostname: row.optionalText(12)),
            destinationEndpoint: Endpoint(
                ip: row.optionalText(13), port: row.optionalInt(14), hostname: row.optionalText(15)),
            hostName: row.optionalText(16), userName: row.optionalText(17), observables: observables,
            raw: try payloads.record(payload: row.int64(21), offset: row.int(22), length: row.int(23)),
            parserVersion: row.int(20))
        return SuppressedAlert(
            id: AlertID(rawValue: row.text(0)), rule: SuppressionRuleID(rawValue: row.text(1)), draft: draft,
            receivedAt: row.date(19))
    }
}
