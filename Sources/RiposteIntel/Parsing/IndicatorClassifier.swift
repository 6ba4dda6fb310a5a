// Recognises what one list value is (IP, CIDR, domain, URL, email, hash), refangs it and normalises it.
package import RiposteCore

/// A list value recognised as one indicator type, in its normalised form.
package struct ClassifiedIndicator: Sendable, Hashable {
    package var type: IndicatorType
    package var value: String
    /// The value was given defanged (`hxxp://evil[.]example`).
    package var wasRefanged: Bool
    /// A CIDR had host bits set and was turned into its network (`10.1.2.3/8` → `10.0.0.0/8`).
    package var hadHostBits: Bool
}

/// Why a value is not an indicator; `reason` is safe to show to the importer.
package struct UnrecognizedIndicator: Error, Sendable, Hashable {
    package var reason: String
}

package enum IndicatorClassifier {
    /// The indicator `raw` is, tried in this order: URL (has `://`), CIDR (has `/`), IPv4/IPv6,
    /// email (has `@`), MD5/SHA-1/SHA-256 (32/40/64 hex digits), domain (two or more labels, alphabetic TLD).
    package static func classify(_ raw: some StringProtocol) throws(UnrecognizedIndicator) -> ClassifiedIndicator {
        let (text, wasRefanged) = refang(raw.strippingWhitespace())
        guard !text.isEmpty else { throw UnrecognizedIndicator(reason: "empty value") }
        func found(_ type: IndicatorType, _ value: String?, hadHostBits: Bool = false) throws(UnrecognizedIndicator)
            -> ClassifiedIndicator
        {
            guard let value else { throw UnrecognizedIndicator(reason: "\(quoted(text)) is not a valid \(type.noun)") }
            return ClassifiedIndicator(type: type, value: value, wasRefanged: wasRefanged, hadHostBits: hadHostBits)
        }
        if text.contains("://") { return try found(.url, ObservableNormalizer.normalize(text, as: .url)) }
        var utf8 = text
        let parsed = utf8.withUTF8 { bytes -> (IndicatorType, String, Bool)? in
            if let (network, prefixLength) = AddressText.cidr4(bytes) {
                let hadHostBits = AddressText.ipv4(prefixAddress(bytes)) != network
                return (.cidr4, "\(AddressText.ipv4Text(network))/\(prefixLength)", hadHostBits)
            }
            if let (network, prefixLength) = AddressText.cidr6(bytes) {
                let hadHostBits = AddressText.ipv6(prefixAddress(bytes)) != network
                return (.cidr6, "\(AddressText.ipv6Text(network))/\(prefixLength)", hadHostBits)
            }
            if let address = AddressText.ipv4(bytes) { return (.ipv4, AddressText.ipv4Text(address), false) }
            if let address = AddressText.ipv6(bytes) { return (.ipv6, AddressText.ipv6Text(address), false) }
            return nil
        }
        if let (type, value, hadHostBits) = parsed { return try found(type, value, hadHostBits: hadHostBits) }
        if text.contains("/") {
            throw UnrecognizedIndicator(reason: "\(quoted(text)) is not a valid CIDR (IPv4 /0–32, IPv6 /0–128)")
        }
        if text.contains("@") { return try found(.email, ObservableNormalizer.normalize(text, as: .email)) }
        if text.utf8.allSatisfy({ AddressText.hexDigitValue($0) != nil }) {
            switch text.utf8.count {
            case 32: return try found(.md5, text.lowercased())
            case 40: return try found(.sha1, text.lowercased())
            case 64: return try found(.sha256, text.lowercased())
            default: break
            }
        }
        if let domain = ObservableNormalizer.normalizeDomain(text) {
            return ClassifiedIndicator(type: .domain, value: domain, wasRefanged: wasRefanged, hadHostBits: false)
        }
        throw UnrecognizedIndicator(
            reason: "\(quoted(text)) is not an IP address, CIDR, domain, URL, email address or MD5/SHA-1/SHA-256 hash")
    }

    /// The indicator types a CSV type column's text stands for (`ip`, `ip-dst`, `domain`, `sha256`, `hash`, …);
    /// nil when the text names none.
    package static func types(named name: some StringProtocol) -> Set<IndicatorType>? {
        let key = name.strippingWhitespace().lowercased()
        if let type = IndicatorType(rawValue: key), type != .stixPattern { return [type] }
        switch key {
        case "ip", "ip-src", "ip-dst", "ip_address", "ipaddress", "ip-address", "address":
            return [.ipv4, .ipv6, .cidr4, .cidr6]
        case "ip:port": return [.ipv4, .ipv6]
        case "ipv4-addr", "ip4": return [.ipv4, .cidr4]
        case "ipv6-addr", "ip6": return [.ipv6, .cidr6]
        case "cidr", "network", "netblock", "ip-range", "subnet": return [.cidr4, .cidr6]
        case "domain-name", "hostname", "host", "fqdn": return [.domain]
        case "uri", "link": return [.url]
        case "email-addr", "email-src", "email-dst", "mail": return [.email]
        case "hash", "filehash", "file-hash": return [.md5, .sha1, .sha256]
        case "sha-1", "sha1_hash": return [.sha1]
        case "sha-256", "sha256_hash": return [.sha256]
        case "md5_hash": return [.md5]
        default: return nil
        }
    }

    /// Whether a type column's text names an address given with its port (ThreatFox `ip:port`).
    package static func namesAddressWithPort(_ name: some StringProtocol) -> Bool {
        name.strippingWhitespace().lowercased() == "ip:port"
    }

    /// `text` without a trailing port: `198.51.100.7:443` → `198.51.100.7`, `[2001:db8::1]:443` → `2001:db8::1`.
    /// Text without one (a bare IPv6 address included) comes back unchanged.
    package static func droppingPort(_ text: Substring) -> Substring {
        let trimmed = text.strippingWhitespace()
        guard let colon = trimmed.lastIndex(of: ":") else { return trimmed }
        let port = trimmed[trimmed.index(after: colon)...]
        guard !port.isEmpty, port.utf8.count <= 5, port.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return trimmed }
        let host = trimmed[..<colon]
        if host.hasPrefix("["), host.hasSuffix("]") { return host.dropFirst().dropLast() }
        return host.contains(":") ? trimmed : host
    }

    /// `text` with defanged notation undone: `[.]`, `(.)`, `{.}`, `[dot]` → `.`; `[@]`, `[at]` → `@`;
    /// `[:]`, `[://]`, `[/]`; a leading `hxxp`/`hxxps`/`fxp` scheme. The flag tells whether anything changed.
    static func refang(_ text: some StringProtocol) -> (String, Bool) {
        let bytes = Array(text.utf8)
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var changed = false
        var index = 0
        scan: while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "[") || byte == UInt8(ascii: "(") || byte == UInt8(ascii: "{") {
                for (pattern, replacement) in defangedPatterns where matches(pattern, in: bytes, at: index) {
                    output.append(contentsOf: replacement)
                    index += pattern.count
                    changed = true
                    continue scan
                }
            }
            output.append(byte)
            index += 1
        }
        for (scheme, replacement) in defangedSchemes where matches(scheme, in: output, at: 0) {
            output.replaceSubrange(0..<scheme.count, with: replacement)
            changed = true
            break
        }
        return (String(decoding: output, as: UTF8.self), changed)
    }

    private static let defangedPatterns: [([UInt8], [UInt8])] = [
        ("[.]", "."), ("(.)", "."), ("{.}", "."), ("[dot]", "."), ("(dot)", "."), ("{dot}", "."),
        ("[@]", "@"), ("(@)", "@"), ("{@}", "@"), ("[at]", "@"), ("(at)", "@"), ("{at}", "@"),
        ("[://]", "://"), ("[:]", ":"), ("[/]", "/"),
    ].map { (Array($0.utf8), Array($1.utf8)) }

    private static let defangedSchemes: [([UInt8], [UInt8])] = [
        ("hxxps://", "https://"), ("hxxp://", "http://"), ("fxps://", "ftps://"), ("fxp://", "ftp://"),
    ].map { (Array($0.utf8), Array($1.utf8)) }

    /// Whether `pattern` (lowercase) occurs in `bytes` at `index`, ignoring ASCII case.
    private static func matches(_ pattern: [UInt8], in bytes: [UInt8], at index: Int) -> Bool {
        guard index + pattern.count <= bytes.count else { return false }
        for offset in pattern.indices where StringKeyTable.asciiLowercase(bytes[index + offset]) != pattern[offset] {
            return false
        }
        return true
    }

    /// The address part of `address/prefix`.
    private static func prefixAddress(_ bytes: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        let slash = bytes.lastIndex(of: UInt8(ascii: "/")) ?? bytes.endIndex
        return UnsafeBufferPointer(rebasing: bytes[..<slash])
    }

    /// A value for a message: in quotes, cut at 64 characters.
    static func quoted(_ text: some StringProtocol) -> String {
        text.count > 64 ? "'\(text.prefix(64))…'" : "'\(text)'"
    }
}

extension IndicatorType {
    /// The type with its indefinite article, as said aloud (`an IPv4 address`, `a URL`, `an MD5 hash`).
    var nounWithArticle: String {
        switch self {
        case .ipv4, .ipv6, .cidr4, .cidr6, .email, .md5: "an \(noun)"
        case .domain, .url, .sha1, .sha256, .stixPattern: "a \(noun)"
        }
    }

    /// How a message names the type (`IPv4 address`).
    var noun: String {
        switch self {
        case .ipv4: "IPv4 address"
        case .ipv6: "IPv6 address"
        case .cidr4: "IPv4 CIDR"
        case .cidr6: "IPv6 CIDR"
        case .domain: "domain"
        case .url: "URL"
        case .email: "email address"
        case .md5: "MD5 hash"
        case .sha1: "SHA-1 hash"
        case .sha256: "SHA-256 hash"
        case .stixPattern: "STIX pattern"
        }
    }
}
