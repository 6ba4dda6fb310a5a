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
    static func alignment(of head: some Collection<UInt8>) -> (offset: Int, encoding: Encoding)? {
        let characters = head.prefix(headLength)
        guard characters.count >= minimumLength else { return nil }
        // One buffer for the four trials: most runs in log text are words and paths, tried and rejected, so
        // allocating per trial was most of the extractor's allocations.
        var decoded: [UInt8] = []
        decoded.reserveCapacity(headLength / 4 * 3)
        for offset in 0..<4 {
            decoded.removeAll(keepingCapacity: true)
            decode(characters.dropFirst(offset), into: &decoded)
            if let encoding = encoding(of: decoded[...]) { return (offset, encoding) }
        }
        return nil
    }

    /// Decodes base64 alphabet characters (no padding, no line breaks); a trailing group of two or
    /// three characters gives one or two bytes, a lone trailing character is dropped.
    static func decode(_ characters: some Collection<UInt8>, into output: inout [UInt8]) {
        var accumulator: UInt32 = 0
        var pending = 0
        for character in characters {
            accumulator = accumulator << 6 | UInt32(values[Int(character)])
            pending += 1
            if pending == 4 {
                output.append(UInt8(truncatingIfNeeded: accumulator >> 16))
                output.append(UInt8(truncatingIfNeeded: accumulator >> 8))
                output.append(UInt8(truncatingIfNeeded: accumulator))
                accumulator = 0
                pending = 0
            }
        }
        if pending == 3 {
            output.append(UInt8(truncatingIfNeeded: accumulator >> 10))
            output.append(UInt8(truncatingIfNeeded: accumulator >> 2))
        } else if pending == 2 {
            output.append(UInt8(truncatingIfNeeded: accumulator >> 4))
        }
    }

    static func decode(_ characters: some Collection<UInt8>) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(characters.count / 4 * 3 + 2)
        decode(characters, into: &output)
        return output
    }

    /// The encoding `bytes` are text in, or nil when they are not text.
    static func encoding(of bytes: ArraySlice<UInt8>) -> Encoding? {
        guard bytes.count >= 8 else { return nil }
        if isUTF16LittleEndianText(bytes) { return .utf16LittleEndian }
        return textBytes(bytes) * 5 >= bytes.count * 4 ? .utf8 : nil
    }

    /// True when at least 80% of the code units are printable ASCII or whitespace with a zero high byte.
    static func isUTF16LittleEndianText(_ bytes: ArraySlice<UInt8>) -> Bool {
        var units = 0
        var text = 0
        var index = bytes.startIndex
        while index + 1 < bytes.endIndex {
            if bytes[index + 1] == 0 && isPrintable(bytes[index]) { text += 1 }
            units += 1
            index += 2
        }
        return units >= 4 && text * 5 >= units * 4
    }

    /// How many of `bytes` are printable ASCII, whitespace, or part of a well-formed UTF-8 sequence.
    static func textBytes(_ bytes: ArraySlice<UInt8>) -> Int {
        var text = 0
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte < 0x80 {
                if isPrintable(byte) { text += 1 }
                index += 1
                continue
            }
            let length: Int
            switch byte {
            case 0xC2...0xDF: length = 2
            case 0xE0...0xEF: length = 3
            case 0xF0...0xF4: length = 4
            default: length = 1
            }
            var valid = length > 1 && index + length <= bytes.endIndex
            if valid {
                for continuation in (index + 1)..<(index + length) where bytes[continuation] & 0xC0 != 0x80 {
                    valid = false
                    break
                }
            }
            if valid {
                text += length
                index += length
            } else {
                index += 1
            }
        }
        return text
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
