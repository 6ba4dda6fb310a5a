// Column lists and row decoding for the domain types, kept next to each other so they cannot drift.
import FoundationEssentials
import RiposteCore

/// A stored value that does not decode (a bad enum text or JSON): the file was changed outside Riposte.
struct CorruptRowError: Error, CustomStringConvertible {
    var table: String
    var column: String
    var value: String
    var description: String { "unexpected \(table).\(column) value '\(value.prefix(100))'" }
}

func decodeEnum<T: RawRepresentable>(_ type: T.Type, _ raw: T.RawValue, table: String, column: String) throws -> T {
    guard let value = T(rawValue: raw) else {
        throw CorruptRowError(table: table, column: column, value: "\(raw)")
    }
    return value
}

enum IncidentRow {
    static let columns =
        "id, number, title, severity, status, owner, fingerprint, alert_count, created_at, updated_at, last_alert_at, "
        + "overflow_of"

    static func decode(_ row: SQLiteRow) throws -> Incident {
        Incident(
            id: IncidentID(rawValue: row.text(0)), number: row.int(1), title: row.text(2),
            severity: try decodeEnum(Severity.self, row.int(3), table: "incidents", column: "severity"),
            status: try decodeEnum(IncidentStatus.self, row.text(4), table: "incidents", column: "status"),
            owner: row.optionalText(5), fingerprint: row.text(6), alertCount: row.int(7), createdAt: row.date(8),
            updatedAt: row.date(9), lastAlertAt: row.date(10), overflowOf: row.optionalText(11).map(IncidentID.init(rawValue:)))
    }
}

enum AlertRow {
    static let columns = """
        id, incident_id, source, source_ref, title, severity, time, rule_uid, rule_name, rule_category, \
        src_ip, src_port, src_hostname, dst_ip, dst_port, dst_hostname, host_name, user_name, fingerprint, \
        received_at, parser_version, payload_id, payload_offset, payload_length
        """

    /// The alert with no observables; the caller adds them from `observable_ids`.
    static func decode(_ row: SQLiteRow, payloads: inout AlertPayloadReader) throws -> Alert {
        let draft = AlertDraft(
            source: row.text(2), sourceRef: row.text(3), title: row.text(4),
            severity: try decodeEnum(Severity.self, row.int(5), table: "alerts", column: "severity"),
            time: row.optionalDate(6),
            rule: DetectionRule(uid: row.optionalText(7), name: row.optionalText(8), category: row.optionalText(9)),
            sourceEndpoint: Endpoint(ip: row.optionalText(10), port: row.optionalInt(11), hostname: row.optionalText(12)),
            destinationEndpoint: Endpoint(
                ip: row.optionalText(13), port: row.optionalInt(14), hostname: row.optionalText(15)),
            hostName: row.optionalText(16), userName: row.optionalText(17), observables: [],
            raw: try payloads.record(payload: row.int64(21), offset: row.int(22), length: row.int(23)),
            parserVersion: row.int(20))
        return Alert(
            id: AlertID(rawValue: row.text(0)), incidentID: IncidentID(rawValue: row.text(1)), draft: draft,
            fingerprint: row.text(18), receivedAt: row.date(19))
    }
}

enum ObservableRow {
    static let columns = "id, incident_id, type, value, verdict, first_seen"

    /// Worst verdict first, then type and value.
    static let order =
        "CASE verdict WHEN 'malicious' THEN 0 WHEN 'suspicious' THEN 1 ELSE 2 END, type, value"

    /// The observable without intel; the caller adds hits.
    static func decode(_ row: SQLiteRow, offset: Int32 = 0) throws -> Observable {
        Observable(
            id: ObservableID(rawValue: row.text(offset)), incidentID: IncidentID(rawValue: row.text(offset + 1)),
            type: try decodeEnum(ObservableType.self, row.text(offset + 2), table: "observables", column: "type"),
            value: row.text(offset + 3),
            verdict: try decodeEnum(Verdict.self, row.text(offset + 4), table: "observables", column: "verdict"),
            intel: [], firstSeen: row.date(offset + 5))
    }
}

enum IntelHitRow {
    /// Preceded by `observable_id` in queries.
    static let columns = "feed, indicator, match, first_seen, confidence, label, reliability, tlp"

