// Validation and canonical form of observable values, so the same thing always compares equal.

/// Turns raw text into the canonical value of an observable type, or rejects it.
public enum ObservableNormalizer {
    /// The canonical value of `raw` as `type`, or nil when it is not a valid value of that type.
    ///
    /// IPs get their canonical text; domains, host names, emails and hashes are lowercased; a
    /// domain loses a trailing dot; URLs get a lowercase scheme and host.
    public static func normalize(_ raw: some StringProtocol, as type: ObservableType) -> String? {
        // On a Substring: other modules cannot specialise this generic function, and its body ran several times
        // slower as unspecialised code.
        normalize(text: Substring(raw), as: type)
    }

    static func normalize(text raw: Substring, as type: ObservableType) -> String? {
        let text = raw.trimmingWhitespace()
        guard !text.isEmpty, text.utf8.count <= 2048 else { return nil }
        switch type {
        case .ipv4:
            guard let address = IPAddress(text), case .v4 = address else { return nil }
            return address.description
        case .ipv6:
            guard let address = IPAddress(text), case .v6 = address else { return nil }
            return address.description
        case .domain:
            return normalizeDomain(text)
        case .hostname:
            let lower = text.lowercased()
            let host = lower.hasSuffix(".") ? String(lower.dropLast()) : lower
            guard host.utf8.count <= 253, !host.isEmpty,
                host.split(separator: ".", omittingEmptySubsequences: false).allSatisfy(isHostLabel)
            else { return nil }
            return host
        case .email:
            guard let at = text.lastIndex(of: "@") else { return nil }
            let local = text[..<at]
            guard !local.isEmpty, local.utf8.count <= maximumLocalPartBytes,
                local.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "@") }),
                let domain = normalizeDomain(text[text.index(after: at)...])
            else { return nil }
            return local.lowercased() + "@" + domain
        case .url:
            return normalizeURL(text)
        case .md5: return normalizeHex(text, length: 32)
        case .sha1: return normalizeHex(text, length: 40)
        case .sha256: return normalizeHex(text, length: 64)
        case .username:
            // Control characters are single bytes in UTF-8, and no byte of a longer sequence is below 0x80.
            guard text.utf8.count <= 256, !text.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F })
            else { return nil }
            return String(text)
        }
    }

    /// A registrable-looking domain: at least two labels, letters/digits/hyphens, an alphabetic TLD.
    public static func normalizeDomain(_ raw: some StringProtocol) -> String? {
        // Unicode lowercasing can turn non-ASCII text into ASCII (K, U+212A, is 'k'): that takes the general path.
        if raw.utf8.allSatisfy({ $0 < 0x80 }) { return normalizeASCIIDomain(raw.utf8) }
        var domain = raw.lowercased()
        if domain.hasSuffix(".") { domain.removeLast() }
        guard domain.utf8.count <= 253 else { return nil }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, labels.allSatisfy(isHostLabel), let tld = labels.last,
            tld.utf8.count >= 2, tld.hasPrefix("xn--") || tld.utf8.allSatisfy({ $0 >= 0x61 && $0 <= 0x7A })
        else { return nil }
        return domain
    }

    /// ``normalizeDomain(_:)`` for ASCII text, on bytes, without intermediate strings.
    static func normalizeASCIIDomain(_ utf8: some Collection<UInt8>) -> String? {
        var domain: [UInt8] = []
        domain.reserveCapacity(utf8.count)
        for byte in utf8 {
            domain.append(byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte)
        }
        if domain.last == UInt8(ascii: ".") { domain.removeLast() }
        guard domain.count <= 253 else { return nil }
        var labels = 0
        var labelStart = 0
        var tld: ArraySlice<UInt8> = []
        for index in 0...domain.count where index == domain.count || domain[index] == UInt8(ascii: ".") {
            let label = domain[labelStart..<index]
            guard isHostLabel(bytes: label) else { return nil }
            labels += 1
            tld = label
            labelStart = index + 1
        }
        guard labels >= 2, tld.count >= 2, tld.starts(with: "xn--".utf8) || tld.allSatisfy({ $0 >= 0x61 && $0 <= 0x7A }) else {
            return nil
        }
        return String(decoding: domain, as: UTF8.self)
    }

    static func isHostLabel(bytes: ArraySlice<UInt8>) -> Bool {
        guard !bytes.isEmpty, bytes.count <= 63, bytes.first != UInt8(ascii: "-"), bytes.last != UInt8(ascii: "-")
        else { return false }
        return bytes.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D || $0 == 0x5F }
    }

    static func isHostLabel(_ label: Substring) -> Bool {
        let bytes = label.utf8
        guard !bytes.isEmpty, bytes.count <= 63, bytes.first != UInt8(ascii: "-"), bytes.last != UInt8(ascii: "-")
        else { return false }
        return bytes.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D || $0 == 0x5F }
    }

    static func normalizeHex(_ text: Substring, length: Int) -> String? {
        var text = text
        return text.withUTF8 { bytes in
            guard bytes.count == length, bytes.allSatisfy(\.isHexDigit) else { return nil }
            // ASCII hex digits: lowercasing each byte is what `lowercased()` does, without its Unicode work.
            return String(unsafeUninitializedCapacity: length) { out in
                for index in 0..<length {
                    out[index] = bytes[index] >= 0x41 && bytes[index] <= 0x46 ? bytes[index] | 0x20 : bytes[index]
                }
                return length
            }
        }
    }

    /// `scheme://host[:port]/rest`: scheme and host lowercased, an IP or domain host, nothing else touched.
    static func normalizeURL(_ text: Substring) -> String? {
        if isCanonicalURL(text) { return String(text) }
        // Byte scans: every delimiter is ASCII, so its UTF-8 index is a valid String index.
        let bytes = text.utf8
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")), bytes[colon...].starts(with: "://".utf8) else { return nil }
        let scheme = text[..<colon].lowercased()
        guard urlSchemes.contains(scheme) else { return nil }
        let afterScheme = text[bytes.index(colon, offsetBy: 3)...]
        guard !afterScheme.utf8.contains(where: { $0 <= 0x20 || $0 == 0x7F }) else { return nil }
        let authorityEnd =
            afterScheme.utf8.firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") }
            ?? afterScheme.endIndex
        let authority = afterScheme[..<authorityEnd]
        guard isValidAuthority(authority) else { return nil }
        let normalizedScheme = scheme.hasPrefix("hxxp") ? "http" + scheme.dropFirst(4) : scheme
        return normalizedScheme + "://" + authority.lowercased() + afterScheme[authorityEnd...]
    }

    /// The longest local part an email address may have. RFC 5321 says 64 bytes, but tracking and VERP
    /// senders use longer ones (`notifications+<70 hex digits>@…` in the phishing corpus) and mail servers
    /// deliver them, so an address past 64 is still real.
    static let maximumLocalPartBytes = 128

    /// Whether the general path of ``normalizeURL(_:)`` would return `text` unchanged, checked on bytes: `http` or
    /// `https`, a host of lowercase labels (letters, digits, `-`, `_`; none empty, none starting or ending with `-`,
    /// at most 63 bytes each and 253 in all), an optional port of digits, then nothing or `/`, `?` or `#`, and no
    /// byte at or below space or DEL after the scheme.
    static func isCanonicalURL(_ text: Substring) -> Bool {
        var text = text
        return text.withUTF8 { bytes in
            var index: Int
            if bytes.starts(with: "https://".utf8) {
                index = 8
            } else if bytes.starts(with: "http://".utf8) {
                index = 7
            } else {
                return false
            }
            var host = HostNameScan()
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "/") || byte == UInt8(ascii: "?") || byte == UInt8(ascii: "#")
                    || byte == UInt8(ascii: ":")
                {
                    break
                }
                guard host.accept(byte) else { return false }
                index += 1
            }
            guard host.isComplete else { return false }
            if index < bytes.count, bytes[index] == UInt8(ascii: ":") {
                index += 1
                let portStart = index
                while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 { index += 1 }
                guard index > portStart else { return false }
                guard
                    index == bytes.count || bytes[index] == UInt8(ascii: "/") || bytes[index] == UInt8(ascii: "?")
                        || bytes[index] == UInt8(ascii: "#")
                else { return false }
            }
            return !bytes[index...].contains { $0 <= 0x20 || $0 == 0x7F }
        }
    }

    static let urlSchemes: Set<String> = ["http", "https", "ftp", "ftps", "hxxp", "hxxps", "ldap", "ldaps", "rmi"]

    /// `[user@]host[:port]` where host is an IP, a domain or a host name.
    static func isValidAuthority(_ authority: Substring) -> Bool {
        var host = authority
        if let at = host.utf8.lastIndex(of: UInt8(ascii: "@")) { host = host[host.utf8.index(after: at)...] }
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { return false }
            let inner = host[host.index(after: host.startIndex)..<close]
            if case .v6 = IPAddress(inner) { return true }
            return false
        }
        if let colon = host.utf8.lastIndex(of: UInt8(ascii: ":")) {
            let port = host[host.utf8.index(after: colon)...]
            guard !port.isEmpty, port.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return false }
            host = host[..<colon]
        }
        return IPAddress(host) != nil || normalizeDomain(host) != nil || normalize(host, as: .hostname) != nil
    }
}

