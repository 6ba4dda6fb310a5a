// AlertIngestStore: a batch of alerts — dedup, grouping, incidents, observables, timeline, jobs — in one
// write transaction. This is the hot path: cached statements only, and per-batch caches so that alerts
// of the same incident cost one incident update per batch.
package import FoundationEssentials
package import RiposteCore

extension SQLiteStore {
    package func ingest(_ alerts: [PreparedAlert], policy: GroupingPolicy, now: Date) async throws -> [IngestOutcome] {
        guard alerts.count <= configuration.maximumIngestBatch else {
            throw RiposteError.invalid(
                "a batch holds at most \(configuration.maximumIngestBatch) alerts, got \(alerts.count)")
        }
        guard !alerts.isEmpty else { return [] }
        let ids = self.ids
        do {
            return try await write { connection in
                var batch = IngestBatch(connection: connection, ids: ids, policy: policy, now: now)
                return try batch.run(alerts)
            }
        } catch let error as RiposteError where error.code == .conflict {
            // Only an alert id that is already used can collide here (duplicates by source are
            // detected, not inserted): a caller bug, reported as such.
            throw RiposteError(.conflict, "an alert id of the batch is already used", underlying: error.underlying)
        }
    }
}

/// The state of one ingest transaction.
private struct IngestBatch {
    let connection: SQLiteConnection
    let ids: any IDGenerator
    let nowMillis: Int64
    let cutoffMillis: Int64

    /// An incident this batch created or joined.
    struct TouchedIncident {
        var id: IncidentID
        /// Created by this batch: it can have no observables from before.
        var isNew: Bool
        /// Alerts joined after the incident row was written (insert or read).
        var addedAlerts = 0
        var severity: Severity
    }

    /// By fingerprint: the incident alerts with this fingerprint join for the rest of the batch.
    var incidents: [String: Int] = [:]
    var touched: [TouchedIncident] = []
    /// The ids of the alerts this batch stored, for its one `intel.match` job.
    var newAlerts: [JSONValue] = []
    /// Observable ids by incident, type and value, as known in this batch.
    var observables: [ObservableKey: ObservableID] = [:]

    struct ObservableKey: Hashable {
        var incident: IncidentID
        var type: ObservableType
        var value: String
    }

    static let insertAlert = """
        INSERT INTO alerts (\(AlertRow.columns))
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """

    init(connection: SQLiteConnection, ids: any IDGenerator, policy: GroupingPolicy, now: Date) {
        self.connection = connection
        self.ids = ids
        nowMillis = now.unixMilliseconds
        let window = policy.window.components
        let windowMillis = window.seconds * 1000 + window.attoseconds / 1_000_000_000_000_000
        cutoffMillis = nowMillis - windowMillis
    }

    mutating func run(_ alerts: [PreparedAlert]) throws -> [IngestOutcome] {
        var outcomes: [IngestOutcome] = []
        outcomes.reserveCapacity(alerts.count)
        for alert in alerts { outcomes.append(try ingest(alert)) }
        try flushIncidentUpdates()
        try enqueueIntelMatch()
        return outcomes
    }

    private mutating func ingest(_ alert: PreparedAlert) throws -> IngestOutcome {
        let draft = alert.draft
        // Dedup: this also sees alerts inserted earlier in this transaction.
        if let stored = try connection.queryOne(
            "SELECT id, incident_id FROM alerts WHERE source = ? AND source_ref = ?",
            [.text(draft.source), .text(draft.sourceRef)],
            { (AlertID(rawValue: $0.text(0)), IncidentID(rawValue: $0.text(1))) })
        {
            return IngestOutcome(alertID: stored.0, incidentID: stored.1, duplicate: true, createdIncident: false)
        }

        let (index, created) = try incidentIndex(for: alert)
        let incident = touched[index]
        let now = SQLiteValue.integer(nowMillis)
        try connection.insertTimelineEvent(
            id: ids.next(), incident: incident.id, time: Date(unixMilliseconds: nowMillis), actor: .system,
            kind: created ? "incident.created" : "alert.added",
            message: created ? "Incident opened by alert: \(draft.title)" : "Alert added: \(draft.title)",
            details: .object([
                ("alert_id", .string(alert.id.rawValue)), ("source", .string(draft.source)),
                ("severity", .string(draft.severity.name)),
            ]))

        try connection.run(
            Self.insertAlert,
            [
                .text(alert.id.rawValue), .text(incident.id.rawValue), .text(draft.source), .text(draft.sourceRef),
                .text(draft.title), .int(draft.severity.rawValue), .date(draft.time), .text(draft.rule.uid),
                .text(draft.rule.name), .text(draft.rule.category), .text(draft.sourceEndpoint.ip),
                .int(draft.sourceEndpoint.port), .text(draft.sourceEndpoint.hostname),
                .text(draft.destinationEndpoint.ip), .int(draft.destinationEndpoint.port),
                .text(draft.destinationEndpoint.hostname), .text(draft.hostName), .text(draft.userName),
                .text(alert.fingerprint), now, .int(draft.parserVersion), .blob(draft.raw),
            ])

        for (position, observable) in draft.observables.enumerated() {
            let observableID = try observableID(observable, incident: incident)
            try connection.run(
                """
                INSERT INTO alert_observables (alert_id, observable_id, position) VALUES (?, ?, ?)
                ON CONFLICT DO NOTHING
                """,
                [.text(alert.id.rawValue), .text(observableID.rawValue), .int(position)])
        }

        newAlerts.append(.string(alert.id.rawValue))
        return IngestOutcome(alertID: alert.id, incidentID: incident.id, duplicate: false, createdIncident: created)
    }

