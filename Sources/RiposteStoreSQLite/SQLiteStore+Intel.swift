// IndicatorStore and EnrichmentStore: stored threat-intel indicators, and intel hits and verdicts on observables.
package import FoundationEssentials
package import RiposteCore

extension SQLiteStore {
    static let maximumIndicatorPage = 10_000

    package func importIndicators(_ indicators: [Indicator], now: Date) async throws -> IndicatorImportSummary {
        // The last listing of a (feed, type, value) wins, and each counts once.
        var latest: [String: Int] = [:]
        var unique: [Indicator] = []
        for indicator in indicators {
            if let confidence = indicator.confidence, !(0...100).contains(confidence) {
                throw RiposteError.invalid("indicator confidence must be 0–100, got \(confidence)")
            }
            let key = "\(indicator.feed)\u{1F}\(indicator.type.rawValue)\u{1F}\(indicator.value)"
            if let index = latest[key] {
                unique[index] = indicator
            } else {
                latest[key] = unique.count
                unique.append(indicator)
            }
        }
        guard !unique.isEmpty else { return IndicatorImportSummary(added: 0, updated: 0) }
        return try await write { [unique] connection in
            // New rows get rowids above today's maximum (rowid = max + 1), so RETURNING rowid tells
            // an insert from an update in one statement.
            let before = try connection.queryOne("SELECT coalesce(max(rowid), 0) FROM indicators") { $0.int64(0) } ?? 0
            var added = 0
            for indicator in unique {
                // The value once (found, or inserted the first time any feed lists it), then this feed's listing.
                let key: [SQLiteValue] = [.text(indicator.type.rawValue), .text(indicator.value)]
                let valueID =
                    try connection.queryOne("SELECT id FROM indicator_values WHERE type = ? AND value = ?", key) {
                        $0.int64(0)
                    }
                    ?? connection.queryOne(
                        "INSERT INTO indicator_values (type, value) VALUES (?, ?) RETURNING id", key
                    ) { $0.int64(0) }
                let rowid = try connection.queryOne(
                    """
                    INSERT INTO indicators (
                        value_id, feed, confidence, label, first_seen, last_seen, valid_from, valid_until, revoked, tlp,
                        source_ref, description)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (value_id, feed) DO UPDATE SET
                        confidence = excluded.confidence, label = excluded.label, last_seen = excluded.last_seen,
                        valid_from = excluded.valid_from, valid_until = excluded.valid_until, revoked = excluded.revoked,
                        tlp = excluded.tlp, source_ref = excluded.source_ref, description = excluded.description
                    RETURNING rowid
                    """,
                    [
                        .integer(valueID ?? 0), .text(indicator.feed), .int(indicator.confidence), .text(indicator.label),
                        .date(indicator.firstSeen), .date(now),
                        .date(indicator.validFrom), .date(indicator.validUntil), .int(indicator.revoked ? 1 : 0),
                        .text(indicator.tlp?.rawValue), .text(indicator.sourceRef), .text(indicator.description),
                    ]
                ) { $0.int64(0) }
                if let rowid, rowid > before { added += 1 }
            }
            return IndicatorImportSummary(added: added, updated: unique.count - added)
        }
    }

    package func indicators(after cursor: String?, limit: Int) async throws -> (indicators: [Indicator], next: String?) {
        guard limit >= 1 else { throw RiposteError.invalid("limit must be at least 1") }
        let limit = min(limit, Self.maximumIndicatorPage)
        let after = try cursor.map { try PageCursor.decode($0, kind: .indicators) } ?? 0
        return try await read { connection in
            var rows = try connection.queryAll(
                """
                SELECT i.rowid, i.feed, v.type, v.value, i.confidence, i.label, i.first_seen, i.valid_from, i.valid_until,
                    i.revoked, i.tlp, i.source_ref, i.description
                FROM indicators i JOIN indicator_values v ON v.id = i.value_id WHERE i.rowid > ? ORDER BY i.rowid LIMIT ?
                """,
                [.integer(after), .int(limit + 1)]
            ) { row -> (Int64, Indicator) in
                let indicator = Indicator(
                    type: try decodeEnum(IndicatorType.self, row.text(2), table: "indicators", column: "type"),
                    value: row.text(3), feed: row.text(1), confidence: row.optionalInt(4), label: row.optionalText(5),
                    firstSeen: row.date(6), validFrom: row.optionalDate(7), validUntil: row.optionalDate(8),
                    revoked: row.int(9) != 0,
                    tlp: try row.optionalText(10).map { try decodeEnum(TLP.self, $0, table: "indicators", column: "tlp") },
                    sourceRef: row.optionalText(11), description: row.optionalText(12))
                return (row.int64(0), indicator)
            }
            var next: String?
            if rows.count > limit {
                rows.removeLast(rows.count - limit)
                next = rows.last.map { PageCursor.encode($0.0, kind: .indicators) }
            }
            return (rows.map(\.1), next)
        }
    }

    package func indicatorCount() async throws -> Int {
        try await read { connection in try connection.queryOne("SELECT count(*) FROM indicators") { $0.int(0) } ?? 0 }
    }

    package func observables(alert: AlertID) async throws -> [Observable] {
        try await read { connection in
            let exists = try connection.queryOne("SELECT 1 FROM alerts WHERE id = ?", [.text(alert.rawValue)]) { _ in true }
            guard exists == true else { throw RiposteError.notFound("no alert \(alert)") }
            return try connection.alertObservables(alert)
        }
    }