extension UInt8 {
    var isHexDigit: Bool { (self >= 0x30 && self <= 0x39) || (self >= 0x61 && self <= 0x66) || (self >= 0x41 && self <= 0x46) }
}

extension StringProtocol {
    /// The text without leading and trailing spaces, tabs and line breaks.
    public func trimmingWhitespace() -> Substring {
        // A byte scan: these are ASCII, so the bounds found are scalar boundaries.
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }
        let text = Substring(self)
        let bytes = text.utf8
        guard let first = bytes.firstIndex(where: { !isSpace($0) }), let last = bytes.lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return text[first..<bytes.index(after: last)]
    }
}

/// A host name checked byte by byte, as the canonical forms need it: labels of lowercase letters, digits, `_`
/// and `-`, none empty, none starting or ending with `-`, at most 63 bytes each and 253 in all.
/// Inlinable: Ingest's parsers run it per byte of every host field.
package struct HostNameScan {
    @usableFromInline var labelLength = 0
    @usableFromInline var previous = UInt8(ascii: ".")
    @usableFromInline var length = 0

    @inlinable package init() {}

    /// Takes the next byte; false as soon as the bytes cannot be part of such a name.
    @inlinable package mutating func accept(_ byte: UInt8) -> Bool {
        length += 1
        if byte == UInt8(ascii: ".") {
            guard labelLength > 0, previous != UInt8(ascii: "-") else { return false }
            labelLength = 0
        } else {
            let allowed = (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39) || byte == 0x5F || byte == 0x2D
            guard allowed, labelLength < 63, !(labelLength == 0 && byte == 0x2D) else { return false }
            labelLength += 1
        }
        previous = byte
        return true
    }

    /// Whether the bytes taken so far are a whole name.
    @inlinable package var isComplete: Bool { length <= 253 && labelLength > 0 && previous != UInt8(ascii: "-") }
}
