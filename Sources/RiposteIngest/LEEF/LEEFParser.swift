// Maps IBM QRadar LEEF lines (`?source=leef`) to alert drafts.
import FoundationEssentials
package import RiposteCore
import RiposteRuntime

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
        var layout = LEEFLayout()
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
                    let column = error.fieldIndex.map { layout.fields[$0].value.lowerBound } ?? 0
                    throw record.error(LineSyntaxError(error.reason, at: column))
                }
            }
        }
        return drafts
    }

    private enum Role: Int, CaseIterable {
        case src, dst, srcPort, dstPort, sev, devTime, devTimeFormat, cat, identSrc, identHostName, url
        case dvchost, dvc, usrName, accountName, suser
    }

    private static let roles = FieldNameMap(Dictionary(uniqueKeysWithValues: Role.allCases.map { ("\($0)", $0) }))

    /// Per-line working storage, reused across the lines of a body.
    struct Scratch {
        /// The first attribute with a non-empty value for each role (by raw value), or -1.
        fileprivate var first = [Int](repeating: -1, count: Role.allCases.count)
        /// The `devTimeFormat` patterns compiled so far.
        var formats = JavaDateFormatCache()
        var observables = ObservableCollector()
        let hasher = Crypto.SHA256Hasher()
    }

    /// Maps one scanned line. - Throws: ``FieldError`` naming the attribute whose value is invalid.
    func draft(_ layout: LEEFLayout, _ line: UnsafeBufferPointer<UInt8>, scratch: inout Scratch) throws(FieldError)
        -> AlertDraft
    {
        for role in scratch.first.indices { scratch.first[role] = -1 }
        for (index, field) in layout.fields.enumerated() where !field.value.isEmpty {
            if let role = Self.roles.value(line, field.key), scratch.first[role.rawValue] < 0 {
                scratch.first[role.rawValue] = index
            }
        }
        let first = scratch.first
        func index(_ role: Role) -> Int? { first[role.rawValue] < 0 ? nil : first[role.rawValue] }
        func text(_ role: Role) -> String? { index(role).map { layout.value($0, line) } }

        let sourceIP = try LineMapping.ipAddress(text(.src), key: "src", index: index(.src))
        let destinationIP = try LineMapping.ipAddress(text(.dst), key: "dst", index: index(.dst))
        let sourcePort = try LineMapping.port(text(.srcPort), key: "srcPort", index: index(.srcPort))
        let destinationPort = try LineMapping.port(text(.dstPort), key: "dstPort", index: index(.dstPort))

        var severity = Severity.unknown
        if let index = index(.sev) {
            let value = layout.value(index, line)
            guard let number = Int(value), let mapped = LineMapping.severity(tenPoint: number) else {
                throw FieldError(reason: "sev '\(value.prefix(32))' is not a number 0-10", fieldIndex: index)
            }
            severity = mapped
        }

        // The syslog header is read only when the attributes leave its time or host name to it.
        let hostAttribute = text(.dvchost)
        var syslogHeader: SyslogMessage??
        func header() -> SyslogMessage? {
            if let syslogHeader { return syslogHeader }
            let parsed = LEEFReader.syslogHeader(layout, line, year: year)
            syslogHeader = .some(parsed)
            return parsed
        }
        let time: Date?
        if let timeIndex = index(.devTime) {
            time = try devTime(layout, line, index: timeIndex, formatIndex: index(.devTimeFormat), formats: &scratch.formats)
        } else {
            time = header()?.timestamp
        }

        let user = text(.usrName) ?? text(.accountName) ?? text(.suser)
        scratch.observables.add(sourceIP)
        scratch.observables.add(destinationIP)
        scratch.observables.add(
            text(.identSrc).flatMap { IPAddress($0) }.map { ParsedIP(address: $0, text: $0.description) })
        scratch.observables.addHost(text(.identHostName))
        scratch.observables.add(.username, user)
        if let url = text(.url) { scratch.observables.add(LineMapping.url(url, host: nil, port: nil, secure: false)) }

        let eventID = layout.headerText(4, line)
        let raw = Array(line)
        return AlertDraft(
            source: source,
            sourceRef: sha256SourceRef(line, hasher: scratch.hasher),
            title: Bytes.string(line, layout.header[1], " ", layout.header[2], ": ", layout.header[4]),
            severity: severity,
            time: time,
            rule: DetectionRule(uid: eventID.isEmpty ? nil : eventID, category: text(.cat)),
            sourceEndpoint: Endpoint(ip: sourceIP?.text, port: sourcePort),
            destinationEndpoint: Endpoint(ip: destinationIP?.text, port: destinationPort),
            hostName: hostAttribute ?? header()?.hostname ?? text(.dvc),
            userName: user,
            observables: scratch.observables.takeDrafts(),
            raw: raw,
            parserVersion: version
        )
    }

    /// Attribute `index` (`devTime`) read with the `devTimeFormat` at `formatIndex`, or in the default forms without
    /// one; nil when it has no year and none is configured.
    func devTime(
        _ layout: LEEFLayout, _ line: UnsafeBufferPointer<UInt8>, index: Int, formatIndex: Int?,
        formats: inout JavaDateFormatCache
    ) throws(FieldError) -> Date? {
        let value = layout.fields[index].value
        guard let formatIndex else {
            if case .time(let date) = try LineMapping.time(line, value, key: "devTime", index: index, year: year) {
                return date
            }
            return nil
        }
        guard let pattern = formats.format(line, layout.fields[formatIndex].value) else {
            throw FieldError(
                reason: "devTimeFormat '\(layout.value(formatIndex, line).prefix(64))' is not a supported SimpleDateFormat "
                    + "pattern", fieldIndex: formatIndex)
        }
        switch pattern.parse(line, value, year: year) {
        case .time(let date): return date
        case .needsYear: return nil
        case .invalid:
            throw FieldError(
                reason: "devTime '\(layout.value(index, line).prefix(64))' does not match devTimeFormat "
                    + "'\(layout.value(formatIndex, line).prefix(64))'", fieldIndex: index)
        }
    }
}
