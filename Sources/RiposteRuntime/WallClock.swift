// The current time, truncated to milliseconds so it survives a round trip through either store.
package import Foundation

/// Tells the time. Tests inject a fixed or advancing clock.
package struct WallClock: Sendable {
    private let read: @Sendable () -> Date

    package init(_ read: @escaping @Sendable () -> Date) { self.read = read }

    /// The system clock.
    package static let system = WallClock { Date() }

    /// Now, truncated to whole milliseconds.
    package func now() -> Date {
        let millis = (read().timeIntervalSince1970 * 1000).rounded(.down)
        return Date(timeIntervalSince1970: millis / 1000)
    }
}
