// Maps Wazuh alerts (`alerts.json` lines and integration webhooks) to alert drafts.
import FoundationEssentials
package import RiposteCore

/// Parses Wazuh manager alerts: the lines of `/var/ossec/logs/alerts/alerts.json`, the same object
/// posted by a custom integration, or the Shuffle integration's envelope (the alert under `all_fields`).
///
/// Mapping:
/// - **title** and **rule name**: `rule.description` (required); **rule uid**: `rule.id`;
///   **rule category**: `rule.groups` joined by `,`.
/// - **severity**: `rule.level` (0-15, required) in the Wazuh dashboard's bands: 0-3 informational,
///   4-6 low, 7-11 medium, 12-14 high, 15 critical.
/// - **time**: `timestamp` (`2022-05-11T12:29:19.905+0000`).
/// - **endpoints**: `data.srcip`/`data.srcport` and `data.dstip`/`data.dstport`; an address that is
///   not an IP is an error naming the field.
/// - **host name**: `agent.name` (the monitored host); **user**: `data.srcuser`, else `data.dstuser`.
/// - **observables**, in order: source and destination IPs, `agent.ip`, `data.srcuser`,
///   `data.dstuser`, `data.url`, `syscheck.md5_after`/`sha1_after`/`sha256_after`.
/// - **source ref**: the alert `id` (`1652272159.1549653`, unique per manager); without one,
///   `sha256:` of the record bytes.
///
/// `full_log` and `previous_output` stay in the raw payload only.
package struct WazuhAlertParser: JSONAlertParser {
    package var source: String { "wazuh" }
    package var version: Int { 1 }

    package init() {}

    package func parse(record: [UInt8], value: JSONValue) throws -> AlertDraft {
        guard value.objectMembers != nil else { throw RiposteError.invalid("expected a JSON object") }
        let alert = value.field("all_fields").flatMap { $0.objectMembers != nil ? $0 : nil } ?? value
        guard let rule = alert.field("rule"), rule.objectMembers != nil else {
            throw RiposteError.invalid("missing object 'rule'; not a Wazuh alert")
        }
        guard let description = rule.field("description")?.nonEmptyString else {
            throw RiposteError.invalid("missing string field 'rule.description'")
        }
        guard let levelValue = rule.field("level") else { throw RiposteError.invalid("missing field 'rule.level'") }
        guard let level = levelValue.integerValue, (0...15).contains(level) else {
            throw RiposteError.invalid("rule.level \(quoted(levelValue)) is not a level 0-15")
        }
        let time = try rfc3339Time(alert.field("timestamp"), field: "timestamp")

        let data = alert.field("data")
        let sourceIP = try ipAddress(data?.field("srcip"), field: "data.srcip")
        let destinationIP = try ipAddress(data?.field("dstip"), field: "data.dstip")
        let sourceUser = data?.field("srcuser")?.nonEmptyString
        let destinationUser = data?.field("dstuser")?.nonEmptyString
        let agent = alert.field("agent")

        var observables = ObservableCollector()
        observables.add(sourceIP)
        observables.add(destinationIP)
        if let agentIP = agent?.field("ip")?.nonEmptyString, let address = IPAddress(agentIP) {
            observables.add(ParsedIP(address: address, text: address.description))
        }
        observables.add(.username, sourceUser)
        observables.add(.username, destinationUser)
        observables.add(.url, data?.field("url")?.nonEmptyString)
        if let syscheck = alert.field("syscheck") {
            observables.add(.md5, syscheck.field("md5_after")?.nonEmptyString)
            observables.add(.sha1, syscheck.field("sha1_after")?.nonEmptyString)
            observables.add(.sha256, syscheck.field("sha256_after")?.nonEmptyString)
        }

        let groups = rule.field("groups")?.arrayValue?.compactMap(\.nonEmptyString) ?? []
        return AlertDraft(
            source: source,
            sourceRef: alert.field("id")?.text ?? "sha256:" + sha256Hex(record),
            title: description,
            severity: Self.severity(level: level),
            time: time,
            rule: DetectionRule(
                uid: rule.field("id")?.text, name: description, category: groups.isEmpty ? nil : groups.joined(separator: ",")),
            sourceEndpoint: Endpoint(ip: sourceIP?.text, port: try port(data?.field("srcport"), field: "data.srcport")),
            destinationEndpoint: Endpoint(
                ip: destinationIP?.text, port: try port(data?.field("dstport"), field: "data.dstport")),
            hostName: agent?.field("name")?.nonEmptyString,
            userName: sourceUser ?? destinationUser,
            observables: observables.drafts,
            raw: record,
            parserVersion: version
        )
    }

    /// Wazuh rule level (0-15) to severity, in the dashboard's bands.
    static func severity(level: Int) -> Severity {
        switch level {
        case ...3: .informational
        case 4...6: .low
        case 7...11: .medium
        case 12...14: .high
        default: .critical
        }
    }
}
