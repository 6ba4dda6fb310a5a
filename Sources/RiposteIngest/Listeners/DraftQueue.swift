// The bounded hand-off between a listener's receiving thread and the task that stores its alerts.
package import RiposteCore
import Synchronization

/// Parsed alerts waiting for the store. Receiving threads `offer` without blocking; one storing task
/// `take`s whatever has gathered, so a burst becomes one transaction while the previous one commits.
package final class DraftQueue: Sendable {
    private struct State {
        var drafts: [AlertDraft] = []
        var waiter: CheckedContinuation<Void, Never>?
        var closed = false
    }

    private let state = Mutex(State())
    package let capacity: Int

    package init(capacity: Int) { self.capacity = capacity }

    /// Appends as many of `drafts` as fit under the capacity, oldest first; returns how many did not.
    package func offer(_ drafts: [AlertDraft]) -> Int {
        guard !drafts.isEmpty else { return 0 }
        let (refused, waiter) = state.withLock { state -> (Int, CheckedContinuation<Void, Never>?) in
            let room = state.closed ? 0 : max(0, capacity - state.drafts.count)
            guard room > 0 else { return (drafts.count, nil) }
            state.drafts.append(contentsOf: drafts.prefix(room))
            defer { state.waiter = nil }
            return (max(0, drafts.count - room), state.waiter)
        }
        waiter?.resume()
        return refused
    }

    /// Appends `drafts` even past the capacity: a TCP reader checks ``hasRoom(for:)`` before each read,
    /// so the overshoot is at most one read's worth per connection, and nothing it read is dropped.
    package func append(_ drafts: [AlertDraft]) {
        guard !drafts.isEmpty else { return }
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.drafts.append(contentsOf: drafts)
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// Whether `count` more drafts would fit now.
    package func hasRoom(for count: Int) -> Bool { state.withLock { $0.drafts.count + count <= capacity } }

    package var count: Int { state.withLock { $0.drafts.count } }

    /// Every waiting draft, oldest first, waiting while there are none; empty once closed and drained.
    /// The caller holds what it took outside the capacity, so at most twice the capacity is in memory.
    package func takeAll() async -> [AlertDraft] {
        while true {
            let taken = state.withLock { state -> [AlertDraft]? in
                guard state.drafts.isEmpty else {
                    var taken: [AlertDraft] = []
                    swap(&taken, &state.drafts)
                    return taken
                }
                return state.closed ? [] : nil
            }
            if let taken { return taken }
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLock { state -> Bool in
                    guard state.drafts.isEmpty, !state.closed else { return true }
                    state.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        }
    }

    /// Refuses further offers; `take` drains what is left, then returns empty.
    package func close() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.closed = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }
}
