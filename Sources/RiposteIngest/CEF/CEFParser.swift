// Maps ArcSight CEF lines (`?source=cef`) to alert drafts.
import FoundationEssentials
package import RiposteCore

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
        try body.withUnsafeBufferPointer { buffer in
            try LineRecords.forEach(in: buffer, limits: limits) { record, line in
                let parsed: CEFRecord
                do throws(LineSyntaxError) {
                    parsed = try CEFReader.read(line, year: year)
                } catch {
                    throw record.error(error)
                }
                let raw = Array(line)
                do throws(FieldError) {
                    drafts.append(try draft(parsed, raw: raw))
                } catch {
                    let column =
                        error.fieldIndex.map { CEFReader.valueColumn(line, record: parsed, fieldIndex: $0) }
                        ?? parsed.severityColumn
                    throw record.error(LineSyntaxError(error.reason, at: column))
                }
            }
        }
        return drafts
    }

    /// The fields the mapping reads, by short and full name.
    private enum Role {
        case src, dst, spt, dpt, shost, dhost, suser, duser, request, app, fileHash, cat, rt, end, start
        case dvchost, dvc, externalId, c6a, custom
    }

    private static let roles: [String: Role] = {
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
        return roles
    }()

    /// Maps one decoded line. - Throws: ``FieldError`` naming the field whose value is invalid.
    func draft(_ record: CEFRecord, raw: [UInt8]) throws(FieldError) -> AlertDraft {
        let event = record.event
        var values: [Role: (value: String, index: Int)] = [:]
        var customs: [(key: String, value: String)] = []
        for (index, field) in event.extensions.enumerated() {
            guard let role = Self.roles[field.key] else { continue }
            switch role {
            case .custom: customs.append((field.key, field.value))
            case .c6a: customs.append(("", field.value))
            default: if values[role] == nil, !field.value.isEmpty { values[role] = (field.value, index) }
            }
        }
        func text(_ role: Role) -> String? { values[role]?.value }

        let sourceIP = try LineMapping.ipAddress(text(.src), key: "src", index: values[.src]?.index)
        let destinationIP = try LineMapping.ipAddress(text(.dst), key: "dst", index: values[.dst]?.index)
        let sourcePort = try LineMapping.port(text(.spt), key: "spt", index: values[.spt]?.index)
        let destinationPort = try LineMapping.port(text(.dpt), key: "dpt", index: values[.dpt]?.index)

        var time: Date?
        if let (value, index) = values[.rt] ?? values[.end] ?? values[.start] {
            let key = event.extensions[index].key
            if case .time(let date) = try LineMapping.time(value, key: key, index: index, year: year) { time = date }
        } else {
            time = record.syslogHeader?.timestamp
        }

        var observables = ObservableCollector()
        observables.add(sourceIP)
        observables.add(destinationIP)
        observables.addHost(text(.shost))
        observables.addHost(text(.dhost))
        observables.add(.username, text(.suser))
        observables.add(.username, text(.duser))
        if let request = text(.request) {
            let secure = text(.app)?.uppercased() == "HTTPS" || destinationPort == 443
            observables.add(
                LineMapping.url(request, host: text(.dhost) ?? destinationIP?.text, port: destinationPort, secure: secure))
        }
        if let hash = text(.fileHash) { observables.add(LineMapping.hash(hash)) }
        for (key, value) in customs where !value.isEmpty {
            if key.isEmpty {
                observables.add(IPAddress(value).map { ParsedIP(address: $0, text: $0.description) })
            } else if let label = event[key + "Label"] ?? CEFKeys.alias(of: key).flatMap({ event[$0 + "Label"] }) {
                LineMapping.addLabelled(value, label: label, to: &observables)
            }
        }

        let sourceRef: String
        if let externalID = text(.externalId) {
            sourceRef = "\(event.deviceVendor)|\(event.deviceProduct)|\(externalID)"
        } else {
            sourceRef = "sha256:" + sha256Hex(raw)
        }
        let title =
            event.name.isEmpty ? "\(event.deviceVendor) \(event.deviceProduct) \(event.signatureID)" : event.name
        return AlertDraft(
            source: source,
            sourceRef: sourceRef,
            title: title,
            severity: try severity(event.severity),
            time: time,
            rule: DetectionRule(
                uid: event.signatureID.isEmpty ? nil : event.signatureID, name: event.name.isEmpty ? nil : event.name,
                category: text(.cat)),
            sourceEndpoint: Endpoint(ip: sourceIP?.text, port: sourcePort, hostname: text(.shost)),
            destinationEndpoint: Endpoint(ip: destinationIP?.text, port: destinationPort, hostname: text(.dhost)),
            hostName: text(.dvchost) ?? record.syslogHeader?.hostname ?? text(.dvc),
            userName: text(.suser) ?? text(.duser),
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
