// PollerService as a Service: it polls at once when run, waits its schedule, backs off after a
// failure, and shutdown() ends the wait at once.
import Foundation
import RiposteCore
import RiposteIngest
import RiposteRuntime
import Synchronization
import Testing

/// A poller that answers from a script: each poll takes the next outcome.
final class ScriptedPoller: AlertPoller {
    let kind = "qradar"
    private let outcomes: Mutex<[Result<Int, RiposteError>]>
    private let calls = Mutex(0)
    var callCount: Int { calls.withLock { $0 } }

    init(_ outcomes: [Result<Int, RiposteError>]) { self.outcomes = Mutex(outcomes) }

    func poll(after cursor: String?, deliver: (PollPage) async throws -> Void) async throws {
        calls.withLock { $0 += 1 }
        let next = outcomes.withLock { $0.isEmpty ? .success(0) : $0.removeFirst() }
        let count = try next.get()
        try await deliver(PollPage(drafts: [], cursor: String((Int(cursor ?? "0") ?? 0) + count)))
    }
}

@Suite("Poller service")
struct PollerServiceTests {
    @Test("Run polls at once, then waits; shutdown ends the wait without another poll")
    func runAndShutdown() async throws {
        let poller = ScriptedPoller([.success(3)])
        let store = MemoryPollerStateStore()
        let service = PollerService(
            name: "qradar", poller: poller, schedule: PollSchedule(interval: .seconds(3600)), store: store,
            clock: fixedClock(Date(timeIntervalSince1970: 1_700_000_000)), logger: .disabled, metrics: Metrics(),
            sink: { _ in })
        let running = Task { try await service.run() }
        let deadline = ContinuousClock.now + .seconds(60)  // a waiting limit for a loaded machine, not a speed check
        while try await store.pollerState(named: "qradar")?.lastSuccessAt == nil, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(try await store.pollerState(named: "qradar")?.cursor == "3")
        let stopping = ContinuousClock.now
        await service.shutdown()
        try await running.value
        // The wait was an hour: returning within 30 s (slack for a loaded machine) shows shutdown ended it.
        #expect(ContinuousClock.now - stopping < .seconds(30))
        #expect(poller.callCount == 1)
    }

    @Test("A failed poll is recorded and the run goes on after the back-off")
    func failureThenRecovery() async throws {
        var limited = RiposteError(.unavailable, "QRadar answered GET /api/siem/offenses with HTTP 429 (rate limited)")
        limited.retryAfterSeconds = 0
        let poller = ScriptedPoller([.failure(limited), .success(2)])
        let store = MemoryPollerStateStore()
        let service = PollerService(
            name: "qradar", poller: poller,
            schedule: PollSchedule(interval: .seconds(3600), initialBackoff: .milliseconds(20), maxBackoff: .milliseconds(20)),
            store: store, clock: fixedClock(Date(timeIntervalSince1970: 1_700_000_000)), logger: .disabled, metrics: Metrics(),
            sink: { _ in })
        let running = Task { try await service.run() }
        let deadline = ContinuousClock.now + .seconds(60)  // a waiting limit for a loaded machine, not a speed check
        while poller.callCount < 2, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        while try await store.pollerState(named: "qradar")?.lastSuccessAt == nil, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        await service.shutdown()
        try await running.value
        let state = try #require(try await store.pollerState(named: "qradar"))
        #expect(poller.callCount == 2)
        #expect(state.cursor == "2")
        #expect(state.lastError == nil)
    }
}
