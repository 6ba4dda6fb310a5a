// Maps ArcSight CEF lines (`?source=cef`) to alert drafts.
import FoundationEssentials
package import RiposteCore
import RiposteRuntime

/// Parses a body of CEF lines, one event per line (LF or CRLF; blank lines skipped), each optionally after a
/// syslog header (`<13>Jan 18 11:07:53 host CEF:0|…`, `Sep 10 23:54:51 172.30.0.20 ASM:CEF:0|…`).
///
/// Mapping (short or full CEF key names, `src` or `sourceAddress`):
/// - **title** and **rule name**: Name (`Vendor Product SignatureID` when empty); **rule uid**: Signature ID;
///   **rule category**: `cat`.
/// - **severity**: 0–3 low, 4–6 medium, 7–8 high, 9–10 critical; `Unknown`, `Low`, `Medium`, `High`,
///   `Very-High` (any case). Anything else is `.invalid`.
/// - **time**: `rt`, else `end`, else `start`, else the syslog header's timestamp: Unix milliseconds (or
///   seconds), RFC 3339, or `MMM dd [yyyy] HH:mm:ss[.SSS] [zone]`. A time without a year takes ``year``; with
///   none configured the draft has no time. An unreadable time is `.invalid`.
/// - **endpoints**: `src`/`spt`/`shost` and `dst`/`dpt`/`dhost` (IPs canonical; a bad IP or port is `.invalid`).
/// - **host name**: `dvchost`, else the syslog header's hostname, else `dvc`. **user**: `suser`, else `duser`.
/// - **observables**, in order: `src`, `dst`, `shost`, `dhost`, `suser`, `duser` (user names), `request` (an absolute
///   URL, or a path joined to `dhost`/`dst`), `fileHash`/`oldFileHash` (by length), `c6a1`–`c6a4`, and custom
///   strings `cs1`–`cs6` by what their label names (URL, hash, mail, host/domain, user/account, IP).
/// - **source ref**: `Vendor|Product|externalId` (an id is only unique per device product, and `cef` mixes
///   every product), else `sha256:` of the line's bytes.
package struct CEFParser: AlertParser {
    package var source: String { "cef" }
    package var version: Int { 1 }
    /// The year for timestamps that carry none (`rt=Sep 10 23:54:51`, RFC 3164 headers); nil leaves them unset.
    package var year: Int?

    package init(year: Int? = nil) { self.year = year }

    package func parse(body: [UInt8], limits: IngestLimits) throws -> [AlertDraft] {
        var drafts: [AlertDraft] = []
        var layout = CEFLayout()
        var scratch = Scratch()
        try body.withUnsafeBufferPointer { buffer in
            drafts.reserveCapacity(LineRecords.capacity(for: buffer, limits: limits))
            try LineRecords.forEach(in: buffer, limits: limits) { record, line in
                do throws(LineSyntaxError) {
                    try layout.scan(line)
                } catch {
                    throw record.error(error)
                }
                do throws(FieldError) {
                    drafts.append(try draft(layout, line, scratch: &scratch))
                } catch {
                    let column = error.fieldIndex.map { layout.fields[$0].value.lowerBound } ?? layout.severityColumn
                    throw record.error(LineSyntaxError(error.reason, at: column))
                }
            }
        }
        return drafts
    }

    /// The fields the mapping reads, by short and full name.
    private enum Role: Int, CaseIterable {
        case src, dst, spt, dpt, shost, dhost, suser, duser, request, app, fileHash, cat, rt, end, start
        case dvchost, dvc, externalId, c6a, custom
    }

    private static let roles: FieldNameMap<Role> = {
        var roles: [String: Role] = [
            "src": .src, "dst": .dst, "spt": .spt, "dpt": .dpt, "shost": .shost, "dhost": .dhost, "suser": .suser,
            "duser": .duser, "request": .request, "app": .app, "fileHash": .fileHash, "oldFileHash": .fileHash,
            "cat": .cat, "rt": .rt, "end": .end, "start": .start, "dvchost": .dvchost, "dvc": .dvc,
            "externalId": .externalId,
        ]
        for (short, role) in roles {
            if let full = CEFKeys.fullNames[short] { roles[full] = role }
        }
        for index in 1...4 {
            roles["c6a\(index)"] = .c6a
            roles["deviceCustomIPv6Address\(index)"] = .c6a
        }
        for index in 1...6 {
            roles["cs\(index)"] = .custom
            roles["deviceCustomString\(index)"] = .custom
        }
        return FieldNameMap(roles)
    }()

    /// Per-line working storage, reused across the lines of a body.
    struct Scratch {
        /// The first field with a non-empty value for each role (by raw value), or -1.
        fileprivate var first = [Int](repeating: -1, count: Role.allCases.count)
        /// The custom-string and IPv6 custom fields, in order.
        fileprivate var customs: [Int] = []
        let hasher = Crypto.SHA256Hasher()
    }

    /// Maps one scanned line. - Throws: ``FieldError`` naming the field whose value is invalid.
    func draft(_ layout: CEFLayout, _ line: UnsafeBufferPointer<UInt8>, scratch: inout Scratch) throws(FieldError)
        -> AlertDraft
    {
        for role in scratch.first.indices { scratch.first[role] = -1 }
        scratch.customs.removeAll(keepingCapacity: true)
        for (index, field) in layout.fields.enumerated() {
            guard let role = Self.roles.value(line, field.key) else { continue }
            switch role {
            case .custom, .c6a: scratch.customs.append(index)
            default: if scratch.first[role.rawValue] < 0, !field.value.isEmpty { scratch.first[role.rawValue] = index }
            }
        }
        let first = scratch.first
        func index(_ role: Role) -> Int? { first[role.rawValue] < 0 ? nil : first[role.rawValue] }
        func text(_ role: Role) -> String? { index(role).map { layout.value($0, line) } }

        let sourceIP = try LineMapping.ipAddress(text(.src), key: "src", index: index(.src))
        let destinationIP = try LineMapping.ipAddress(text(.dst), key: "dst", index: index(.dst))
        let sourcePort = try LineMapping.port(text(.spt), key: "spt", index: index(.spt))
        let destinationPort = try LineMapping.port(text(.dpt), key: "dpt", index: index(.dpt))

        let syslogHeader = CEFReader.syslogHeader(layout, line, year: year)
        var time: Date?
        if let index = index(.rt) ?? index(.end) ?? index(.start) {
            let key = layout.key(index, line)
            let result = try LineMapping.time(layout.value(index, line), key: key, index: index, year: year)
            if case .time(let date) = result { time = date }
        } else {
            time = syslogHeader?.timestamp
        }

        let sourceHost = text(.shost)
        let destinationHost = text(.dhost)
        let sourceUser = text(.suser)
        let destinationUser = text(.duser)
        var observables = ObservableCollector()
        observables.add(sourceIP)
        observables.add(destinationIP)
        observables.addHost(sourceHost)
        observables.addHost(destinationHost)
        observables.add(.username, sourceUser)
        observables.add(.username, destinationUser)
        if let request = text(.request) {
            let secure = text(.app)?.uppercased() == "HTTPS" || destinationPort == 443
            observables.add(
                LineMapping.url(request, host: destinationHost ?? destinationIP?.text, port: destinationPort, secure: secure))
        }
        if let hash = text(.fileHash) { observables.add(LineMapping.hash(hash)) }
        for index in scratch.customs where !layout.fields[index].value.isEmpty {
            let value = layout.value(index, line)
            let key = layout.key(index, line)
            if Self.roles.value(line, layout.fields[index].key) == .c6a {
                observables.add(IPAddress(value).map { ParsedIP(address: $0, text: $0.description) })
            } else if let label = layout.value(named: key + "Label", line)
                ?? CEFKeys.alias(of: key).flatMap({ layout.value(named: $0 + "Label", line) })
            {
                LineMapping.addLabelled(value, label: label, to: &observables)
            }
        }

        let vendor = layout.headerText(1, line)
        let product = layout.headerText(2, line)
        let signatureID = layout.headerText(4, line)
        let name = layout.headerText(5, line)
        let raw = Array(line)
        let sourceRef: String
        if let externalID = text(.externalId) {
            sourceRef = "\(vendor)|\(product)|\(externalID)"
        } else {
            sourceRef = sha256SourceRef(line, hasher: scratch.hasher)
        }
        let title = name.isEmpty ? "\(vendor) \(product) \(signatureID)" : name
        return AlertDraft(
            source: source,
            sourceRef: sourceRef,
            title: title,
            severity: try severity(layout.severityText(line)),
            time: time,
            rule: DetectionRule(
                uid: signatureID.isEmpty ? nil : signatureID, name: name.isEmpty ? nil : name, category: text(.cat)),
            sourceEndpoint: Endpoint(ip: sourceIP?.text, port: sourcePort, hostname: sourceHost),
            destinationEndpoint: Endpoint(ip: destinationIP?.text, port: destinationPort, hostname: destinationHost),
            hostName: text(.dvchost) ?? syslogHeader?.hostname ?? text(.dvc),
            userName: sourceUser ?? destinationUser,
            observables: observables.drafts,
            raw: raw,
            parserVersion: version
        )
    }

    /// The CEF severity as OCSF severity; see the type's documentation.
    func severity(_ text: String) throws(FieldError) -> Severity {
        if let number = Int(text), let severity = LineMapping.severity(tenPoint: number) { return severity }
        switch text.lowercased() {
        case "unknown": return .unknown
        case "low": return .low
        case "medium": return .medium
        case "high": return .high
        case "very-high", "very high", "veryhigh": return .critical
        default:
            throw FieldError(
                reason: "CEF severity '\(text.prefix(32))' is not 0-10 or Unknown, Low, Medium, High, Very-High",
                fieldIndex: nil)
        }
    }
}
