// Deterministic identifiers for tests: 00000000000000000000000001, …02, … in Crockford base32.
public import RiposteCore
import Synchronization

/// Makes identifier bodies from a counter, so tests can predict ids and their order.
/// The bodies have the same shape as ULIDs (26 Crockford base32 characters) and sort in creation order.
public final class SequentialIDGenerator: IDGenerator {
    private let counter: Mutex<UInt64>

    /// The first body is `start` (default 1).
    public init(start: UInt64 = 1) { counter = Mutex(start) }

    public func nextBody() -> String {
        let value = counter.withLock { counter in
            defer { counter += 1 }
            return counter
        }
        return Self.body(value)
    }

    private static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ".utf8)

    /// The 26-character body of `value`.
    public static func body(_ value: UInt64) -> String {
        var bytes = [UInt8](repeating: alphabet[0], count: 26)
        var rest = value
        var index = 25
        while rest > 0 {
            bytes[index] = alphabet[Int(rest & 31)]
            rest >>= 5
            index -= 1
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
