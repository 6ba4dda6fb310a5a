// Runs one AlertPoller on its schedule: poll, store the alerts, save the cursor and status, wait.
import FoundationEssentials
package import RiposteCore
package import RiposteRuntime
import Synchronization

/// A `Service` that polls one vendor API on a schedule and stores what it finds.
///
/// Each page's alerts go to `sink` (ingest: dedup, grouping, one transaction); only after the
/// sink returns is the page's cursor saved, with the status, in the store. So a restart resumes
/// where the last committed page ended and nothing acknowledged by the vendor is skipped.
/// Failures are recorded as `last_error` (safe text) and retried with back-off; a 429's
/// `Retry-After` is honoured. `shutdown()` interrupts the wait at once and ends a running poll
/// after its current page.
package final class PollerService: Service {
    package let name: String
    package let poller: any AlertPoller
    package let schedule: PollSchedule
    private let store: any PollerStateStore
    private let sink: @Sendable ([AlertDraft]) async throws -> Void
    private let clock: WallClock
    private let logger: Logger
    private let metrics: Metrics
    private let random: @Sendable () -> Double
    private let sleeper = Mutex(SleepState())
    /// True while `pollOnce` runs: two polls at once would race on the cursor.
    private let polling = Atomic(false)

    private struct SleepState {
        var stopping = false
        var waiter: CheckedContinuation<Void, Never>?
        var timer: Task<Void, Never>?
    }

    package init(
        name: String, poller: any AlertPoller, schedule: PollSchedule, store: any PollerStateStore, clock: WallClock,
        logger: Logger, metrics: Metrics, random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
        sink: @escaping @Sendable ([AlertDraft]) async throws -> Void
    ) {
        self.name = name
        self.poller = poller
        self.schedule = schedule
        self.store = store
        self.sink = sink
        self.clock = clock
        self.logger = logger
        self.metrics = metrics
        self.random = random
        metrics.describeCounter("riposte_poller_polls_total", help: "Polls of vendor APIs, by poller and outcome (ok, error).")
        metrics.describeCounter("riposte_poller_items_total", help: "Alerts fetched by pollers and handed to ingest, by poller.")
    }

    package func run() async throws {
        logger.info("poller started", ["poller": name, "kind": poller.kind])
        var failures = 0
        while !isStopping {
            var delay: Duration
            do {
                try await pollOnce()
                failures = 0
                delay = schedule.delayAfterSuccess(random: random())
            } catch {
                failures += 1
                let retryAfter = (error as? RiposteError)?.retryAfterSeconds.map { Duration.seconds($0) }
                delay = schedule.delayAfterFailure(failures: failures, retryAfter: retryAfter, random: random())
            }
            await pause(delay)
        }
        logger.info("poller stopped", ["poller": name])
    }

    package func shutdown() async {
        let waiter = sleeper.withLock { state -> CheckedContinuation<Void, Never>? in
            state.stopping = true
            state.timer?.cancel()
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    private var isStopping: Bool { sleeper.withLock { $0.stopping } }

    /// Waits `delay`, or less if `shutdown()` comes first.
    private func pause(_ delay: Duration) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let waiting = sleeper.withLock { state -> Bool in
                guard !state.stopping else { return false }
                state.waiter = continuation
                state.timer = Task { [weak self] in
                    try? await Task.sleep(for: delay)
                    self?.wake()
                }
                return true
            }
            if !waiting { continuation.resume() }
        }
    }

    private func wake() {
        let waiter = sleeper.withLock { state -> CheckedContinuation<Void, Never>? in
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// Ends a poll between pages when shutdown was asked for.
    private struct Stopped: Error {}

    /// One poll now: every page after the saved cursor, each stored and its cursor saved, then the
    /// status. Returns how many alerts were handed to ingest (duplicates included).
    /// - Throws: the poller's or the store's error, after recording it as `last_error`; `.conflict`
    ///   when a poll of this service is already running.
    @discardableResult
    package func pollOnce() async throws -> Int {
        guard polling.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else {
            throw RiposteError(.conflict, "poller '\(name)' is already polling")
        }
        defer { polling.store(false, ordering: .releasing) }
        var state = try await store.pollerState(named: name) ?? PollerState(name: name, kind: poller.kind)
        state.kind = poller.kind
        state.lastPollAt = clock.now()
        var items = 0
        do {
            try await poller.poll(after: state.cursor) { page in
                if !page.drafts.isEmpty { try await sink(page.drafts) }
                items += page.drafts.count
                state.itemsTotal += page.drafts.count
                state.itemsLastPoll = items
                if let cursor = page.cursor { state.cursor = cursor }
                try await store.savePollerState(state)
                if isStopping { throw Stopped() }
            }
        } catch is Stopped {
            return items
        } catch {
            let message = Self.safeMessage(error)
            state.lastError = message
            state.itemsLastPoll = items
            metrics.increment("riposte_poller_polls_total", labels: [("poller", name), ("outcome", "error")])
            if items > 0 { metrics.increment("riposte_poller_items_total", by: Double(items), labels: [("poller", name)]) }
            logger.warning("poll failed", ["poller": name, "error": message])
            do {
                try await store.savePollerState(state)
            } catch {
                logger.error("poller status not saved", ["poller": name, "error": Self.safeMessage(error)])
            }
            throw error
        }
        state.lastSuccessAt = clock.now()
        state.lastError = nil
        state.itemsLastPoll = items
        try await store.savePollerState(state)
        metrics.increment("riposte_poller_polls_total", labels: [("poller", name), ("outcome", "ok")])
        if items > 0 { metrics.increment("riposte_poller_items_total", by: Double(items), labels: [("poller", name)]) }
        return items
    }

    /// Text for `last_error` and logs: a `RiposteError`'s message (built without credentials),
    /// else only the kind of failure.
    static func safeMessage(_ error: any Error) -> String {
        if let error = error as? RiposteError { return error.message }
        if error is CancellationError { return "the poll was cancelled" }
        return "unexpected error (\(type(of: error)))"
    }
}
