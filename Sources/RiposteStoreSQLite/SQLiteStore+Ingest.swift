// AlertIngestStore: a batch of alerts — dedup, suppression, grouping, incidents, observables, timeline,
// jobs — in one write transaction. This is the hot path: cached statements only, and per-batch caches so that alerts
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
        // Compressed here, on the caller's thread, so the writer thread only stores the frame.
        let payloads = try AlertPayloadBlock(records: alerts.map(\.draft.raw))
        do {
            return try await write { connection in
                var batch = IngestBatch(connection: connection, ids: ids, policy: policy, payloads: payloads, now: now)
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
    /// The batch policy's window and alert limit, for alerts whose rule sets none.
    let policyWindowMillis: Int64
    let policyMaxAlerts: Int?
    let payloads: AlertPayloadBlock
    /// The `alert_payloads` row, written with the first alert that is not a duplicate.
    var payloadID: Int64?

    /// An incident this batch created or joined.
    struct TouchedIncident {
        var id: IncidentID
        /// Created by this batch: it can have no observables from before.
        var isNew: Bool
        /// Alerts joined after the incident row was written (insert or read).
        var addedAlerts = 0
        /// Its alert count including this batch's alerts, for the overflow limit.
        var alertCount = 1
        var severity: Severity
        /// The alerts this batch added (not the one that opened it), for one `alert.added` event.
        var joined: [(id: AlertID, title: String, severity: Severity)] = []
        /// The full incident this one continues.
        var overflowOf: IncidentID?
    }

    /// An `alert.added` event lists at most this many alert ids; its count covers all.
    static let maximumListedAlerts = 100

    /// By fingerprint: the incident alerts with this fingerprint join for the rest of the batch.
    var incidents: [String: Int] = [:]
    var touched: [TouchedIncident] = []
    /// The ids of the alerts this batch stored, for its one `intel.match` job.
    var newAlerts: [JSONValue] = []
    /// The alerts already stored under the batch's source keys, and those this batch stores: dedup.
    var stored: [SourceKey: (alert: AlertID, incident: IncidentID?, suppressedBy: SuppressionRuleID?)] = [:]
    /// Incidents that filled up in this batch and the incident that continues each; their events
    /// follow the batch's `alert.added` events, so a full incident's timeline reads in order.
    var overflows: [(full: IncidentID, alertCount: Int, overflow: IncidentID)] = []
    /// Alerts suppressed by this batch, by rule.
    var suppressionHits: [SuppressionRuleID: Int] = [:]

    struct SourceKey: Hashable {
        var source: String
        var sourceRef: String
    }

    /// Observable ids by incident, type and value, as known in this batch.
    var observables: [ObservableKey: ObservableID] = [:]

    struct ObservableKey: Hashable {
        var incident: IncidentID
        var type: ObservableType
        var value: String
    }

    static let insertAlert = """
        INSERT INTO alerts (\(AlertRow.columns), observable_ids)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """

    init(
        connection: SQLiteConnection, ids: any IDGenerator, policy: GroupingPolicy, payloads: AlertPayloadBlock, now: Date
    ) {
        self.connection = connection
        self.ids = ids
        self.payloads = payloads
        nowMillis = now.unixMilliseconds
        policyWindowMillis = Self.milliseconds(policy.window)
        policyMaxAlerts = policy.maxAlerts
    }

    static func milliseconds(_ duration: Duration) -> Int64 {
        let parts = duration.components
        return parts.seconds * 1000 + parts.attoseconds / 1_000_000_000_000_000
    }

    mutating func run(_ alerts: [PreparedAlert]) throws -> [IngestOutcome] {
        try loadStoredAlerts(matching: alerts)
        var outcomes: [IngestOutcome] = []
        outcomes.reserveCapacity(alerts.count)
        for (position, alert) in alerts.enumerated() { outcomes.append(try ingest(alert, position: position)) }
        try flushIncidentUpdates()
        try flushSuppressionHits()
        try writeAlertAddedEvents()
        try writeOverflowEvents()
        try enqueueIntelMatch()
        return outcomes
    }

    private mutating func ingest(_ alert: PreparedAlert, position: Int) throws -> IngestOutcome {
        let draft = alert.draft
        let key = SourceKey(source: draft.source, sourceRef: draft.sourceRef)
        if let stored = stored[key] {
            return IngestOutcome(
                alertID: stored.alert, incidentID: stored.incident, duplicate: true, createdIncident: false,
                suppressedBy: stored.suppressedBy)
        }
        if let rule = alert.suppressedBy { return try suppress(alert, by: rule, position: position) }

        let (index, created) = try incidentIndex(for: alert)
        // Copies of the fields, not of the struct: a copy would share `joined` and make each append copy it.
        let incident = (id: touched[index].id, isNew: touched[index].isNew)
        let now = SQLiteValue.integer(nowMillis)
        if created {
            var details: [(String, JSONValue)] = [
                ("alert_id", .string(alert.id.rawValue)), ("source", .string(draft.source)),
                ("severity", .string(draft.severity.name)),
            ]
            if let full = touched[index].overflowOf { details.append(("overflow_of", .string(full.rawValue))) }
            try connection.insertTimelineEvent(
                id: ids.next(), incident: incident.id, time: Date(unixMilliseconds: nowMillis), actor: .system,
                kind: "incident.created", message: "Incident opened by alert: \(draft.title)", details: .object(details))
        } else {
            touched[index].joined.append((alert.id, draft.title, draft.severity))
        }
        let payloadID = try storedPayloadID()
        let record = payloads.ranges[position]
        // The alert's observables, each once, in the order the parser found them (`observable_ids`).
        var observableIDs: [ObservableID] = []
        observableIDs.reserveCapacity(draft.observables.count)
        for observable in draft.observables {
            let observableID = try observableID(observable, incident: incident)
            if !observableIDs.contains(observableID) { observableIDs.append(observableID) }
        }

        try connection.run(
            Self.insertAlert,
            [
                .text(alert.id.rawValue), .text(incident.id.rawValue), .text(draft.source), .text(draft.sourceRef),
                .text(draft.title), .int(draft.severity.rawValue), .date(draft.time), .text(draft.rule.uid),
                .text(draft.rule.name), .text(draft.rule.category), .text(draft.sourceEndpoint.ip),
                .int(draft.sourceEndpoint.port), .text(draft.sourceEndpoint.hostname),
                .text(draft.destinationEndpoint.ip), .int(draft.destinationEndpoint.port),
                .text(draft.destinationEndpoint.hostname), .text(draft.hostName), .text(draft.userName),
                .text(alert.fingerprint), now, .int(draft.parserVersion), .integer(payloadID),
                .int(record.lowerBound), .int(record.count), .text(ObservableIDList.encode(observableIDs)),
            ])

        newAlerts.append(.string(alert.id.rawValue))
        stored[key] = (alert.id, incident.id, nil)
        return IngestOutcome(alertID: alert.id, incidentID: incident.id, duplicate: false, createdIncident: created)
    }

    /// Fills `stored` with one query per source, not one per alert.
    private mutating func loadStoredAlerts(matching alerts: [PreparedAlert]) throws {
        var refsBySource: [String: [JSONValue]] = [:]
        for alert in alerts { refsBySource[alert.draft.source, default: []].append(.string(alert.draft.sourceRef)) }
        for (source, refs) in refsBySource {
            try connection.query(
                """
                SELECT source_ref, id, incident_id FROM alerts
                WHERE source = ? AND source_ref IN (SELECT value FROM json_each(?))
                """,
                [.text(source), .text(JSONText.encode(.array(refs)))]
            ) { row in
                stored[SourceKey(source: source, sourceRef: row.text(0))] =
                    (AlertID(rawValue: row.text(1)), IncidentID(rawValue: row.text(2)), nil)
            }
            try connection.query(
                """
                SELECT source_ref, id, rule_id FROM suppressed_alerts
                WHERE source = ? AND source_ref IN (SELECT value FROM json_each(?))
                """,
                [.text(source), .text(JSONText.encode(.array(refs)))]
            ) { row in
                stored[SourceKey(source: source, sourceRef: row.text(0))] =
                    (AlertID(rawValue: row.text(1)), nil, SuppressionRuleID(rawValue: row.text(2)))
            }
        }
    }

    static let insertSuppressed = """
        INSERT INTO suppressed_alerts (id, rule_id, source, source_ref, title, severity, time, rule_uid, rule_name,
            rule_category, src_ip, src_port, src_hostname, dst_ip, dst_port, dst_hostname, host_name, user_name,
            fingerprint, received_at, parser_version, payload_id, payload_offset, payload_length, observables)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """

    /// Stores a suppressed alert: its row and raw record only, no incident, observable rows or job.
    private mutating func suppress(_ alert: PreparedAlert, by rule: SuppressionRuleID, position: Int) throws -> IngestOutcome {
        let draft = alert.draft
        let payloadID = try storedPayloadID()
        let record = payloads.ranges[position]
        let observables = JSONValue.array(
            draft.observables.map { .array([.string($0.type.rawValue), .string($0.value)]) })
        try connection.run(
            Self.insertSuppressed,
            [
                .text(alert.id.rawValue), .text(rule.rawValue), .text(draft.source), .text(draft.sourceRef),
                .text(draft.title), .int(draft.severity.rawValue), .date(draft.time), .text(draft.rule.uid),
                .text(draft.rule.name), .text(draft.rule.category), .text(draft.sourceEndpoint.ip),
                .int(draft.sourceEndpoint.port), .text(draft.sourceEndpoint.hostname),
                .text(draft.destinationEndpoint.ip), .int(draft.destinationEndpoint.port),
                .text(draft.destinationEndpoint.hostname), .text(draft.hostName), .text(draft.userName),
                .text(alert.fingerprint), .integer(nowMillis), .int(draft.parserVersion), .integer(payloadID),
                .int(record.lowerBound), .int(record.count), .text(JSONText.encode(observables)),
            ])
        suppressionHits[rule, default: 0] += 1
        stored[SourceKey(source: draft.source, sourceRef: draft.sourceRef)] = (alert.id, nil, rule)
        return IngestOutcome(
            alertID: alert.id, incidentID: nil, duplicate: false, createdIncident: false, suppressedBy: rule)
    }

    /// One counter update per rule that suppressed alerts of this batch; a rule deleted meanwhile
    /// updates nothing, and its alerts stay stored under its id.
    private func flushSuppressionHits() throws {
        for (rule, count) in suppressionHits {
            try connection.run(
                "UPDATE suppression_rules SET hit_count = hit_count + ?, last_hit_at = ? WHERE id = ?",
                [.int(count), .integer(nowMillis), .text(rule.rawValue)])
        }
    }

    /// The incident the alert joins (index into `touched`), opening one when none is open and recent,
    /// or an overflow incident when the one it would join holds the group's maximum of alerts.
    private mutating func incidentIndex(for alert: PreparedAlert) throws -> (Int, created: Bool) {
        let severity = alert.draft.severity
        let maxAlerts = alert.maxAlerts ?? policyMaxAlerts
        if let index = incidents[alert.fingerprint] {
            if let maxAlerts, touched[index].alertCount >= maxAlerts {
                return (try openIncident(for: alert, overflowOf: touched[index]), true)
            }
            touched[index].addedAlerts += 1
            touched[index].alertCount += 1
            touched[index].severity = max(touched[index].severity, severity)
            return (index, false)
        }
        let cutoffMillis = nowMillis - (alert.window.map(Self.milliseconds) ?? policyWindowMillis)
        // The newest open incident of the fingerprint, from the partial index incidents_open_fingerprint
        // (same WHERE terms; entries end in the rowid, number): one probe, no sort. It is also the one with
        // the latest alert: since it opened, every alert of the fingerprint went to it. The window is
        // checked on that row, so an out-of-window group costs one probe too, however many incidents it had.
        if let (id, storedSeverity, storedCount, lastAlertMillis) = try connection.queryOne(
            """
            SELECT id, severity, alert_count, last_alert_at FROM incidents
            WHERE fingerprint = ? AND status IN ('new', 'in_progress', 'on_hold')
            ORDER BY number DESC LIMIT 1
            """,
            [.text(alert.fingerprint)],
            { (IncidentID(rawValue: $0.text(0)), $0.int(1), $0.int(2), $0.int64(3)) }),
            lastAlertMillis >= cutoffMillis
        {
            let stored = Severity(rawValue: storedSeverity) ?? .unknown
            let found = TouchedIncident(id: id, isNew: false, alertCount: storedCount, severity: stored)
            if let maxAlerts, storedCount >= maxAlerts {
                return (try openIncident(for: alert, overflowOf: found), true)
            }
            touched.append(
                TouchedIncident(
                    id: id, isNew: false, addedAlerts: 1, alertCount: storedCount + 1, severity: max(stored, severity)))
            incidents[alert.fingerprint] = touched.count - 1
            return (touched.count - 1, false)
        }
        return (try openIncident(for: alert, overflowOf: nil), true)
    }

    /// Opens an incident for `alert`; with `full`, it continues that one, which gets an `incident.overflow` event.
    private mutating func openIncident(for alert: PreparedAlert, overflowOf full: TouchedIncident?) throws -> Int {
        let id: IncidentID = ids.next()
        let severity = alert.draft.severity
        let now = SQLiteValue.integer(nowMillis)
        // number NULL: SQLite assigns max(number) + 1 (number is the rowid).
        try connection.run(
            """
            INSERT INTO incidents (number, id, title, severity, status, owner, fingerprint, alert_count,
                created_at, updated_at, last_alert_at, overflow_of)
            VALUES (NULL, ?, ?, ?, 'new', NULL, ?, 1, ?, ?, ?, ?)
            """,
            [
                .text(id.rawValue), .text(alert.draft.title), .int(severity.rawValue), .text(alert.fingerprint), now,
                now, now, .text(full?.id.rawValue),
            ])
        if let full { overflows.append((full: full.id, alertCount: full.alertCount, overflow: id)) }
        touched.append(TouchedIncident(id: id, isNew: true, severity: severity, overflowOf: full?.id))
        incidents[alert.fingerprint] = touched.count - 1
        return touched.count - 1
    }

    private mutating func observableID(
        _ draft: ObservableDraft, incident: (id: IncidentID, isNew: Bool)
    ) throws -> ObservableID {
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

    /// The payload row of this batch, written on first use: a batch of duplicates stores none.
    private mutating func storedPayloadID() throws -> Int64 {
        if let payloadID { return payloadID }
        let id = try connection.queryOne(
            "INSERT INTO alert_payloads (codec, size, data) VALUES ('zstd', ?, ?) RETURNING id",
            [.int(payloads.size), .blob(payloads.data)], { $0.int64(0) })
        guard let id else { throw RiposteError(.internal, "storing alert payloads returned no id") }
        payloadID = id
        return id
    }

    /// One `alert.added` event per incident that alerts of this batch joined, so a burst of a
    /// thousand related alerts reads as one line, not a thousand.
    private func writeAlertAddedEvents() throws {
        for incident in touched where !incident.joined.isEmpty {
            let first = incident.joined[0]
            let count = incident.joined.count
            let worst = incident.joined.map(\.severity).max() ?? first.severity
            let listed = incident.joined.prefix(Self.maximumListedAlerts).map { JSONValue.string($0.id.rawValue) }
            try connection.insertTimelineEvent(
                id: ids.next(), incident: incident.id, time: Date(unixMilliseconds: nowMillis), actor: .system,
                kind: "alert.added",
                message: count == 1 ? "Alert added: \(first.title)" : "\(count) alerts added, first: \(first.title)",
                details: .object([
                    ("alert_ids", .array(listed)), ("count", .number(Double(count))),
                    ("severity", .string(worst.name)),
                ]))
        }
    }

    private func writeOverflowEvents() throws {
        for (full, alertCount, overflow) in overflows {
            try connection.insertTimelineEvent(
                id: ids.next(), incident: full, time: Date(unixMilliseconds: nowMillis), actor: .system,
                kind: "incident.overflow",
                message: "Incident holds \(alertCount) alerts, its group's maximum; further alerts go to a new incident",
                details: .object([
                    ("overflow_incident_id", .string(overflow.rawValue)), ("alert_count", .number(Double(alertCount))),
                ]))
        }
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
