// Strict IPv4/IPv6 parsing and canonical text, shared by observable extraction and the intel index.

/// An IP address as numbers: IPv4 in the low 32 bits of `low`, IPv6 as two 64-bit halves.
public enum IPAddress: Hashable, Sendable, CustomStringConvertible {
    case v4(UInt32)
    case v6(high: UInt64, low: UInt64)

    /// Parses dotted-quad IPv4 (no leading zeros, no shorthand) or RFC 4291 IPv6 text
    /// (`::` compression, embedded IPv4 tail; no zone id). Nil for anything else.
    public init?(_ text: some StringProtocol) {
        // A dotted quad, the common case, is read in place: native strings are contiguous UTF-8.
        let quad = text.utf8.withContiguousStorageIfAvailable { IPAddress.parseV4($0) } ?? IPAddress.parseV4(text.utf8)
        if let quad {
            self = .v4(quad)
        } else if let (high, low) = IPAddress.parseV6(Array(text.utf8)) {
            self = .v6(high: high, low: low)
        } else {
            return nil
        }
    }

    /// Canonical text: dotted quad, or RFC 5952 IPv6 (lowercase, longest zero run as `::`).
    public var description: String {
        switch self {
        case .v4(let value):
            return "\(value >> 24).\((value >> 16) & 0xFF).\((value >> 8) & 0xFF).\(value & 0xFF)"
        case .v6(let high, let low):
            var groups = [UInt16](repeating: 0, count: 8)
            for index in 0..<4 {
                groups[index] = UInt16(truncatingIfNeeded: high >> (48 - 16 * UInt64(index)))
                groups[index + 4] = UInt16(truncatingIfNeeded: low >> (48 - 16 * UInt64(index)))
            }
            var bestStart = -1, bestLength = 0, runStart = -1
            for index in 0...8 {
                if index < 8 && groups[index] == 0 {
                    if runStart < 0 { runStart = index }
                } else if runStart >= 0 {
                    if index - runStart > bestLength { bestStart = runStart; bestLength = index - runStart }
                    runStart = -1
                }
            }
            if bestLength < 2 { bestStart = -1 }
            var text = ""
            var index = 0
            while index < 8 {
                if index == bestStart {
                    text += "::"
                    index += bestLength
                    continue
                }
                if !text.isEmpty && !text.hasSuffix(":") { text += ":" }
                text += String(groups[index], radix: 16)
                index += 1
            }
            return text
        }
    }

    static func parseV4(_ bytes: some Sequence<UInt8>) -> UInt32? {
        var value: UInt32 = 0
        var octets = 0
        var current: UInt32 = 0
        var digits = 0
        var leadingZero = false
        for byte in bytes {
            if byte == UInt8(ascii: ".") {
                guard digits > 0, octets < 3 else { return nil }
                value = value << 8 | current
                octets += 1
                current = 0
                digits = 0
            } else if byte >= 0x30 && byte <= 0x39 {
                if digits == 1 && leadingZero { return nil }
                if digits == 0 { leadingZero = byte == 0x30 }
                current = current * 10 + UInt32(byte - 0x30)
                digits += 1
                guard digits <= 3, current <= 255 else { return nil }
            } else {
                return nil
            }
        }
        guard digits > 0, octets == 3 else { return nil }
        return value << 8 | current
    }

    static func parseV6(_ bytes: [UInt8]) -> (UInt64, UInt64)? {
        guard bytes.count >= 2, bytes.count <= 45 else { return nil }
        var head: [UInt16] = []
        var tail: [UInt16] = []
        var sawCompression = false
        var index = 0
        if bytes.starts(with: [0x3A, 0x3A]) {
            sawCompression = true
            index = 2
        } else if bytes[0] == 0x3A {
            return nil
        }
        while index < bytes.count {
            // A group: up to 4 hex digits, or an embedded IPv4 at the end.
            var end = index
            while end < bytes.count && bytes[end] != 0x3A { end += 1 }
            let group = bytes[index..<end]
            if group.isEmpty { return nil }
            if end == bytes.count, group.contains(UInt8(ascii: ".")) {
                guard let v4 = parseV4(group) else { return nil }
                let parts = [UInt16(v4 >> 16), UInt16(v4 & 0xFFFF)]
                if sawCompression { tail += parts } else { head += parts }
                index = end
                break
            }
            // Hex digits only: `UInt16(_:radix:)` alone would also take a sign (`+1::`).
            guard group.count <= 4, group.allSatisfy(\.isHexDigit),
                let number = UInt16(String(decoding: group, as: UTF8.self), radix: 16)
            else { return nil }
            if sawCompression { tail.append(number) } else { head.append(number) }
            index = end
            if index < bytes.count {
                // Skip ':' and detect '::'.
                index += 1
                if index < bytes.count && bytes[index] == 0x3A {
                    guard !sawCompression else { return nil }
                    sawCompression = true
                    index += 1
                } else if index == bytes.count {
                    return nil
                }
            }
        }
        let count = head.count + tail.count
        if sawCompression { guard count <= 7 else { return nil } } else { guard count == 8 else { return nil } }
        let groups = head + [UInt16](repeating: 0, count: 8 - count) + tail
        var high: UInt64 = 0
        var low: UInt64 = 0
        for group in groups[0..<4] { high = high << 16 | UInt64(group) }
        for group in groups[4..<8] { low = low << 16 | UInt64(group) }
        return (high, low)
    }

    /// True for addresses that name no host on the internet: private, loopback, link-local,
    /// unspecified, multicast, documentation ranges are NOT excluded (they are real in labs).
    public var isPrivate: Bool {
        switch self {
        case .v4(let value):
            return value >> 24 == 10 || value >> 20 == 0xAC1 || value >> 16 == 0xC0A8 || value >> 24 == 127
                || value >> 16 == 0xA9FE
        case .v6(let high, let low):
            return (high == 0 && low == 1) || high >> 57 == 0x7E || high >> 54 == 0x3FA
        }
    }
}
