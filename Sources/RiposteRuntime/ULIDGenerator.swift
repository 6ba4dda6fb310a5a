// Time-sortable unique identifiers (ULID layout: 48-bit milliseconds + 80 random bits, Crockford base32).
package import Foundation
import RiposteCore
import Synchronization

/// Makes ULID-shaped identifier bodies, strictly increasing within the process so that ids
/// made in the same millisecond still sort in creation order.
package final class ULIDGenerator: IDGenerator {
    private struct State {
        var lastMillis: UInt64 = 0
        var randomHigh: UInt16 = 0
        var randomLow: UInt64 = 0
    }

    private let state = Mutex(State())
    private let now: @Sendable () -> Date

    package init(now: @escaping @Sendable () -> Date = { Date() }) { self.now = now }

    package func nextBody() -> String {
        let millis = UInt64(max(0, now().timeIntervalSince1970 * 1000))
        let (time, high, low) = state.withLock { state -> (UInt64, UInt16, UInt64) in
            if millis > state.lastMillis {
                state.lastMillis = millis
                state.randomHigh = UInt16.random(in: 0...UInt16.max)
                state.randomLow = UInt64.random(in: 0...UInt64.max)
            } else {
                // Same (or earlier) millisecond: increment the 80-bit random part.
                let (sum, overflow) = state.randomLow.addingReportingOverflow(1)
                state.randomLow = sum
                if overflow { state.randomHigh &+= 1 }
            }
            return (state.lastMillis, state.randomHigh, state.randomLow)
        }
        return Self.encode(time: time, high: high, low: low)
    }

    private static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ".utf8)

    static func encode(time: UInt64, high: UInt16, low: UInt64) -> String {
        var bytes = [UInt8](repeating: 0, count: 26)
        var value = time
        for index in stride(from: 9, through: 0, by: -1) {
            bytes[index] = alphabet[Int(value & 31)]
            value >>= 5
        }
        // 80 random bits: 16 from `high`, 64 from `low`, as 16 base32 digits.
        var lowBits = low
        var highBits = UInt64(high)
        for index in stride(from: 25, through: 10, by: -1) {
            bytes[index] = alphabet[Int(lowBits & 31)]
            lowBits = (lowBits >> 5) | ((highBits & 31) << 59)
            highBits >>= 5
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
