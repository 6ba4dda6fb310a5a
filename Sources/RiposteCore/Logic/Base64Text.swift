// Decodes base64 runs found in free text, keeping only those that decode to text (ASCII, UTF-8 or UTF-16LE).

/// Decodes a base64 run from free text when, and only when, it holds text.
///
/// Free text is full of runs of the base64 alphabet that are not base64 (identifiers, hex hashes,
/// path pieces). Decoding them is cheap; what matters is keeping only what decodes to text, so the
/// extractor finds a PowerShell `-EncodedCommand` (UTF-16LE), a base64 mail body or a base64 URL
/// parameter, and never reads observables into random bytes. A run is kept when its first bytes
/// and the whole of it are at least 80% text: printable ASCII, whitespace and well-formed UTF-8, or
/// UTF-16LE whose high bytes are zero. Random bytes are about 37% printable.
///
/// Runs may start off a four-character boundary (`/c/SQBFAFgA…` reads from `/`), so the first
/// characters are tried at offsets 0 to 3 and the first offset that gives text wins. Every step is
/// linear in the run's length: the offset trial reads at most 64 characters four times.
enum Base64Text {
    /// Fewest base64 characters worth decoding: 16 give 12 bytes, enough for `http://a.co`.
    static let minimumLength = 16
    /// Characters the offset trial decodes (48 bytes).
    static let headLength = 64

    /// The 6-bit value of each byte of the standard alphabet, 0xFF for anything else.
    static let values: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (value, byte) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8.enumerated() {
            table[Int(byte)] = UInt8(value)
        }
        return table
    }()

    /// How decoded text is laid out.
    enum Encoding: Equatable {
        case utf8
        case utf16LittleEndian
    }

    /// The offset (0–3) into `head` from which base64 decodes to text, and the text's encoding; nil
    /// when no offset does. `head` holds only base64 alphabet characters.
    static func alignment(of head: UnsafeBufferPointer<UInt8>) -> (offset: Int, encoding: Encoding)? {
        let characters = UnsafeBufferPointer(rebasing: head.prefix(headLength))
        guard characters.count >= minimumLength else { return nil }
        // The four trials decode into one stack buffer: most runs in log text are words and paths, tried and
        // rejected, so allocating for them was most of the extractor's allocations.
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: headLength / 4 * 3) { buffer in
            for offset in 0..<4 {
                let count = decode(UnsafeBufferPointer(rebasing: characters[offset...]), into: buffer)
                if let encoding = encoding(of: UnsafeBufferPointer(rebasing: buffer[..<count])) { return (offset, encoding) }
            }
            return nil
        }
    }

    /// Decodes base64 alphabet characters (no padding, no line breaks) into `output`, which has room for
    /// `characters.count / 4 * 3 + 2` bytes, and returns how many it wrote: a trailing group of two or three
    /// characters gives one or two bytes, a lone trailing character is dropped.
    static func decode(_ characters: UnsafeBufferPointer<UInt8>, into output: UnsafeMutableBufferPointer<UInt8>) -> Int {
        values.withUnsafeBufferPointer { values in
            var accumulator: UInt32 = 0
            var pending = 0
            var count = 0
            for character in characters {
                accumulator = accumulator << 6 | UInt32(values[Int(character)])
                pending += 1
                if pending == 4 {
                    output[count] = UInt8(truncatingIfNeeded: accumulator >> 16)
                    output[count + 1] = UInt8(truncatingIfNeeded: accumulator >> 8)
                    output[count + 2] = UInt8(truncatingIfNeeded: accumulator)
                    count += 3
                    accumulator = 0
                    pending = 0
                }
            }
            if pending == 3 {
                output[count] = UInt8(truncatingIfNeeded: accumulator >> 10)
                output[count + 1] = UInt8(truncatingIfNeeded: accumulator >> 2)
                count += 2
            } else if pending == 2 {
                output[count] = UInt8(truncatingIfNeeded: accumulator >> 4)
                count += 1
            }
            return count
        }
    }

    /// The bytes `characters` decode to, as ``decode(_:into:)`` reads them.
    static func decode(_ characters: ArraySlice<UInt8>) -> [UInt8] {
        characters.withUnsafeBufferPointer { input in
            [UInt8](unsafeUninitializedCapacity: input.count / 4 * 3 + 2) { output, count in
                count = decode(input, into: output)
            }
        }
    }

    /// The encoding `bytes` are text in, or nil when they are not text.
    static func encoding(of bytes: UnsafeBufferPointer<UInt8>) -> Encoding? {
        guard bytes.count >= 8 else { return nil }
        if isUTF16LittleEndianText(bytes) { return .utf16LittleEndian }
        return isUTF8Text(bytes) ? .utf8 : nil
    }

    // Both checks stop at the first byte that puts the share of text below 80%: most runs tried are not base64 at
    // all, and their bytes are random.

    /// True when at least 80% of the code units are printable ASCII or whitespace with a zero high byte.
    static func isUTF16LittleEndianText(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let units = bytes.count / 2
        guard units >= 4 else { return false }
        var other = 0
        for unit in 0..<units where bytes[2 * unit + 1] != 0 || !isPrintable(bytes[2 * unit]) {
            other += 1
            if other * 5 > units { return false }
        }
        return true
    }

    /// True when at least 80% of `bytes` are printable ASCII, whitespace, or part of a well-formed UTF-8 sequence.
    static func isUTF8Text(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var other = 0
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            var length = 1
            var valid = isPrintable(byte)
            if byte >= 0x80 {
                switch byte {
                case 0xC2...0xDF: length = 2
                case 0xE0...0xEF: length = 3
                case 0xF0...0xF4: length = 4
                default: length = 1
                }
                valid = length > 1 && index + length <= bytes.count
                if valid {
                    for continuation in (index + 1)..<(index + length) where bytes[continuation] & 0xC0 != 0x80 {
                        valid = false
                        break
                    }
                }
                if !valid { length = 1 }
            }
            if !valid {
                other += 1
                if other * 5 > bytes.count { return false }
            }
            index += length
        }
        return true
    }

    @inline(__always)
    static func isPrintable(_ byte: UInt8) -> Bool {
        (byte >= 0x20 && byte < 0x7F) || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    /// Decoded text as bytes the scanner reads: UTF-8 as is; UTF-16LE code units with a zero high
    /// byte as their low byte and any other unit as a space, so it still splits words.
    static func scannable(_ decoded: [UInt8], encoding: Encoding) -> [UInt8] {
        guard encoding == .utf16LittleEndian else { return decoded }
        var narrowed: [UInt8] = []
        narrowed.reserveCapacity(decoded.count / 2)
        var index = 0
        while index + 1 < decoded.count {
            narrowed.append(decoded[index + 1] == 0 ? decoded[index] : 0x20)
            index += 2
        }
        return narrowed
    }
}