    package func observables(alerts: [AlertID]) async throws -> [AlertID: [Observable]] {
        guard alerts.count <= 1000 else { throw RiposteError.invalid("at most 1000 alerts per read, got \(alerts.count)") }
        guard !alerts.isEmpty else { return [:] }
        // Three queries for the whole batch: the links, then each distinct observable and its hits once.
        // Alerts of one incident share most observables, and two queries per alert had made this read a
        // fifth of the CPU of a syslog flood.
        let alertList = JSONText.encode(.array(alerts.map { .string($0.rawValue) }))
        return try await read { connection in
            var links: [(alert: String, observable: String)] = []
            try connection.query(
                "SELECT id, observable_ids FROM alerts WHERE id IN (SELECT value FROM json_each(?))", [.text(alertList)]
            ) { row in
                let alert = row.text(0)
                for observable in try ObservableIDList.decode(row.text(1)) { links.append((alert, observable.rawValue)) }
            }
            guard !links.isEmpty else { return [:] }
            let observableList = JSONText.encode(.array(Set(links.map(\.observable)).map { .string($0) }))
            let hits = try connection.intelHits(
                where: "observable_id IN (SELECT value FROM json_each(?))", [.text(observableList)])
            var observables: [String: Observable] = [:]
            try connection.query(
                """
                SELECT id, incident_id, type, value, verdict, first_seen FROM observables
                WHERE id IN (SELECT value FROM json_each(?))
                """,
                [.text(observableList)]
            ) { row in
                var observable = try ObservableRow.decode(row)
                observable.intel = hits[observable.id.rawValue] ?? []
                observables[observable.id.rawValue] = observable
            }
            var result: [AlertID: [Observable]] = [:]
            for link in links {
                guard let observable = observables[link.observable] else { continue }
                result[AlertID(rawValue: link.alert), default: []].append(observable)
            }
            return result
        }
    }

    package func observables(firstSeenSince since: Date, after: ObservableID?, limit: Int) async throws -> [Observable] {
        guard (1...10_000).contains(limit) else { throw RiposteError.invalid("limit must be 1–10000, got \(limit)") }
        return try await read { connection in
            try connection.queryAll(
                """
                SELECT id, incident_id, type, value, verdict, first_seen FROM observables
                WHERE id > ? AND first_seen >= ? ORDER BY id LIMIT ?
                """,
                [.text(after?.rawValue ?? ""), .date(since), .int(limit)]
            ) { try ObservableRow.decode($0) }
        }
    }

    package func recordIntel(_ updates: [ObservableIntelUpdate], now: Date) async throws -> Int {
        for update in updates {
            for hit in update.hits {
                if let confidence = hit.confidence, !(0...100).contains(confidence) {
                    throw RiposteError.invalid("intel confidence must be 0–100, got \(confidence)")
                }
            }
        }
        guard !updates.isEmpty else { return 0 }
        let ids = self.ids
        return try await write { connection in
            var changed = 0
            for update in updates {
                guard
                    let (incident, type, value, stored) = try connection.queryOne(
                        "SELECT incident_id, type, value, verdict FROM observables WHERE id = ?",
                        [.text(update.observableID.rawValue)],
                        { (IncidentID(rawValue: $0.text(0)), $0.text(1), $0.text(2), $0.text(3)) })
                else { throw RiposteError.notFound("no observable \(update.observableID)") }
                let storedVerdict = try decodeEnum(Verdict.self, stored, table: "observables", column: "verdict")
                var gained: [IntelHit] = []
                for hit in update.hits {
                    let inserted = try connection.run(
                        """
                        INSERT INTO intel_hits (
                            observable_id, feed, indicator, match, first_seen, confidence, label, reliability, tlp)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
                        """,
                        [
                            .text(update.observableID.rawValue), .text(hit.feed), .text(hit.indicator),
                            .text(hit.match.rawValue), .date(hit.firstSeen), .int(hit.confidence), .text(hit.label),
                            .text(hit.reliability?.rawValue), .text(hit.tlp?.rawValue),
                        ])
                    if inserted > 0 { gained.append(hit) }
                }
                let raised = update.verdict > storedVerdict
                if raised {
                    try connection.run(
                        "UPDATE observables SET verdict = ? WHERE id = ?",
                        [.text(update.verdict.rawValue), .text(update.observableID.rawValue)])
                }
                if let first = gained.first {
                    let verdict = max(storedVerdict, update.verdict)
                    try connection.insertTimelineEvent(
                        id: ids.next(), incident: incident, time: now, actor: .system,
                        kind: update.retroactive ? "intel.retro_matched" : "intel.matched",
                        message: (update.retroactive ? "Retro-hunt: " : "")
                            + "\(type) \(value) matched \(first.indicator) from \(first.feed)",
                        details: .object([
                            ("observable_id", .string(update.observableID.rawValue)), ("type", .string(type)),
                            ("value", .string(value)), ("verdict", .string(verdict.rawValue)),
                            ("feed", .string(first.feed)), ("indicator", .string(first.indicator)),
                            ("match", .string(first.match.rawValue)), ("reason", .string(update.reason)),
                            ("hits", .array(gained.map(Self.timelineDetails))),
                        ]))
                }
                if raised || !gained.isEmpty { changed += 1 }
            }
            return changed
        }
    }

    /// A hit as the timeline keeps it: enough to say why the verdict is what it is.
    private static func timelineDetails(_ hit: IntelHit) -> JSONValue {
        var fields: [(String, JSONValue)] = [
            ("feed", .string(hit.feed)), ("indicator", .string(hit.indicator)), ("match", .string(hit.match.rawValue)),
            ("score", .number(Double(VerdictPolicy.score(hit)))),
        ]
        if let confidence = hit.confidence { fields.append(("confidence", .number(Double(confidence)))) }
        if let reliability = hit.reliability { fields.append(("reliability", .string(reliability.rawValue))) }
        if let tlp = hit.tlp { fields.append(("tlp", .string(tlp.rawValue))) }
        return .object(fields)
    }
}
