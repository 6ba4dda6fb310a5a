// RequestID: accepting a caller's X-Request-ID or generating a random one.

/// The request-ID rule. The server applies it to every request before any middleware runs, because
/// its own error bodies and the access log need the ID too:
///
/// * an incoming `X-Request-ID` of 1...64 characters from `[A-Za-z0-9._:-]` is kept, so a caller
///   or proxy can correlate logs;
/// * anything else (missing, longer, other characters) is replaced by a generated ID of 26
///   lowercase base-32 characters (128 random bits);
/// * the response always carries the ID back in `X-Request-ID`.
package enum RequestID {
    /// The header that carries the ID both ways.
    package static let headerName = "X-Request-ID"
    /// The longest incoming ID that is accepted.
    package static let maxLength = 64

    /// Returns `candidate` if it is an acceptable ID, else nil.
    package static func validated(_ candidate: String) -> String? {
        let utf8 = candidate.utf8
        guard !utf8.isEmpty, utf8.count <= maxLength, utf8.allSatisfy(isSafe) else { return nil }
        return candidate
    }

    /// True if `bytes` form an acceptable ID.
    package static func isValid(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        !bytes.isEmpty && bytes.count <= maxLength && bytes.allSatisfy(isSafe)
    }

    /// A new random ID (128 bits from the system generator, base-32 encoded).
    package static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let high = generator.next() as UInt64
        let low = generator.next() as UInt64
        return String(unsafeUninitializedCapacity: 26) { buffer in
            // 26 base-32 digits hold 130 bits; the leading digit carries only the top 3 of the 128.
            var hi = high
            var lo = low
            for index in stride(from: 25, through: 0, by: -1) {
                buffer[index] = alphabet[Int(lo & 31)]
                lo = (lo >> 5) | ((hi & 31) << 59)
                hi >>= 5
            }
            return 26
        }
    }

    private static let alphabet: [UInt8] = Array("0123456789abcdefghjkmnpqrstvwxyz".utf8)

    private static func isSafe(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."),
            UInt8(ascii: ":"):
            true
        default: false
        }
    }
}
