// EnrichmentResultStore: provider answers keyed by (type, value, provider), and the verdicts they raise.
package import FoundationEssentials
package import RiposteCore

extension SQLiteStore {
    static let maximumEnrichmentKeys = 1000

    package func saveEnrichments(_ records: [EnrichmentRecord], verdicts: [EnrichmentVerdictUpdate], now: Date)
        async throws -> Int
    {
        guard !records.isEmpty || !verdicts.isEmpty else { return 0 }
        // The updates of one observable make one decision and one timeline event.
        var byObservable: [ObservableID: [EnrichmentVerdictUpdate]] = [:]
        var order: [ObservableID] = []
        for update in verdicts {
            if byObservable[update.observableID] == nil { order.append(update.observableID) }
            byObservable[update.observableID, default: []].append(update)
        }
        let ids = self.ids
        return try await write { [byObservable, order] connection in
            for record in records {
                try connection.run(
                    """
                    INSERT INTO enrichments (type, value, provider, status, summary, verdict, reason, fetched_at, expires_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (type, value, provider) DO UPDATE SET status = excluded.status, summary = excluded.summary,
                        verdict = excluded.verdict, reason = excluded.reason, fetched_at = excluded.fetched_at,
                        expires_at = excluded.expires_at
                    """,
                    [
                        .text(record.key.type.rawValue), .text(record.key.value), .text(record.provider),
                        .text(record.status.rawValue), .text(JSONText.encode(record.summary)), .text(record.verdict?.rawValue),
                        .text(record.reason), .date(record.fetchedAt), .date(record.expiresAt),
                    ])
            }
            var raised = 0
            for observable in order {
                let updates = byObservable[observable] ?? []
                guard
                    let (incident, type, value, stored) = try connection.queryOne(
                        "SELECT incident_id, type, value, verdict FROM observables WHERE id = ?", [.text(observable.rawValue)],
                        { (IncidentID(rawValue: $0.text(0)), $0.text(1), $0.text(2), $0.text(3)) })
                else { throw RiposteError.notFound("no observable \(observable)") }
                let storedVerdict = try decodeEnum(Verdict.self, stored, table: "observables", column: "verdict")
                // The strongest contribution decides; ties keep the first provider's reason.
                guard let best = updates.max(by: { $0.verdict < $1.verdict }), best.verdict > storedVerdict else { continue }
                try connection.run(
                    "UPDATE observables SET verdict = ? WHERE id = ?", [.text(best.verdict.rawValue), .text(observable.rawValue)])
                let deciding = updates.filter { $0.verdict == best.verdict }
                try connection.insertTimelineEvent(
                    id: ids.next(), incident: incident, time: now, actor: .system, kind: "enrichment.completed",
                    message: "\(type) \(value) is \(best.verdict.rawValue): \(best.reason)",
                    details: .object([
                        ("observable_id", .string(observable.rawValue)), ("type", .string(type)), ("value", .string(value)),
                        ("previous_verdict", .string(storedVerdict.rawValue)), ("verdict", .string(best.verdict.rawValue)),
                        ("provider", .string(best.provider)), ("reason", .string(best.reason)),
                        (
                            "contributions",
                            .array(
                                updates.map {
                                    .object([
                                        ("provider", .string($0.provider)), ("verdict", .string($0.verdict.rawValue)),
                                        ("reason", .string($0.reason)),
                                    ])
                                })
                        ),
                        ("deciding_providers", .array(deciding.map { .string($0.provider) })),
                    ]))
                raised += 1
            }
            return raised
        }
    }

    package func enrichments(type: ObservableType, value: String) async throws -> [EnrichmentRecord] {
        try await read { connection in
            try connection.queryAll(
                Self.enrichmentSelect + " WHERE type = ? AND value = ? ORDER BY provider", [.text(type.rawValue), .text(value)],
                Self.enrichmentRecord)
        }
    }

    package func enrichments(keys: [EnrichmentKey]) async throws -> [EnrichmentKey: [EnrichmentRecord]] {
        guard keys.count <= Self.maximumEnrichmentKeys else {
            throw RiposteError.invalid("at most \(Self.maximumEnrichmentKeys) keys per read, got \(keys.count)")
        }
        guard !keys.isEmpty else { return [:] }
        return try await read { connection in
            var result: [EnrichmentKey: [EnrichmentRecord]] = [:]
            for key in Set(keys) {
                let records = try connection.queryAll(
                    Self.enrichmentSelect + " WHERE type = ? AND value = ? ORDER BY provider",
                    [.text(key.type.rawValue), .text(key.value)], Self.enrichmentRecord)
                if !records.isEmpty { result[key] = records }
            }
            return result
        }
    }

    private static let enrichmentSelect = """
        SELECT type, value, provider, status, summary, verdict, reason, fetched_at, expires_at FROM enrichments
        """

    private static func enrichmentRecord(_ row: SQLiteRow) throws -> EnrichmentRecord {
        let summary: JSONValue
        do {
            summary = try JSONText.decode(row.text(4))
        } catch {
            throw CorruptRowError(table: "enrichments", column: "summary", value: row.text(4))
        }
        return EnrichmentRecord(
            provider: row.text(2),
            key: EnrichmentKey(
                type: try decodeEnum(ObservableType.self, row.text(0), table: "enrichments", column: "type"),
                value: row.text(1)),
            status: try decodeEnum(EnrichmentRecord.Status.self, row.text(3), table: "enrichments", column: "status"),
            summary: summary,
            verdict: try row.optionalText(5).map { try decodeEnum(Verdict.self, $0, table: "enrichments", column: "verdict") },
            reason: row.optionalText(6), fetchedAt: row.date(7), expiresAt: row.date(8))
    }
}
