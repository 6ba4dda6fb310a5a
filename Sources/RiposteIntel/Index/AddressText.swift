// Allocation-free IPv4/IPv6 parsing over UTF-8 bytes, and one-allocation canonical text, for the
// index's build and lookup paths.
//
// Accepts exactly what `IPAddress` accepts (dotted quad without leading zeros; RFC 4291 IPv6 with
// `::` and an embedded IPv4 tail, no zone id) and prints exactly what its `description` prints, but
// parsing never allocates (a lookup miss stays allocation-free) and printing builds one string (a
// hit prints its indicator).

enum AddressText {
    /// A dotted-quad IPv4 address as a number, or nil.
    static func ipv4(_ text: UnsafeBufferPointer<UInt8>) -> UInt32? {
        var value: UInt32 = 0
        var octet: UInt32 = 0
        var digits = 0
        var dots = 0
        for byte in text {
            if byte == UInt8(ascii: ".") {
                guard digits > 0, dots < 3 else { return nil }
                value = value << 8 | octet
                dots += 1
                octet = 0
                digits = 0
            } else if byte &- UInt8(ascii: "0") < 10 {
                if digits == 1 && octet == 0 { return nil }  // a leading zero
                octet = octet * 10 + UInt32(byte &- UInt8(ascii: "0"))
                digits += 1
                guard octet <= 255 else { return nil }
            } else {
                return nil
            }
        }
        guard digits > 0, dots == 3 else { return nil }
        return value << 8 | octet
    }

    /// An IPv6 address as a 128-bit number (first group in the top bits), or nil.
    static func ipv6(_ text: UnsafeBufferPointer<UInt8>) -> UInt128? {
        let count = text.count
        guard count >= 2, count <= 45 else { return nil }
        var head: UInt128 = 0
        var tail: UInt128 = 0
        var headGroups = 0
        var groups = 0
        var compressed = false
        var index = 0
        if text[0] == UInt8(ascii: ":") {
            guard text[1] == UInt8(ascii: ":") else { return nil }
            compressed = true
            index = 2
        }
        func append(_ group: UInt128) {
            if compressed {
                tail = tail << 16 | group
            } else {
                head = head << 16 | group
                headGroups += 1
            }
            groups += 1
        }
        while index < count {
            var end = index
            while end < count && text[end] != UInt8(ascii: ":") { end += 1 }
            guard end > index else { return nil }
            if end == count, text[index..<end].contains(UInt8(ascii: ".")) {
                guard groups <= 6, let v4 = ipv4(UnsafeBufferPointer(rebasing: text[index..<end])) else { return nil }
                append(UInt128(v4 >> 16))
                append(UInt128(v4 & 0xFFFF))
                break
            }
            guard end - index <= 4, groups < 8 else { return nil }
            var group: UInt128 = 0
            for byte in text[index..<end] {
                guard let digit = hexDigitValue(byte) else { return nil }
                group = group << 4 | UInt128(digit)
            }
            append(group)
            index = end
            if index < count {
                index += 1
                if index < count && text[index] == UInt8(ascii: ":") {
                    guard !compressed else { return nil }
                    compressed = true
                    index += 1
                } else if index == count {
                    return nil  // a single trailing colon
                }
            }
        }
        if compressed {
            guard groups <= 7 else { return nil }
            return head << (16 * (8 - headGroups)) | tail
        }
        return groups == 8 ? head : nil
    }

