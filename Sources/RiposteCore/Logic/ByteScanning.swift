// Byte-level helpers shared by the splitter and the JSON parser: UTF-8 validation and word-at-a-time string scanning.

/// UTF-8 well-formedness (Unicode Table 3-7): no overlongs, no surrogates, nothing above U+10FFFF.
public enum UTF8Validation {
    /// The length of the well-formed sequence at `position`, or 0 when it is ill-formed.
    @inline(__always)
    public static func sequenceLength(_ bytes: UnsafeBufferPointer<UInt8>, at position: Int) -> Int {
        let lead = bytes[position]
        if lead < 0x80 { return 1 }
        let available = bytes.count - position
        func continuation(_ offset: Int, _ low: UInt8 = 0x80, _ high: UInt8 = 0xBF) -> Bool {
            offset < available && bytes[position + offset] >= low && bytes[position + offset] <= high
        }
        switch lead {
        case 0xC2...0xDF:
            return continuation(1) ? 2 : 0
        case 0xE0:
            return continuation(1, 0xA0) && continuation(2) ? 3 : 0
        case 0xE1...0xEC, 0xEE...0xEF:
            return continuation(1) && continuation(2) ? 3 : 0
        case 0xED:
            return continuation(1, 0x80, 0x9F) && continuation(2) ? 3 : 0
        case 0xF0:
            return continuation(1, 0x90) && continuation(2) && continuation(3) ? 4 : 0
        case 0xF1...0xF3:
            return continuation(1) && continuation(2) && continuation(3) ? 4 : 0
        case 0xF4:
            return continuation(1, 0x80, 0x8F) && continuation(2) && continuation(3) ? 4 : 0
        default:
            return 0
        }
    }
}

/// Word-at-a-time scanning for the bytes that end the plain run of a JSON string.
public enum ByteScan {
    /// The index of the first byte in `start..<end` that is `"`, `\`, below 0x20 or above 0x7F, else `end`.
    ///
    /// Checks eight bytes per step (SWAR): a lane is flagged when it equals `"` or `\` (the
    /// has-zero-byte trick on the XOR), is below 0x20 (the borrow of subtracting 0x20) or has its
    /// high bit set. Borrows only carry upward, so the lowest flagged lane is always a real match
    /// and the byte loop that follows finds it within the word.
    @inline(__always)
    public static func firstStringSpecial(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Int {
        var index = start
        if let base = bytes.baseAddress {
            let raw = UnsafeRawPointer(base)
            let ones: UInt64 = 0x0101_0101_0101_0101
            let highs: UInt64 = 0x8080_8080_8080_8080
            while index + 8 <= end {
                let word = raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                let quote = word ^ 0x2222_2222_2222_2222
                let backslash = word ^ 0x5C5C_5C5C_5C5C_5C5C
                let flags =
                    ((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash) | (word &- 0x2020_2020_2020_2020) | word
                if flags & highs != 0 { break }
                index += 8
            }
        }
        while index < end {
            let byte = bytes[index]
            if byte == 0x22 || byte == 0x5C || byte < 0x20 || byte >= 0x80 { return index }
            index += 1
        }
        return end
    }
}
