// Maps IBM QRadar LEEF lines (`?source=leef`) to alert drafts.
import FoundationEssentials
package import RiposteCore

/// Parses a body of LEEF 1.0/2.0 lines, one event per line (LF or CRLF; blank lines skipped), each optionally
/// after a syslog header.
///
/// Mapping (LEEF's predefined attributes):
/// - **title**: `Vendor Product: EventID`; **rule uid**: EventID; **rule category**: `cat`.
/// - **severity**: `sev` 0–3 low, 4–6 medium, 7–8 high, 9–10 critical; absent → unknown; else `.invalid`.
/// - **time**: `devTime` read with `devTimeFormat` (a Java `SimpleDateFormat` pattern, see ``JavaDateFormat``),
///   or without one as Unix milliseconds, RFC 3339 or `MMM dd yyyy HH:mm:ss[.SSS] [zone]`; else the syslog
///   header's timestamp. A time without a year takes ``year``, or is left unset. Unreadable is `.invalid`.
/// - **endpoints**: `src`/`srcPort` and `dst`/`dstPort` (a bad IP or port is `.invalid`).
/// - **host name**: `dvchost`, else the syslog header's hostname, else `dvc`. **user**: `usrName`, else
///   `accountName`, else `suser`.
/// - **observables**: `src`, `dst`, `identSrc` (IPs), `identHostName` (host), the user names, `url`.
/// - **source ref**: `sha256:` of the line's bytes (LEEF has no event id).
package struct LEEFParser: AlertParser {
    package var source: String { "leef" }
    package var version: Int { 1 }
    /// The year for timestamps that carry none; nil leaves them unset.
    package var year: Int?

    package init(year: Int? = nil) { self.year = year }

    package func parse(body: [UInt8], limits: IngestLimits) throws -> [AlertDraft] {
        var drafts: [AlertDraft] = []
        try body.withUnsafeBufferPointer { buffer in
            try LineRecords.forEach(in: buffer, limits: limits) { record, line in
                let parsed: LEEFRecord
                do throws(LineSyntaxError) {
                    parsed = try LEEFReader.read(line, year: year)
                } catch {
                    throw record.error(error)
                }
                do throws(FieldError) {
                    drafts.append(try draft(parsed, raw: Array(line)))
                } catch {
                    let column = error.fieldIndex.map { parsed.valueColumns[$0] } ?? 0
                    throw record.error(LineSyntaxError(error.reason, at: column))
                }
            }
        }
        return drafts
    }

    private enum Role: CaseIterable {
        case src, dst, srcPort, dstPort, sev, devTime, devTimeFormat, cat, identSrc, identHostName, url
        case dvchost, dvc, usrName, accountName, suser
    }

    private static let roles: [String: Role] = Dictionary(
        uniqueKeysWithValues: Role.allCases.map { ("\($0)", $0) })

    /// Maps one decoded line. - Throws: ``FieldError`` naming the attribute whose value is invalid.
    func draft(_ record: LEEFRecord, raw: [UInt8]) throws(FieldError) -> AlertDraft {
        let event = record.event
        var values: [Role: (value: String, index: Int)] = [:]
        for (index, field) in event.attributes.enumerated() {
            if let role = Self.roles[field.key], values[role] == nil, !field.value.isEmpty { values[role] = (field.value, index) }
        }
        func text(_ role: Role) -> String? { values[role]?.value }

        let sourceIP = try LineMapping.ipAddress(text(.src), key: "src", index: values[.src]?.index)
        let destinationIP = try LineMapping.ipAddress(text(.dst), key: "dst", index: values[.dst]?.index)
        let sourcePort = try LineMapping.port(text(.srcPort), key: "srcPort", index: values[.srcPort]?.index)
        let destinationPort = try LineMapping.port(text(.dstPort), key: "dstPort", index: values[.dstPort]?.index)

        var severity = Severity.unknown
        if let (value, index) = values[.sev] {
            guard let number = Int(value), let mapped = LineMapping.severity(tenPoint: number) else {
                throw FieldError(reason: "sev '\(value.prefix(32))' is not a number 0-10", fieldIndex: index)
            }
            severity = mapped
        }

        var time = record.syslogHeader?.timestamp
        if let (value, index) = values[.devTime] {
            time = try devTime(value, index: index, format: values[.devTimeFormat])
        }

        let user = text(.usrName) ?? text(.accountName) ?? text(.suser)
        var observables = ObservableCollector()
        observables.add(sourceIP)
        observables.add(destinationIP)
        observables.add(text(.identSrc).flatMap { IPAddress($0) }.map { ParsedIP(address: $0, text: $0.description) })
        observables.addHost(text(.identHostName))
        observables.add(.username, user)
        if let url = text(.url) { observables.add(LineMapping.url(url, host: nil, port: nil, secure: false)) }

        return AlertDraft(
            source: source,
            sourceRef: "sha256:" + sha256Hex(raw),
            title: "\(event.vendor) \(event.product): \(event.eventID)",
            severity: severity,
            time: time,
            rule: DetectionRule(uid: event.eventID.isEmpty ? nil : event.eventID, category: text(.cat)),
            sourceEndpoint: Endpoint(ip: sourceIP?.text, port: sourcePort),
            destinationEndpoint: Endpoint(ip: destinationIP?.text, port: destinationPort),
            hostName: text(.dvchost) ?? record.syslogHeader?.hostname ?? text(.dvc),
            userName: user,
            observables: observables.drafts,
            raw: raw,
            parserVersion: version
        )
    }

    /// `devTime` with its `devTimeFormat`, or in the default forms; nil when it has no year and none is configured.
    func devTime(_ value: String, index: Int, format: (value: String, index: Int)?) throws(FieldError) -> Date? {
        guard let format else {
            if case .time(let date) = try LineMapping.time(value, key: "devTime", index: index, year: year) { return date }
            return nil
        }
        guard let pattern = JavaDateFormat(format.value) else {
            throw FieldError(
                reason: "devTimeFormat '\(format.value.prefix(64))' is not a supported SimpleDateFormat pattern",
                fieldIndex: format.index)
        }
        var text = value
        switch text.withUTF8({ pattern.parse($0, 0..<$0.count, year: year) }) {
        case .time(let date): return date
        case .needsYear: return nil
        case .invalid:
            throw FieldError(
                reason: "devTime '\(value.prefix(64))' does not match devTimeFormat '\(format.value.prefix(64))'",
                fieldIndex: index)
        }
    }
}
