// Maps Riposte's own documented JSON alert shape, for senders with no dedicated parser.
import FoundationEssentials
package import RiposteCore

/// Parses the generic alert shape (`POST /api/v1/alerts?source=generic`).
///
/// ```json
/// {
///   "title": "Phishing mail reported",          // required, non-empty string
///   "severity": "high",                          // name (unknown, informational|info, low, medium,
///                                                //   high, critical; any case) or OCSF number 0-5
///   "time": "2026-01-04T16:26:38.877Z",          // RFC 3339 (offset optional: UTC), ms precision
///   "source_ref": "INC-4711",                    // or "id"; string or integer; the sender's id
///   "rule": {"uid": "R-12", "name": "Phishing", "category": "Mail"},   // or a string: the rule name
///   "src_ip": "203.0.113.7", "src_port": 51234,
///   "dst_ip": "198.51.100.2", "dst_port": 443,
///   "host": "ws-042",                            // affected device
///   "user": "alice",                             // account involved
///   "observables": [{"type": "domain", "value": "evil.example"}],
///   "description": "free text"
/// }
/// ```
///
/// Every field but `title` is optional, `null` counts as absent, and unknown fields are ignored
/// (they stay in the raw payload). A field of the wrong type or an invalid value is `.invalid`,
/// naming the field (`observables[2]: 'x' is not a valid ipv4`). Observable types are the
/// ``ObservableType`` names, plus `ip` for either address family.
///
/// Observables, in order: `src_ip`, `dst_ip`, the `observables` list, `host` (as host name or IP),
/// `user`, then whatever ``ObservableExtractor`` finds in `title` and `description`.
///
/// Without `source_ref` or `id`, the source ref is `sha256:` of the record's exact bytes, so an
/// exact repeat is a duplicate (the same alert re-serialised differently is not).
package struct GenericAlertParser: JSONAlertParser {
    package var source: String { "generic" }
    package var version: Int { 1 }

    package init() {}

    package func parse(record: [UInt8], value: JSONValue) throws -> AlertDraft {
        guard value.objectMembers != nil else { throw RiposteError.invalid("expected a JSON object") }
        func field(_ name: String) -> JSONValue? {
            guard let member = value.field(name), member != .null else { return nil }
            return member
        }
        func string(_ name: String) throws -> String? {
            guard let member = field(name) else { return nil }
            guard let text = member.stringValue else { throw RiposteError.invalid("field '\(name)' must be a string") }
            return text
        }

        guard let titleValue = field("title") else { throw RiposteError.invalid("missing required field 'title'") }
        guard let title = titleValue.stringValue, !title.allSatisfy(\.isWhitespace) else {
            throw RiposteError.invalid("field 'title' must be a non-empty string")
        }
        let description = try string("description")

        var time: Date?
        if let timeValue = field("time") {
            guard let text = timeValue.stringValue, let date = EventTime.parse(text) else {
                throw RiposteError.invalid("field 'time' \(quoted(timeValue)) is not an RFC 3339 timestamp")
            }
            time = date
        }

        let sourceIP = try ipAddress(field("src_ip"), field: "field 'src_ip'")
        let destinationIP = try ipAddress(field("dst_ip"), field: "field 'dst_ip'")
        let sourceEndpoint = Endpoint(ip: sourceIP?.text, port: try port(field("src_port"), field: "field 'src_port'"))
        let destinationEndpoint = Endpoint(
            ip: destinationIP?.text, port: try port(field("dst_port"), field: "field 'dst_port'"))
        let host = try string("host").flatMap { $0.isEmpty ? nil : $0 }
        let user = try string("user").flatMap { $0.isEmpty ? nil : $0 }

        var observables = ObservableCollector()
        observables.add(sourceIP)
        observables.add(destinationIP)
        observables.add(contentsOf: try listedObservables(field("observables")))
        observables.addHost(host)
        observables.add(.username, user)
        observables.add(contentsOf: ObservableExtractor.observables(in: title))
        if let description { observables.add(contentsOf: ObservableExtractor.observables(in: description)) }

        return AlertDraft(
            source: source,
            sourceRef: try sourceRef(field("source_ref") ?? field("id"), record: record),
            title: title,
            severity: try severity(field("severity")),
            time: time,
            rule: try rule(field("rule")),
            sourceEndpoint: sourceEndpoint,
            destinationEndpoint: destinationEndpoint,
            hostName: host,
            userName: user,
            observables: observables.drafts,
            raw: record,
            parserVersion: version
        )
    }

    func severity(_ value: JSONValue?) throws -> Severity {
        guard let value else { return .unknown }
        if let name = value.stringValue, let severity = Severity(name: name) { return severity }
        if case .number = value, let number = value.integerValue, let severity = Severity(rawValue: number) {
            return severity
        }
        let names = Severity.allCases.map(\.name).joined(separator: ", ")
        throw RiposteError.invalid("field 'severity' \(quoted(value)) is not one of \(names) or a number 0-5")
    }

    func sourceRef(_ value: JSONValue?, record: [UInt8]) throws -> String {
        guard let value else { return "sha256:" + sha256Hex(record) }
        switch value {
        case .string(let text) where !text.isEmpty && text.utf8.count <= 512:
            return text
        case .number where value.integerValue != nil:
            return value.scalarText!
        default:
            throw RiposteError.invalid(
                "field 'source_ref' \(quoted(value)) must be a non-empty string (at most 512 bytes) or an integer")
        }
    }

    func rule(_ value: JSONValue?) throws -> DetectionRule {
        guard let value else { return DetectionRule() }
        if let name = value.stringValue { return DetectionRule(name: name.isEmpty ? nil : name) }
        guard value.objectMembers != nil else {
            throw RiposteError.invalid("field 'rule' must be an object with 'uid', 'name' and 'category', or a string")
        }
        func text(_ key: String) throws -> String? {
            guard let member = value.field(key), member != .null else { return nil }
            switch member {
            case .string(let text): return text.isEmpty ? nil : text
            case .number where member.integerValue != nil: return member.scalarText
            default: throw RiposteError.invalid("field 'rule.\(key)' \(quoted(member)) must be a string")
            }
        }
        return DetectionRule(uid: try text("uid"), name: try text("name"), category: try text("category"))
    }

    func listedObservables(_ value: JSONValue?) throws -> [ObservableDraft] {
        guard let value else { return [] }
        guard let elements = value.arrayValue else {
            throw RiposteError.invalid("field 'observables' must be an array of {\"type\", \"value\"} objects")
        }
        let known = (["ip"] + ObservableType.allCases.map(\.rawValue)).joined(separator: ", ")
        return try elements.enumerated().map { index, element in
            let label = "observables[\(index)]"
            guard element.objectMembers != nil else {
                throw RiposteError.invalid("\(label): expected an object with 'type' and 'value'")
            }
            guard let typeName = element.field("type")?.stringValue else {
                throw RiposteError.invalid("\(label): missing string field 'type'; known: \(known)")
            }
            guard let raw = element.field("value")?.stringValue else {
                throw RiposteError.invalid("\(label): missing string field 'value'")
            }
            let type: ObservableType
            if typeName.lowercased() == "ip" {
                switch IPAddress(String(raw.filter { !$0.isWhitespace })) {
                case .v4: type = .ipv4
                case .v6: type = .ipv6
                case nil: throw RiposteError.invalid("\(label): \(quoted(.string(raw))) is not a valid ip")
                }
            } else {
                guard let parsed = ObservableType(rawValue: typeName.lowercased()) else {
                    throw RiposteError.invalid("\(label): unknown type \(quoted(.string(typeName))); known: \(known)")
                }
                type = parsed
            }
            guard let draft = ObservableDraft(type, raw) else {
                throw RiposteError.invalid("\(label): \(quoted(.string(raw))) is not a valid \(type.rawValue)")
            }
            return draft
        }
    }
}
