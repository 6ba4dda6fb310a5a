// Maps Splunk alert-action webhooks and Enterprise Security notable events to alert drafts.
import FoundationEssentials
package import RiposteCore

/// Parses the two JSON shapes Splunk sends:
/// - the **webhook alert action** payload: `result` (the first result row, string-valued fields),
///   `sid`, `search_name` (may be null), `results_link`, `owner`, `app`;
/// - an **Enterprise Security notable event** (a `notable` index row: `rule_name`, `rule_title`,
///   `search_name`, `urgency`, `src`, `dest`, `user`, `event_id`, `_time`, …), as sent by an ES
///   adaptive response or read back by a poller; a webhook's `result` may itself be such a row.
///
/// Fields come from the row (`result`, or the record itself), CIM names:
/// - **title**: `rule_title`, else `rule_name`, else the row's or payload's `search_name`, else
///   `Splunk alert <sid>`.
/// - **rule**: uid `search_name` (the correlation search, unique per app), name `rule_name` (else
///   `search_name`), category `security_domain`.
/// - **severity**: `urgency`, else `severity` (informational, low, medium, high, critical; any
///   case), else `severity_id` as OCSF 0-5; unknown otherwise.
/// - **time**: `_time` as RFC 3339 or Unix seconds (`"1717578924.000"`).
/// - **endpoints**: `src`/`dest` (an IP, else a host name), `src_ip`/`dest_ip` when they are IPs,
///   `src_port`/`dest_port`. Result fields are the free text of a search, so values that are not
///   addresses or ports are not errors: they are left out.
/// - **host name**: `dest_nt_host`, `dest_dns`, `dest` when not an IP, else `dvc`.
/// - **user**: `user`, else `src_user`.
/// - **observables**, in order: `src`, `dest`, `src_ip`, `dest_ip` (IP or host), `user`,
///   `src_user`, `url`, `file_hash` (by length), `sender`, `recipient`, `query` (DNS name).
///   Multi-value fields (JSON arrays) contribute every value.
/// - **source ref**: `event_id` (the notable id); else `sid`, with `:_serial` when the row has one;
///   else `sha256:` of the record bytes.
///
/// A record that is neither (no `result` object, no `event_id`, `rule_name` or `search_name`) is rejected.
package struct SplunkAlertParser: JSONAlertParser {
    package var source: String { "splunk" }
    package var version: Int { 1 }

    package init() {}

    package func parse(record: [UInt8], value: JSONValue) throws -> AlertDraft {
        guard value.objectMembers != nil else { throw RiposteError.invalid("expected a JSON object") }
        let result = value.field("result")
        if let result, result.objectMembers == nil {
            throw RiposteError.invalid("field 'result' must be an object (the first result row)")
        }
        let row = result ?? value
        let sid = value.field("sid")?.text
        let searchName = row.field("search_name")?.firstText ?? value.field("search_name")?.firstText
        let eventID = row.field("event_id")?.firstText
        let ruleName = row.field("rule_name")?.firstText
        guard result != nil || eventID != nil || ruleName != nil || searchName != nil else {
            throw RiposteError.invalid(
                "neither a webhook payload (object 'result') nor a notable event ('event_id', 'rule_name' or 'search_name')")
        }
        guard let title = row.field("rule_title")?.firstText ?? ruleName ?? searchName ?? sid.map({ "Splunk alert \($0)" })
        else {
            throw RiposteError.invalid("webhook payload without 'sid' or 'search_name'")
        }

        let time: Date?
        if let timeValue = row.field("_time"), timeValue != .null {
            guard let date = EventTime.parseTextOrEpochSeconds(timeValue.arrayValue?.first ?? timeValue) else {
                throw RiposteError.invalid("_time \(quoted(timeValue)) is not an RFC 3339 time or Unix seconds")
            }
            time = date
        } else {
            time = nil
        }

        func address(_ key: String) -> ParsedIP? {
            guard let text = row.field(key)?.firstText, let address = IPAddress(text) else { return nil }
            return ParsedIP(address: address, text: address.description)
        }
        func port(_ key: String) -> Int? {
            guard let number = row.field(key)?.firstText.flatMap({ Int($0) }), (0...65_535).contains(number) else { return nil }
            return number
        }
        let source = row.field("src")?.firstText
        let destination = row.field("dest")?.firstText
        let sourceIP = address("src") ?? address("src_ip")
        let destinationIP = address("dest") ?? address("dest_ip")
        let destinationHost = destination.flatMap(IPAddress.init) == nil ? destination : nil
        let sourceHost = source.flatMap(IPAddress.init) == nil ? source : nil
        let user = row.field("user")?.firstText
        let sourceUser = row.field("src_user")?.firstText

        var observables = ObservableCollector()
        for key in ["src", "dest", "src_ip", "dest_ip"] {
            for text in row.field(key).map(Self.texts) ?? [] { observables.addHost(text) }
        }
        for key in ["user", "src_user"] {
            for text in row.field(key).map(Self.texts) ?? [] { observables.add(.username, text) }
        }
        for text in row.field("url").map(Self.texts) ?? [] { observables.add(.url, text) }
        for text in row.field("file_hash").map(Self.texts) ?? [] { observables.add(hashOfLength: text) }
        for key in ["sender", "recipient"] {
            for text in row.field(key).map(Self.texts) ?? [] { observables.add(.email, text) }
        }
        for text in row.field("query").map(Self.texts) ?? [] { observables.add(.domain, text) }

        let sourceRef: String
        if let eventID {
            sourceRef = eventID
        } else if let sid {
            sourceRef = row.field("_serial")?.firstText.map { "\(sid):\($0)" } ?? sid
        } else {
            sourceRef = "sha256:" + sha256Hex(record)
        }
        return AlertDraft(
            source: self.source,
            sourceRef: sourceRef,
            title: title,
            severity: Self.severity(row),
            time: time,
            rule: DetectionRule(
                uid: searchName, name: ruleName ?? searchName, category: row.field("security_domain")?.firstText),
            sourceEndpoint: Endpoint(ip: sourceIP?.text, port: port("src_port"), hostname: sourceHost),
            destinationEndpoint: Endpoint(ip: destinationIP?.text, port: port("dest_port"), hostname: destinationHost),
            hostName: row.field("dest_nt_host")?.firstText ?? row.field("dest_dns")?.firstText ?? destinationHost
                ?? row.field("dvc")?.firstText,
            userName: user ?? sourceUser,
            observables: observables.drafts,
            raw: record,
            parserVersion: version
        )
    }

    /// `urgency`, `severity` or `severity_id` of a row; see the type's documentation.
    static func severity(_ row: JSONValue) -> Severity {
        for key in ["urgency", "severity"] {
            if let name = row.field(key)?.firstText, let severity = Severity(name: name) { return severity }
        }
        if let number = row.field("severity_id")?.firstText.flatMap({ Int($0) }), let severity = Severity(rawValue: number) {
            return severity
        }
        return .unknown
    }

    /// Every non-empty text of a single or multi-value field.
    static func texts(_ value: JSONValue) -> [String] {
        if case .array(let elements) = value { return elements.compactMap(\.text) }
        return value.text.map { [$0] } ?? []
    }
}

extension ObservableCollector {
    /// Adds a hex digest as MD5, SHA-1 or SHA-256 by its length.
    mutating func add(hashOfLength text: String?) {
        guard let text else { return }
        switch text.utf8.count {
        case 32: add(.md5, text)
        case 40: add(.sha1, text)
        case 64: add(.sha256, text)
        default: break
        }
    }
}