    /// The incident the alert joins (index into `touched`), opening one when none is open and recent.
    private mutating func incidentIndex(for alert: PreparedAlert) throws -> (Int, created: Bool) {
        let severity = alert.draft.severity
        if let index = incidents[alert.fingerprint] {
            touched[index].addedAlerts += 1
            touched[index].severity = max(touched[index].severity, severity)
            return (index, false)
        }
        // The partial index incidents_open_fingerprint serves this: same WHERE terms.
        if let (id, storedSeverity) = try connection.queryOne(
            """
            SELECT id, severity FROM incidents
            WHERE fingerprint = ? AND status IN ('new', 'in_progress', 'on_hold') AND last_alert_at >= ?
            ORDER BY last_alert_at DESC LIMIT 1
            """,
            [.text(alert.fingerprint), .integer(cutoffMillis)],
            { (IncidentID(rawValue: $0.text(0)), $0.int(1)) })
        {
            let stored = Severity(rawValue: storedSeverity) ?? .unknown
            touched.append(TouchedIncident(id: id, isNew: false, addedAlerts: 1, severity: max(stored, severity)))
            incidents[alert.fingerprint] = touched.count - 1
            return (touched.count - 1, false)
        }
        let id: IncidentID = ids.next()
        let now = SQLiteValue.integer(nowMillis)
        // number NULL: SQLite assigns max(number) + 1 (number is the rowid).
        try connection.run(
            """
            INSERT INTO incidents (number, id, title, severity, status, owner, fingerprint, alert_count,
                created_at, updated_at, last_alert_at)
            VALUES (NULL, ?, ?, ?, 'new', NULL, ?, 1, ?, ?, ?)
            """,
            [
                .text(id.rawValue), .text(alert.draft.title), .int(severity.rawValue), .text(alert.fingerprint), now,
                now, now,
            ])
        touched.append(TouchedIncident(id: id, isNew: true, severity: severity))
        incidents[alert.fingerprint] = touched.count - 1
        return (touched.count - 1, true)
    }

    private mutating func observableID(_ draft: ObservableDraft, incident: TouchedIncident) throws -> ObservableID {
        let key = ObservableKey(incident: incident.id, type: draft.type, value: draft.value)
        if let known = observables[key] { return known }
        if !incident.isNew,
            let stored = try connection.queryOne(
                "SELECT id FROM observables WHERE incident_id = ? AND type = ? AND value = ?",
                [.text(incident.id.rawValue), .text(draft.type.rawValue), .text(draft.value)],
                { ObservableID(rawValue: $0.text(0)) })
        {
            observables[key] = stored
            return stored
        }
        let id: ObservableID = ids.next()
        try connection.run(
            "INSERT INTO observables (id, incident_id, type, value, verdict, first_seen) VALUES (?, ?, ?, ?, 'unknown', ?)",
            [
                .text(id.rawValue), .text(incident.id.rawValue), .text(draft.type.rawValue), .text(draft.value),
                .integer(nowMillis),
            ])
        observables[key] = id
        return id
    }

    /// One `intel.match` job for every new alert of the batch.
    private func enqueueIntelMatch() throws {
        guard !newAlerts.isEmpty else { return }
        let job: JobID = ids.next()
        try connection.run(
            "INSERT INTO jobs (id, kind, payload, run_at, attempts, dead) VALUES (?, ?, ?, ?, 0, 0)",
            [
                .text(job.rawValue), .text(JobKinds.intelMatch),
                .text(JSONText.encode(.object([("alert_ids", .array(newAlerts))]))), .integer(nowMillis),
            ])
    }

    /// One update per incident that gained alerts after its row was written.
    private func flushIncidentUpdates() throws {
        for incident in touched where incident.addedAlerts > 0 {
            try connection.run(
                """
                UPDATE incidents SET alert_count = alert_count + ?, severity = max(severity, ?),
                    last_alert_at = max(last_alert_at, ?), updated_at = ?
                WHERE id = ?
                """,
                [
                    .int(incident.addedAlerts), .int(incident.severity.rawValue), .integer(nowMillis),
                    .integer(nowMillis), .text(incident.id.rawValue),
                ])
        }
    }
}
