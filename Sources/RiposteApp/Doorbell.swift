// Wakes a sleeping worker as soon as there is work, instead of letting it wait out its poll interval.
import Synchronization

/// A one-slot wake-up signal: `ring()` wakes the current `wait(timeout:)`, or the next one if
/// nobody waits right now.
final class Doorbell: Sendable {
    private struct State {
        var rung = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    func ring() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.rung = true
            return nil
        }
        waiter?.resume()
    }

    /// Returns when rung or after `timeout`, whichever is first.
    func wait(timeout: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await withCheckedContinuation { continuation in
                    let resumeNow = self.state.withLock { state -> Bool in
                        if state.rung {
                            state.rung = false
                            return true
                        }
                        state.waiter?.resume()
                        state.waiter = continuation
                        return false
                    }
                    if resumeNow { continuation.resume() }
                }
            }
            group.addTask {
                // Ring only when the timeout really passed, not when cancelled after a real ring.
                if (try? await Task.sleep(for: timeout)) != nil { self.ring() }
            }
            await group.next()
            group.cancelAll()
        }
    }
}