    /// The value of one ASCII hex digit, or nil.
    @inline(__always)
    static func hexDigitValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte &- UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte &- UInt8(ascii: "a") &+ 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte &- UInt8(ascii: "A") &+ 10
        default: nil
        }
    }

    /// An IPv4 network address and prefix length from `a.b.c.d/n`, host bits cleared, or nil.
    static func cidr4(_ text: UnsafeBufferPointer<UInt8>) -> (network: UInt32, prefixLength: UInt8)? {
        guard let (address, prefixLength) = splitPrefix(text, maximum: 32), let value = ipv4(address) else {
            return nil
        }
        return (value & ~(UInt32.max >> prefixLength), prefixLength)
    }

    /// An IPv6 network address and prefix length from `x::/n`, host bits cleared, or nil.
    static func cidr6(_ text: UnsafeBufferPointer<UInt8>) -> (network: UInt128, prefixLength: UInt8)? {
        guard let (address, prefixLength) = splitPrefix(text, maximum: 128), let value = ipv6(address) else {
            return nil
        }
        return (value & ~(UInt128.max >> prefixLength), prefixLength)
    }

    /// The address part and the prefix length (1–3 digits, no leading zero, at most `maximum`).
    private static func splitPrefix(
        _ text: UnsafeBufferPointer<UInt8>, maximum: Int
    ) -> (UnsafeBufferPointer<UInt8>, UInt8)? {
        guard let slash = text.lastIndex(of: UInt8(ascii: "/")) else { return nil }
        let digits = text[(slash + 1)...]
        guard (1...3).contains(digits.count), digits.count == 1 || digits.first != UInt8(ascii: "0") else { return nil }
        var length = 0
        for byte in digits {
            guard byte &- UInt8(ascii: "0") < 10 else { return nil }
            length = length * 10 + Int(byte &- UInt8(ascii: "0"))
        }
        guard length <= maximum else { return nil }
        return (UnsafeBufferPointer(rebasing: text[..<slash]), UInt8(length))
    }

    /// Dotted-quad text, as `IPAddress.v4(address).description`.
    static func ipv4Text(_ address: UInt32) -> String {
        String(unsafeUninitializedCapacity: 15) { buffer in
            var count = 0
            for shift in stride(from: UInt32(24), through: 0, by: -8) {
                let octet = UInt8(truncatingIfNeeded: address >> shift)
                if octet >= 100 { buffer[count] = UInt8(ascii: "0") + octet / 100; count += 1 }
                if octet >= 10 { buffer[count] = UInt8(ascii: "0") + octet / 10 % 10; count += 1 }
                buffer[count] = UInt8(ascii: "0") + octet % 10
                count += 1
                if shift > 0 { buffer[count] = UInt8(ascii: "."); count += 1 }
            }
            return count
        }
    }

    /// RFC 5952 text (lowercase, no leading zeros, the longest run of two or more zero groups as `::`),
    /// as `IPAddress.v6(…).description`.
    static func ipv6Text(_ address: UInt128) -> String {
        func group(_ index: Int) -> UInt16 { UInt16(truncatingIfNeeded: address >> (112 - 16 * index)) }
        var bestStart = -1
        var bestLength = 1
        var runStart = -1
        for index in 0...8 {
            if index < 8 && group(index) == 0 {
                if runStart < 0 { runStart = index }
            } else if runStart >= 0 {
                if index - runStart > bestLength { (bestStart, bestLength) = (runStart, index - runStart) }
                runStart = -1
            }
        }
        return String(unsafeUninitializedCapacity: 39) { buffer in
            var count = 0
            var index = 0
            while index < 8 {
                if index == bestStart {
                    buffer[count] = UInt8(ascii: ":")
                    buffer[count + 1] = UInt8(ascii: ":")
                    count += 2
                    index += bestLength
                    continue
                }
                if count > 0 && buffer[count - 1] != UInt8(ascii: ":") {
                    buffer[count] = UInt8(ascii: ":")
                    count += 1
                }
                let value = group(index)
                var digits = max(1, (19 - value.leadingZeroBitCount) / 4)
                while digits > 0 {
                    digits -= 1
                    buffer[count] = hexDigits[Int(value >> (4 * UInt16(digits)) & 0xF)]
                    count += 1
                }
                index += 1
            }
            return count
        }
    }

    /// Lowercase hex digits by value.
    static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// The IPv4 address inside an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`), or nil.
    static func mappedIPv4(_ address: UInt128) -> UInt32? {
        address >> 32 == 0xFFFF ? UInt32(truncatingIfNeeded: address) : nil
    }
}
