// Maps Suricata EVE JSON `alert` records to alert drafts (OCSF Detection Finding fields).
import FoundationEssentials
package import RiposteCore

/// Parses Suricata EVE `event_type: "alert"` records (Suricata 4–7 layouts).
///
/// Mapping:
/// - **title** and **rule name**: `alert.signature` (`Suricata signature 1:2018452` when absent);
///   **rule category**: `alert.category`.
/// - **rule uid**: `"gid:sid"` (`1:2018452`), stable across rule revisions and unambiguous across
///   generators; ``signatureID(of:)`` reads the SID back.
/// - **severity**: Suricata `alert.severity` (the classification priority) 1 → high, 2 → medium,
///   3 → low, 4 and above → informational, absent → unknown. An ET `alert.metadata.signature_severity`
///   of `Critical` raises it to critical and `Major` to at least high; it never lowers it.
/// - **time**: `timestamp` (`2016-01-04T16:26:38.877110+0000`, or no offset = UTC), truncated to ms.
/// - **endpoints**: `src_ip`/`src_port` and `dest_ip`/`dest_port`, IPs in canonical form. The server
///   side (the flow's destination: `flow.dest_ip`, else the destination unless `direction` is
///   `to_client`) gets the hostname from `http.hostname`, else `tls.sni`. DNS names are not put on an
///   endpoint: `dns.rrname` names what was asked, not the resolver that was asked.
/// - **host name**: EVE `host` (the sensor name, when Suricata is configured with one).
/// - **observables**, in order: source and destination IPs; `http.hostname`, `tls.sni` and DNS
///   `rrname`s (`dns.query[]`, `dns.queries[]`, `dns.rrname`) as domains (or IPs); the URL
///   `scheme://hostname[:http_port]http.url` (https when the record has `tls`; an absolute
///   `http.url` is taken as is; no URL without a hostname); emails from `smtp.mail_from`,
///   `smtp.rcpt_to[]`, `email.from`, `email.to[]`, `email.cc[]`; MD5/SHA-1/SHA-256 from `fileinfo`
///   and `files[]`; user names from `smb.ntlmssp` (`DOMAIN\user`), `krb5.cname` and FTP `USER`.
///   The first user name is also the draft's `userName`.
/// - **source ref**: EVE has no alert id, so `"flow_id:tx_id:gid:sid:timestamp"` (`tx_id` -1 when
///   absent): re-sending the same line is a duplicate, two alerts are not. Without a `flow_id`,
///   `sha256:` of the record bytes.
///
/// Records whose `event_type` is not `alert` are rejected (`event_type 'flow' is not an alert`).
package struct SuricataEVEParser: JSONAlertParser {
    package var source: String { "suricata" }
    package var version: Int { 1 }

    package init() {}

    /// The Suricata signature id of a draft this parser made (`2018452` from rule uid `1:2018452`).
    package static func signatureID(of draft: AlertDraft) -> Int? {
        guard let uid = draft.rule.uid, let sid = uid.split(separator: ":").last else { return nil }
        return Int(sid)
    }

    package func parse(record: [UInt8], value: JSONValue) throws -> AlertDraft {
        guard value.objectMembers != nil else { throw RiposteError.invalid("expected a JSON object") }
        guard let eventType = value.field("event_type") else {
            throw RiposteError.invalid("missing field 'event_type'; not a Suricata EVE record")
        }
        guard eventType.stringValue == "alert" else {
            throw RiposteError.invalid("event_type \(quoted(eventType)) is not an alert")
        }
        guard let alert = value.field("alert"), alert.objectMembers != nil else {
            throw RiposteError.invalid("missing object 'alert'")
        }
        guard let signatureID = alert.field("signature_id")?.integerValue else {
            throw RiposteError.invalid("missing or non-integer field 'alert.signature_id'")
        }
        let generatorID = alert.field("gid")?.integerValue ?? 1
        let signature = alert.field("signature")?.nonEmptyString

        var time: Date?
        let timestamp = value.field("timestamp")
        if let timestamp, timestamp != .null {
            guard let text = timestamp.stringValue, let date = EventTime.parse(text) else {
                throw RiposteError.invalid("timestamp \(quoted(timestamp)) is not a valid time")
            }
            time = date
        }

        let sourceIP = try ipAddress(value.field("src_ip"), field: "src_ip")
        let destinationIP = try ipAddress(value.field("dest_ip"), field: "dest_ip")
        var sourceEndpoint = Endpoint(ip: sourceIP?.text, port: try port(value.field("src_port"), field: "src_port"))
        var destinationEndpoint = Endpoint(
            ip: destinationIP?.text, port: try port(value.field("dest_port"), field: "dest_port"))

        let http = value.field("http")
        let tls = value.field("tls")
        let serverName = http?.field("hostname")?.nonEmptyString ?? tls?.field("sni")?.nonEmptyString
        if isServerSource(value, sourceIP: sourceIP) {
            sourceEndpoint.hostname = serverName
        } else {
            destinationEndpoint.hostname = serverName
        }

        var observables = ObservableCollector()
        observables.add(sourceIP)
        observables.add(destinationIP)
        observables.addHost(http?.field("hostname")?.nonEmptyString)
        observables.addHost(tls?.field("sni")?.nonEmptyString)
        for name in dnsNames(value.field("dns")) { observables.addHost(name) }
        if let http { observables.add(url(http: http, tls: tls != nil && tls != .null)) }
        for address in emailAddresses(smtp: value.field("smtp"), email: value.field("email")) { observables.add(.email, address) }
        for hash in fileHashes(value) { observables.add(hash.0, hash.1) }
        let users = userNames(value)
        for user in users { observables.add(.username, user) }

        return AlertDraft(
            source: source,
            sourceRef: sourceRef(value, record: record, generatorID: generatorID, signatureID: signatureID),
            title: signature ?? "Suricata signature \(generatorID):\(signatureID)",
            severity: severity(alert),
            time: time,
            rule: DetectionRule(
                uid: "\(generatorID):\(signatureID)", name: signature, category: alert.field("category")?.nonEmptyString),
            sourceEndpoint: sourceEndpoint,
            destinationEndpoint: destinationEndpoint,
            hostName: value.field("host")?.nonEmptyString,
            userName: users.first,
            observables: observables.drafts,
            raw: record,
            parserVersion: version
        )
    }

    /// Suricata priority 1–3 (and ET `signature_severity`) to severity; see the type's documentation.
    func severity(_ alert: JSONValue) -> Severity {
        var severity: Severity
        switch alert.field("severity")?.integerValue {
        case 1: severity = .high
        case 2: severity = .medium
        case 3: severity = .low
        case let priority? where priority >= 4: severity = .informational
        default: severity = .unknown
        }
        let metadata = alert.field("metadata")?.field("signature_severity")
        let etSeverity = (metadata?.arrayValue?.first ?? metadata)?.stringValue?.lowercased()
        switch etSeverity {
        case "critical": severity = .critical
        case "major": severity = max(severity, .high)
        default: break
        }
        return severity
    }

    /// True when the record's source address is the server side of the flow.
    func isServerSource(_ value: JSONValue, sourceIP: ParsedIP?) -> Bool {
        if let flowDestination = value.field("flow")?.field("dest_ip")?.stringValue {
            if flowDestination == value.field("src_ip")?.stringValue { return true }
            if flowDestination == value.field("dest_ip")?.stringValue { return false }
            if let address = IPAddress(flowDestination) { return address == sourceIP?.address }
        }
        return value.field("direction")?.stringValue == "to_client"
    }

    func sourceRef(_ value: JSONValue, record: [UInt8], generatorID: Int, signatureID: Int) -> String {
        guard let flowID = value.field("flow_id")?.scalarText else { return "sha256:" + sha256Hex(record) }
        let transaction = value.field("tx_id")?.scalarText ?? "-1"
        let timestamp = value.field("timestamp")?.stringValue ?? ""
        return "\(flowID):\(transaction):\(generatorID):\(signatureID):\(timestamp)"
    }

    func dnsNames(_ dns: JSONValue?) -> [String] {
        guard let dns else { return [] }
        var names: [String] = []
        if let name = dns.field("rrname")?.nonEmptyString { names.append(name) }
        for key in ["query", "queries"] {
            for entry in dns.field(key)?.arrayValue ?? [] {
                if let name = entry.field("rrname")?.nonEmptyString { names.append(name) }
            }
        }
        return names
    }

    /// `http://host[:port]/path` as an observable; nil without a hostname or path, or when invalid.
    func url(http: JSONValue, tls: Bool) -> ObservableDraft? {
        guard let path = http.field("url")?.nonEmptyString else { return nil }
        let prefix = path.utf8.prefix(8).map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
        if prefix.starts(with: "http://".utf8) || prefix.starts(with: "https://".utf8) { return ObservableDraft(.url, path) }
        guard let host = http.field("hostname")?.nonEmptyString else { return nil }
        let scheme = tls ? "https" : "http"
        var port = http.field("http_port")?.integerValue
        if let value = port, value <= 0 || value == (tls ? 443 : 80) { port = nil }
        if let text = CanonicalText.url(scheme: scheme, host: host, port: port, path: path) {
            return ObservableDraft(type: .url, normalizedValue: text)
        }
        var authority = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        if let port { authority += ":\(port)" }
        return ObservableDraft(.url, "\(scheme)://\(authority)\(path.hasPrefix("/") ? "" : "/")\(path)")
    }

    func emailAddresses(smtp: JSONValue?, email: JSONValue?) -> [String] {
        var addresses: [String] = []
        func collect(_ value: JSONValue?) {
            guard let value else { return }
            if let text = value.nonEmptyString {
                addresses.append(address(in: text))
            } else {
                for element in value.arrayValue ?? [] {
                    if let text = element.nonEmptyString { addresses.append(address(in: text)) }
                }
            }
        }
        collect(smtp?.field("mail_from"))
        collect(smtp?.field("rcpt_to"))
        collect(email?.field("from"))
        collect(email?.field("to"))
        collect(email?.field("cc"))
        return addresses
    }

    /// The address in `"Name" <a@b.example>` or `<a@b.example>`, else the text.
    func address(in text: String) -> String {
        guard let open = text.lastIndex(of: "<"), let close = text[open...].firstIndex(of: ">") else { return text }
        return String(text[text.index(after: open)..<close])
    }

    func fileHashes(_ value: JSONValue) -> [(ObservableType, String)] {
        var files: [JSONValue] = []
        if let fileinfo = value.field("fileinfo") { files.append(fileinfo) }
        files += value.field("files")?.arrayValue ?? []
        var hashes: [(ObservableType, String)] = []
        for file in files {
            for (key, type) in [("md5", ObservableType.md5), ("sha1", .sha1), ("sha256", .sha256)] {
                if let hash = file.field(key)?.nonEmptyString { hashes.append((type, hash)) }
            }
        }
        return hashes
    }

    func userNames(_ value: JSONValue) -> [String] {
        var users: [String] = []
        if let ntlm = value.field("smb")?.field("ntlmssp"), let user = ntlm.field("user")?.nonEmptyString {
            if let domain = ntlm.field("domain")?.nonEmptyString {
                users.append("\(domain)\\\(user)")
            } else {
                users.append(user)
            }
        }
        if let principal = value.field("krb5")?.field("cname")?.nonEmptyString, principal != "<empty>" { users.append(principal) }
        if let ftp = value.field("ftp"), ftp.field("command")?.stringValue?.uppercased() == "USER",
            let user = ftp.field("command_data")?.nonEmptyString
        {
            users.append(user)
        }
        return users
    }
}
