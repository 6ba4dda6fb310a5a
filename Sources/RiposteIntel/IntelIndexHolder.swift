// Holds the current IndicatorIndex snapshot; a refresh builds a new one outside the lock and swaps it in.
import Synchronization

/// The index every lookup reads. Readers take a reference under a short lock and never wait for a
/// rebuild; `replace(with:)` swaps in a snapshot built elsewhere (a failed refresh simply never calls it,
/// so the old one stays).
package final class IntelIndexHolder: Sendable {
    private let snapshot: Mutex<IndicatorIndex>

    package init(_ initial: IndicatorIndex = IndicatorIndex(indicators: [])) {
        snapshot = Mutex(initial)
    }

    /// The snapshot to answer lookups from; keep using it for one unit of work.
    package var current: IndicatorIndex {
        snapshot.withLock { $0 }
    }

    /// Makes `index` current. The previous snapshot is released after the lock is dropped, so freeing
    /// a large index never holds up readers.
    package func replace(with index: IndicatorIndex) {
        _ = snapshot.withLock { current in
            let previous = current
            current = index
            return previous  // released by the caller, outside the lock
        }
    }
}
