// Maps IBM QRadar offenses (GET /api/siem/offenses, one offense or the list) to alert drafts.
import FoundationEssentials
package import RiposteCore

/// Parses QRadar offense objects as the REST API returns them; a body may be one offense or the
/// list response (a JSON array), which the payload splitter turns into one record per offense.
///
/// Mapping:
/// - **source ref**: the offense `id` (required integer), so re-polling an updated offense is a duplicate.
/// - **title**: `description` with its lines trimmed and joined by a space (QRadar ends it with a
///   line break and puts "containing …" on a second line); `QRadar offense <id>` when empty.
/// - **severity**: `magnitude` (1-10), else `severity` (0-10), in bands: 0 informational, 1-3 low,
///   4-6 medium, 7-8 high, 9-10 critical.
/// - **time**: `start_time` (Unix milliseconds).
/// - **rule**: uid from the first `rules[].id`; category from `categories` joined by `, `.
/// - **offense source** by `offense_type`: 0/10 source IP, 1/11 destination IP (endpoint and
///   observable), 3 user name, 7 host name, 8 source port, 9 destination port; for other types an
///   offense source that is an IP still becomes an observable.
///
/// `source_address_ids` and `local_destination_address_ids` are ids into other API resources
/// (`/siem/source_addresses`), not addresses, so they stay in the raw payload. The QRadar poller
/// resolves the source address ids and adds them to the offense as `source_addresses` (the
/// `/siem/source_addresses` objects, `{"id", "source_ip"}`); each `source_ip` becomes an observable,
/// so re-parsing a stored offense gives the same observables.
package struct QRadarOffenseParser: JSONAlertParser {
    package var source: String { "qradar" }
    package var version: Int { 1 }

    package init() {}

    package func parse(record: [UInt8], value: JSONValue) throws -> AlertDraft {
        guard value.objectMembers != nil else { throw RiposteError.invalid("expected a JSON object") }
        guard let idValue = value.field("id") else { throw RiposteError.invalid("missing field 'id'; not a QRadar offense") }
        guard let id = idValue.integerValue, id >= 0 else {
            throw RiposteError.invalid("id \(quoted(idValue)) is not an offense id (a non-negative integer)")
        }

        var severity = Severity.unknown
        for key in ["magnitude", "severity"] {
            guard let member = value.field(key), member != .null else { continue }
            guard let number = member.integerValue, let mapped = Severity(tenPointScale: number) else {
                throw RiposteError.invalid("\(key) \(quoted(member)) is not a number 0-10")
            }
            severity = mapped
            break
        }

        var time: Date?
        if let start = value.field("start_time"), start != .null {
            guard let milliseconds = start.decimalValue, let date = EventTime.date(unixMillisecondsValue: milliseconds) else {
                throw RiposteError.invalid("start_time \(quoted(start)) is not Unix milliseconds")
            }
            time = date
        }

        var sourceEndpoint = Endpoint()
        var destinationEndpoint = Endpoint()
        var hostName: String?
        var userName: String?
        var observables = ObservableCollector()
        if let offenseSource = value.field("offense_source")?.text {
            let address = IPAddress(offenseSource)
            switch value.field("offense_type")?.integerValue {
            case 0, 10:
                sourceEndpoint.ip = address?.description
                observables.addHost(offenseSource)
            case 1, 11:
                destinationEndpoint.ip = address?.description
                observables.addHost(offenseSource)
            case 3:
                userName = offenseSource
                observables.add(.username, offenseSource)
            case 7:
                hostName = offenseSource
                observables.addHost(offenseSource)
            case 8:
                sourceEndpoint.port = Int(offenseSource).flatMap { (0...65_535).contains($0) ? $0 : nil }
            case 9:
                destinationEndpoint.port = Int(offenseSource).flatMap { (0...65_535).contains($0) ? $0 : nil }
            default:
                if address != nil { observables.addHost(offenseSource) }
            }
        }

        for (index, address) in (value.field("source_addresses")?.arrayValue ?? []).enumerated() {
            guard let ip = address.field("source_ip")?.stringValue, IPAddress(ip) != nil else {
                throw RiposteError.invalid("source_addresses[\(index)].source_ip is not an IP address")
            }
            observables.addHost(ip)
        }

        let categories = value.field("categories")?.arrayValue?.compactMap(\.nonEmptyString) ?? []
        let ruleID = value.field("rules")?.arrayValue?.first?.field("id")?.text
        return AlertDraft(
            source: source,
            sourceRef: String(id),
            title: Self.title(value.field("description")?.stringValue) ?? "QRadar offense \(id)",
            severity: severity,
            time: time,
            rule: DetectionRule(uid: ruleID, category: categories.isEmpty ? nil : categories.joined(separator: ", ")),
            sourceEndpoint: sourceEndpoint,
            destinationEndpoint: destinationEndpoint,
            hostName: hostName,
            userName: userName,
            observables: observables.drafts,
            raw: record,
            parserVersion: version
        )
    }

    /// The description's non-blank lines, trimmed, joined by a space; nil when blank.
    static func title(_ description: String?) -> String? {
        guard let description else { return nil }
        let lines = description.split(whereSeparator: \.isNewline).map(\.trimmed).filter { !$0.isEmpty }
        return lines.isEmpty ? nil : lines.joined(separator: " ")
    }
}
