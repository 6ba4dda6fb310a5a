// Validation and canonical form of observable values, so the same thing always compares equal.

/// Turns raw text into the canonical value of an observable type, or rejects it.
public enum ObservableNormalizer {
    /// The canonical value of `raw` as `type`, or nil when it is not a valid value of that type.
    ///
    /// IPs get their canonical text; domains, host names, emails and hashes are lowercased; a
    /// domain loses a trailing dot; URLs get a lowercase scheme and host.
    public static func normalize(_ raw: some StringProtocol, as type: ObservableType) -> String? {
        let text = raw.trimmingWhitespace()
        guard !text.isEmpty, text.utf8.count <= 2048 else { return nil }
        switch type {
        case .ipv4:
            guard case .v4 = IPAddress(text) else { return nil }
            return IPAddress(text)?.description
        case .ipv6:
            guard case .v6 = IPAddress(text) else { return nil }
            return IPAddress(text)?.description
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
            guard !local.isEmpty, local.utf8.count <= 64,
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
            guard text.utf8.count <= 256, !text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F })
            else { return nil }
            return String(text)
        }
    }

    /// A registrable-looking domain: at least two labels, letters/digits/hyphens, an alphabetic TLD.
    public static func normalizeDomain(_ raw: some StringProtocol) -> String? {
        var domain = raw.lowercased()
        if domain.hasSuffix(".") { domain.removeLast() }
        guard domain.utf8.count <= 253 else { return nil }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, labels.allSatisfy(isHostLabel), let tld = labels.last,
            tld.utf8.count >= 2, tld.hasPrefix("xn--") || tld.utf8.allSatisfy({ $0 >= 0x61 && $0 <= 0x7A })
        else { return nil }
        return domain
    }

    static func isHostLabel(_ label: Substring) -> Bool {
        let bytes = label.utf8
        guard !bytes.isEmpty, bytes.count <= 63, bytes.first != UInt8(ascii: "-"), bytes.last != UInt8(ascii: "-")
        else { return false }
        return bytes.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D || $0 == 0x5F }
    }

    static func normalizeHex(_ text: Substring, length: Int) -> String? {
        guard text.utf8.count == length, text.utf8.allSatisfy(\.isHexDigit) else { return nil }
        return text.lowercased()
    }

    /// `scheme://host[:port]/rest`: scheme and host lowercased, an IP or domain host, nothing else touched.
    static func normalizeURL(_ text: Substring) -> String? {
        guard let colon = text.firstIndex(of: ":"), text[colon...].hasPrefix("://") else { return nil }
        let scheme = text[..<colon].lowercased()
        let schemes: Set<String> = ["http", "https", "ftp", "ftps", "hxxp", "hxxps", "ldap", "ldaps", "rmi"]
        guard schemes.contains(scheme) else { return nil }
        let afterScheme = text[text.index(colon, offsetBy: 3)...]
        let hasControl = afterScheme.unicodeScalars.contains { $0.value <= 0x20 || $0.value == 0x7F }
        guard !hasControl else { return nil }
        let authorityEnd = afterScheme.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? afterScheme.endIndex
        let authority = afterScheme[..<authorityEnd]
        guard isValidAuthority(authority) else { return nil }
        let normalizedScheme = scheme.hasPrefix("hxxp") ? "http" + scheme.dropFirst(4) : scheme
        return normalizedScheme + "://" + authority.lowercased() + afterScheme[authorityEnd...]
    }

    /// `[user@]host[:port]` where host is an IP, a domain or a host name.
    static func isValidAuthority(_ authority: Substring) -> Bool {
        var host = authority
        if let at = host.lastIndex(of: "@") { host = host[host.index(after: at)...] }
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { return false }
            let inner = host[host.index(after: host.startIndex)..<close]
            if case .v6 = IPAddress(inner) { return true }
            return false
        }
        if let colon = host.lastIndex(of: ":") {
            let port = host[host.index(after: colon)...]
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
    func trimmingWhitespace() -> Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return Substring(self[first...last])
    }
}
