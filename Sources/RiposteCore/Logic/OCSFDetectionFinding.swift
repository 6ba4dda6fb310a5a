// An alert as an OCSF Detection Finding (class 2004, schema 1.8.0): the shape SIEMs and data lakes
// (AWS Security Lake, Splunk) read, so Riposte's normalised alerts can leave it as they came in.
import FoundationEssentials

/// Renders stored alerts as OCSF Detection Finding events.
public enum OCSFDetectionFinding {
    /// The OCSF schema version the events follow.
    public static let schemaVersion = "1.8.0"
    static let classUID = 2004
    static let categoryUID = 2
    /// `activity_id` 1: Create — a new finding reported by its source.
    static let createActivity = 1

    /// The event for `alert` with its `observables` (verdicts, intel hits) and, when given, its raw payload
    /// as `raw_data`. Riposte's own ids ride in `metadata` (`uid`, `correlation_uid` = the incident).
    public static func event(
        for alert: Alert, observables: [Observable], product: String = "Riposte", productVersion: String? = nil,
        raw: String? = nil
    ) -> JSONValue {
        let draft = alert.draft
        var event: [(String, JSONValue)] = [
            ("class_uid", .number(Double(classUID))), ("class_name", .string("Detection Finding")),
            ("category_uid", .number(Double(categoryUID))), ("category_name", .string("Findings")),
            ("activity_id", .number(Double(createActivity))), ("activity_name", .string("Create")),
            ("type_uid", .number(Double(classUID * 100 + createActivity))),
            ("type_name", .string("Detection Finding: Create")),
            ("severity_id", .number(Double(draft.severity.rawValue))), ("severity", .string(severityCaption(draft.severity))),
            ("time", milliseconds(draft.time ?? alert.receivedAt)),
            ("message", .string(draft.title)),
            // A new, open finding: Riposte tracks triage on the incident, not on the alert.
            ("status_id", .number(1)), ("status", .string("New")),
            ("is_alert", .bool(true)),
            ("metadata", metadata(alert, product: product, productVersion: productVersion)),
            ("finding_info", findingInfo(alert)),
        ]
        if let endpoint = endpoint(draft.sourceEndpoint) { event.append(("src_endpoint", endpoint)) }
        if let endpoint = endpoint(draft.destinationEndpoint) { event.append(("dst_endpoint", endpoint)) }
        if let host = draft.hostName {
            // `type_id` is required on a device; the alert does not say what kind it is.
            event.append(
                ("device", .object([("hostname", .string(host)), ("type_id", .number(0)), ("type", .string("Unknown"))])))
        }
        if let user = draft.userName {
            event.append(("actor", .object([("user", .object([("name", .string(user))]))])))
        }
        if !observables.isEmpty {
            event.append(("observables", .array(observables.map { observable($0, in: draft) })))
        }
        if let raw { event.append(("raw_data", .string(raw))) }
        return .object(event)
    }

    /// OCSF `observable.type_id` for each observable type: 1 Hostname, 2 IP Address, 4 User Name,
    /// 5 Email Address, 6 URL String, 8 Hash.
    static func typeID(_ type: ObservableType) -> (id: Int, caption: String) {
        switch type {
        case .domain, .hostname: (1, "Hostname")
        case .ipv4, .ipv6: (2, "IP Address")
        case .username: (4, "User Name")
        case .email: (5, "Email Address")
        case .url: (6, "URL String")
        case .md5, .sha1, .sha256: (8, "Hash")
        }
    }

    private static func severityCaption(_ severity: Severity) -> String {
        severity == .unknown ? "Unknown" : severity.name.prefix(1).uppercased() + severity.name.dropFirst()
    }

    private static func milliseconds(_ date: Date) -> JSONValue {
        .number((date.timeIntervalSince1970 * 1000).rounded())
    }

