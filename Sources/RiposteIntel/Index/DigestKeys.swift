// File hashes as fixed-width integers: raw digest bytes, compared in byte order, never hex strings.

/// A SHA-1 digest: 20 bytes as two big-endian words and a 32-bit tail (stride 24 bytes).
struct SHA1Digest: Comparable, Sendable {
    var first: UInt64
    var second: UInt64
    var last: UInt32

    static func < (lhs: SHA1Digest, rhs: SHA1Digest) -> Bool {
        (lhs.first, lhs.second, lhs.last) < (rhs.first, rhs.second, rhs.last)
    }
}

/// A SHA-256 digest: 32 bytes as four big-endian words.
struct SHA256Digest: Comparable, Sendable {
    var first: UInt64
    var second: UInt64
    var third: UInt64
    var fourth: UInt64

    static func < (lhs: SHA256Digest, rhs: SHA256Digest) -> Bool {
        (lhs.first, lhs.second, lhs.third, lhs.fourth) < (rhs.first, rhs.second, rhs.third, rhs.fourth)
    }
}

/// Hex text to digests and back.
enum DigestText {
    /// An MD5 digest from exactly 32 hex digits (either case).
    static func md5(_ text: UnsafeBufferPointer<UInt8>) -> UInt128? {
        guard text.count == 32, let high = word(text, from: 0, digits: 16), let low = word(text, from: 16, digits: 16)
        else { return nil }
        return UInt128(high) << 64 | UInt128(low)
    }

    /// A SHA-1 digest from exactly 40 hex digits.
    static func sha1(_ text: UnsafeBufferPointer<UInt8>) -> SHA1Digest? {
        guard text.count == 40, let first = word(text, from: 0, digits: 16),
            let second = word(text, from: 16, digits: 16), let last = word(text, from: 32, digits: 8)
        else { return nil }
        return SHA1Digest(first: first, second: second, last: UInt32(last))
    }

    /// A SHA-256 digest from exactly 64 hex digits.
    static func sha256(_ text: UnsafeBufferPointer<UInt8>) -> SHA256Digest? {
        guard text.count == 64, let first = word(text, from: 0, digits: 16),
            let second = word(text, from: 16, digits: 16), let third = word(text, from: 32, digits: 16),
            let fourth = word(text, from: 48, digits: 16)
        else { return nil }
        return SHA256Digest(first: first, second: second, third: third, fourth: fourth)
    }

    static func text(_ digest: UInt128) -> String {
        hex([UInt64(truncatingIfNeeded: digest >> 64), UInt64(truncatingIfNeeded: digest)], digits: 32)
    }

    static func text(_ digest: SHA1Digest) -> String {
        hex([digest.first, digest.second, UInt64(digest.last) << 32], digits: 40)
    }

    static func text(_ digest: SHA256Digest) -> String {
        hex([digest.first, digest.second, digest.third, digest.fourth], digits: 64)
    }

    /// `digits` hex digits from `start` as a number. Branch-free per digit: random hex mispredicts
    /// a digit-or-letter branch about half the time.
    @inline(__always)
    private static func word(_ text: UnsafeBufferPointer<UInt8>, from start: Int, digits: Int) -> UInt64? {
        hexValues.withUnsafeBufferPointer { hexValues in
            var value: UInt64 = 0
            var invalid: UInt8 = 0
            for index in start..<(start + digits) {
                let digit = hexValues[Int(text[index])]
                invalid |= digit
                value = value << 4 | UInt64(digit & 0xF)
            }
            return invalid & 0xF0 == 0 ? value : nil
        }
    }

    /// Each byte's hex digit value, or 0xF0 when it is not a hex digit.
    private static let hexValues: [UInt8] = (0...255).map { AddressText.hexDigitValue(UInt8($0)) ?? 0xF0 }

    /// Lowercase hex of the first `digits` nibbles of `words`, most significant first.
    private static func hex(_ words: [UInt64], digits: Int) -> String {
        String(unsafeUninitializedCapacity: digits) { buffer in
            for index in 0..<digits {
                let nibble = words[index / 16] >> (60 - 4 * UInt64(index % 16)) & 0xF
                buffer[index] = AddressText.hexDigits[Int(nibble)]
            }
            return digits
        }
    }
}
