// Mapping helpers the CEF and LEEF parsers share: the 0–10 severity scale, ports, IPs, URLs and hashes from text.
import RiposteCore

/// A value the mapping rejects, and which field it came from (an index into the event's fields, or nil for a
/// header field), so the caller can name the column.
struct FieldError: Error {
    var reason: String
    var fieldIndex: Int?
}

enum LineMapping {
    /// CEF and LEEF 0–10 severities: 0–3 low, 4–6 medium, 7–8 high, 9–10 critical (CEF's "Very-High").
    static func severity(tenPoint value: Int) -> Severity? {
        switch value {
        case 0...3: .low
        case 4...6: .medium
        case 7...8: .high
        case 9...10: .critical
        default: nil
        }
    }

    /// An IP address field, canonical; throws naming the field when it is not an address.
    static func ipAddress(_ text: String?, key: String, index: Int?) throws(FieldError) -> ParsedIP? {
        guard let text, !text.isEmpty else { return nil }
        guard let address = IPAddress(text) else {
            throw FieldError(reason: "\(key) '\(text.prefix(64))' is not an IP address", fieldIndex: index)
        }
        if case .v4 = address { return ParsedIP(address: address, text: text) }
        return ParsedIP(address: address, text: address.description)
    }

    /// A port field (0–65535); throws naming the field otherwise.
    static func port(_ text: String?, key: String, index: Int?) throws(FieldError) -> Int? {
        guard let text, !text.isEmpty else { return nil }
        guard text.utf8.count <= 5, let port = Int(text), (0...65_535).contains(port) else {
            throw FieldError(reason: "\(key) '\(text.prefix(64))' is not a port number (0-65535)", fieldIndex: index)
        }
        return port
    }

    /// A time field in any form ``TextTime/parseAny(_:_:year:)`` reads; nil without a year to complete it.
    static func time(_ text: String, key: String, index: Int, year: Int?) throws(FieldError) -> TimeParse {
        var text = text
        let result = text.withUTF8 { TextTime.parseAny($0, 0..<$0.count, year: year) }
        guard result != .invalid else { throw timeError(text, key: key, index: index) }
        return result
    }

    /// ``time(_:key:index:year:)`` for the field's bytes in the line, without making a string of them.
    static func time(
        _ line: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, key: String, index: Int, year: Int?
    ) throws(FieldError) -> TimeParse {
        let result = TextTime.parseAny(line, range, year: year)
        guard result != .invalid else { throw timeError(Bytes.string(line, range), key: key, index: index) }
        return result
    }

    private static func timeError(_ text: String, key: String, index: Int) -> FieldError {
        FieldError(
            reason: "\(key) '\(text.prefix(64))' is not a time (Unix seconds or milliseconds, RFC 3339, "
                + "or 'MMM dd yyyy HH:mm:ss[.SSS] [zone]')", fieldIndex: index)
    }

    /// A hash observable by length: 32 hex digits MD5, 40 SHA-1, 64 SHA-256.
    static func hash(_ text: String) -> ObservableDraft? {
        switch text.utf8.count {
        case 32: ObservableDraft(.md5, text)
        case 40: ObservableDraft(.sha1, text)
        case 64: ObservableDraft(.sha256, text)
        default: nil
        }
    }

    /// A URL observable: an absolute `http(s)://` URL as is, or a path joined to `host` (and a non-default port).
    static func url(_ text: String, host: String?, port: Int?, secure: Bool) -> ObservableDraft? {
        let prefix = text.utf8.prefix(8).map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
        if prefix.starts(with: "http://".utf8) || prefix.starts(with: "https://".utf8) { return ObservableDraft(.url, text) }
        guard text.utf8.first == UInt8(ascii: "/"), let host, !host.isEmpty else { return nil }
        let scheme = secure ? "https" : "http"
        let shownPort = port == (secure ? 443 : 80) || port == 0 ? nil : port
        if let canonical = CanonicalText.url(scheme: scheme, host: host, port: shownPort, path: text) {
            return ObservableDraft(type: .url, normalizedValue: canonical)
        }
        var authority = host.contains(":") ? "[\(host)]" : host
        if let shownPort { authority += ":\(shownPort)" }
        return ObservableDraft(.url, "\(scheme)://\(authority)\(text)")
    }

    /// Observables from a custom field by what its label says it holds (`HostName_Ext`, `Requested URL`, …).
    static func addLabelled(_ value: String, label: String, to observables: inout ObservableCollector) {
        guard !value.isEmpty else { return }
        var label = label
        label.withUTF8 { text in
            // Lowercased on the stack and compared as bytes: `String.contains`, or an array per label, cost more
            // than parsing the whole line.
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: text.count) { lower in
                for index in text.indices { lower[index] = text[index] &- 0x41 < 26 ? text[index] | 0x20 : text[index] }
                func mentions(_ word: StaticString) -> Bool {
                    let pattern = UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
                    guard lower.count >= pattern.count else { return false }
                    for start in 0...(lower.count - pattern.count)
                    where lower[start] == pattern[0] && pattern.indices.allSatisfy({ lower[start + $0] == pattern[$0] }) {
                        return true
                    }
                    return false
                }
                if mentions("url") || mentions("uri") {
                    observables.add(url(value, host: nil, port: nil, secure: false))
                } else if mentions("hash") || mentions("md5") || mentions("sha") {
                    observables.add(hash(value))
                } else if mentions("mail") {
                    observables.add(.email, value)
                } else if mentions("host") || mentions("domain") {
                    observables.addHost(value)
                } else if mentions("user") || mentions("account") {
                    observables.add(.username, value)
                } else if mentions("ip") || mentions("addr") {
                    observables.add(IPAddress(value).map { ParsedIP(address: $0, text: $0.description) })
                }
            }
        }
    }
}