    private static func metadata(_ alert: Alert, product: String, productVersion: String?) -> JSONValue {
        var productFields: [(String, JSONValue)] = [("name", .string(product)), ("vendor_name", .string(product))]
        if let productVersion { productFields.append(("version", .string(productVersion))) }
        return .object([
            ("version", .string(schemaVersion)), ("product", .object(productFields)),
            ("uid", .string(alert.id.rawValue)), ("correlation_uid", .string(alert.incidentID.rawValue)),
            ("log_name", .string(alert.draft.source)),
            ("logged_time", milliseconds(alert.receivedAt)),
        ])
    }

    private static func findingInfo(_ alert: Alert) -> JSONValue {
        let draft = alert.draft
        // The source's own id identifies the finding across systems; Riposte's id is in metadata.uid.
        var fields: [(String, JSONValue)] = [
            ("uid", .string(draft.sourceRef)), ("title", .string(draft.title)),
            ("created_time", milliseconds(draft.time ?? alert.receivedAt)),
            ("product_uid", .string(draft.source)),
        ]
        if draft.rule.uid != nil || draft.rule.name != nil {
            var analytic: [(String, JSONValue)] = [("type_id", .number(1)), ("type", .string("Rule"))]
            if let uid = draft.rule.uid { analytic.append(("uid", .string(uid))) }
            if let name = draft.rule.name { analytic.append(("name", .string(name))) }
            if let category = draft.rule.category { analytic.append(("category", .string(category))) }
            fields.append(("analytic", .object(analytic)))
        }
        return .object(fields)
    }

    private static func endpoint(_ endpoint: Endpoint) -> JSONValue? {
        guard !endpoint.isEmpty else { return nil }
        var fields: [(String, JSONValue)] = []
        if let ip = endpoint.ip { fields.append(("ip", .string(ip))) }
        if let port = endpoint.port { fields.append(("port", .number(Double(port)))) }
        if let hostname = endpoint.hostname { fields.append(("hostname", .string(hostname))) }
        return .object(fields)
    }

    /// An observable, named after the event field that holds its value when there is one, with its
    /// verdict as a reputation (score: the best hit's confidence × reliability).
    private static func observable(_ observable: Observable, in draft: AlertDraft) -> JSONValue {
        let type = typeID(observable.type)
        var fields: [(String, JSONValue)] = [
            ("name", .string(fieldName(observable, in: draft))), ("type_id", .number(Double(type.id))),
            ("type", .string(type.caption)), ("value", .string(observable.value)),
        ]
        let reputation: (id: Int, caption: String)? =
            switch observable.verdict {
            case .malicious: (10, "Malicious")
            case .suspicious: (7, "Suspicious/Risky")
            case .unknown: nil
            }
        if let reputation {
            let score = observable.intel.map(VerdictPolicy.score).max() ?? 0
            fields.append(
                (
                    "reputation",
                    .object([
                        ("base_score", .number(Double(score))), ("score_id", .number(Double(reputation.id))),
                        ("score", .string(reputation.caption)), ("provider", .string("Riposte")),
                    ])
                ))
        }
        return .object(fields)
    }

    private static func fieldName(_ observable: Observable, in draft: AlertDraft) -> String {
        let value = observable.value
        switch observable.type {
        case .ipv4, .ipv6:
            if draft.sourceEndpoint.ip == value { return "src_endpoint.ip" }
            if draft.destinationEndpoint.ip == value { return "dst_endpoint.ip" }
            return "ip"
        case .hostname, .domain:
            if draft.hostName?.lowercased() == value { return "device.hostname" }
            if draft.sourceEndpoint.hostname?.lowercased() == value { return "src_endpoint.hostname" }
            if draft.destinationEndpoint.hostname?.lowercased() == value { return "dst_endpoint.hostname" }
            return "hostname"
        case .username: return draft.userName == value ? "actor.user.name" : "user.name"
        case .email: return "email_address"
        case .url: return "url.url_string"
        case .md5, .sha1, .sha256: return "file.hashes.value"
        }
    }
}