    static func decode(_ row: SQLiteRow, offset: Int32) throws -> IntelHit {
        IntelHit(
            feed: row.text(offset), indicator: row.text(offset + 1),
            match: try decodeEnum(IntelMatchKind.self, row.text(offset + 2), table: "intel_hits", column: "match"),
            firstSeen: row.date(offset + 3), confidence: row.optionalInt(offset + 4), label: row.optionalText(offset + 5),
            reliability: try row.optionalText(offset + 6).map {
                try decodeEnum(SourceReliability.self, $0, table: "intel_hits", column: "reliability")
            },
            tlp: try row.optionalText(offset + 7).map { try decodeEnum(TLP.self, $0, table: "intel_hits", column: "tlp") })
    }
}

enum TimelineRow {
    static let columns = "id, incident_id, time, actor, kind, message, details"

    static func decode(_ row: SQLiteRow) throws -> TimelineEvent {
        let details: JSONValue
        do {
            details = try JSONText.decode(row.text(6))
        } catch {
            throw CorruptRowError(table: "timeline_events", column: "details", value: row.text(6))
        }
        return TimelineEvent(
            id: TimelineEventID(rawValue: row.text(0)), incidentID: IncidentID(rawValue: row.text(1)),
            time: row.date(2), actor: Actor(name: row.text(3)), kind: row.text(4), message: row.text(5),
            details: details)
    }
}

enum NoteRow {
    static let columns = "id, incident_id, author, body, created_at"

    static func decode(_ row: SQLiteRow) -> Note {
        Note(
            id: NoteID(rawValue: row.text(0)), incidentID: IncidentID(rawValue: row.text(1)),
            author: Actor(name: row.text(2)), body: row.text(3), createdAt: row.date(4))
    }
}

enum CaseTaskRow {
    static let columns = "id, incident_id, title, status, owner, created_at, updated_at"

    static func decode(_ row: SQLiteRow) throws -> CaseTask {
        CaseTask(
            id: CaseTaskID(rawValue: row.text(0)), incidentID: IncidentID(rawValue: row.text(1)), title: row.text(2),
            status: try decodeEnum(CaseTaskStatus.self, row.text(3), table: "case_tasks", column: "status"),
            owner: row.optionalText(4), createdAt: row.date(5), updatedAt: row.date(6))
    }
}

extension SQLiteConnection {
    /// Inserts one timeline event; every change to an incident calls this in its transaction.
    func insertTimelineEvent(
        id: TimelineEventID, incident: IncidentID, time: Date, actor: Actor, kind: String, message: String,
        details: JSONValue
    ) throws {
        try run(
            "INSERT INTO timeline_events (incident_id, time, id, actor, kind, message, details) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                .text(incident.rawValue), .date(time), .text(id.rawValue), .text(actor.name), .text(kind),
                .text(message), .text(JSONText.encode(details)),
            ])
    }

    /// Throws `.notFound` unless the incident exists.
    func requireIncident(_ id: IncidentID) throws {
        let exists = try queryOne("SELECT 1 FROM incidents WHERE id = ?", [.text(id.rawValue)]) { _ in true }
        guard exists == true else { throw RiposteError.notFound("no incident \(id)") }
    }

    /// Intel hits of the given observables, keyed by observable id, ordered by feed and indicator.
    func intelHits(where condition: String, _ values: [SQLiteValue]) throws -> [String: [IntelHit]] {
        var hits: [String: [IntelHit]] = [:]
        try query(
            "SELECT observable_id, \(IntelHitRow.columns) FROM intel_hits WHERE \(condition) ORDER BY observable_id, feed, indicator",
            values
        ) { row in
            hits[row.text(0), default: []].append(try IntelHitRow.decode(row, offset: 1))
        }
        return hits
    }
}

/// `alerts.observable_ids`: a JSON array of observable ids in the order the parser found them.
enum ObservableIDList {
    /// Ids are prefixed URL-safe ASCII (`Identifier(parsing:)`), so they need no escaping.
    static func encode(_ ids: [ObservableID]) -> String {
        "[" + ids.map { "\"" + $0.rawValue + "\"" }.joined(separator: ",") + "]"
    }

    /// The ids in `text`. - Throws: `.internal` when the column does not hold an array of strings.
    static func decode(_ text: String) throws -> [ObservableID] {
        guard case .array(let items) = try JSONText.decode(text) else {
            throw RiposteError(.internal, "alerts.observable_ids is not a JSON array")
        }
        return try items.map { item in
            guard let id = item.stringValue else { throw RiposteError(.internal, "alerts.observable_ids holds a non-string") }
            return ObservableID(rawValue: id)
        }
    }
}
