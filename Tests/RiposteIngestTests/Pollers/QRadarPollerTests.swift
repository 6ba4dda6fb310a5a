// The QRadar offense poller against a local QRadar simulator on a real loopback socket, serving the
// corpus offenses: paging, equal times across pages, source address resolution, cursor persistence
// across a restart, re-polls, 401, 429 with Retry-After, timeouts and malformed JSON.
import Foundation
import RiposteCore
import RiposteHTTP
import RiposteIngest
import RiposteRuntime
import RiposteTesting
import Testing

@Suite("QRadar offense poller")
struct QRadarPollerTests {
    static let token = "qradar-sec-token-5f0e1d2c-3b4a-4968-8776-655443322110"
    /// Source address ids of the corpus offenses (10; 2 and 1) mapped to documentation addresses.
    static let addresses = [10: "198.51.100.10", 1: "192.0.2.1", 2: "203.0.113.2"]
    static let clock = fixedClock(Date(timeIntervalSince1970: 1_613_400_000))

    /// The two corpus offenses and `extra` copies of the first with new ids and later times.
    static func offenses(extra: Int, time: (Int) -> Int64 = { 1_613_399_100_000 + Int64($0) * 1000 }) throws -> [[String: Any]] {
        let corpus = try QRadarSimulator.corpusOffenses()
        var offenses = corpus
        for index in 0..<extra {
            var copy = corpus[0]
            copy["id"] = 100 + index
            copy["last_persisted_time"] = time(index)
            copy["source_address_ids"] = [1 + index % 2]
            offenses.append(copy)
        }
        return offenses
    }

    static func configuration(_ url: URL, pageSize: Int = 3) -> QRadarPollerConfiguration {
        var configuration = QRadarPollerConfiguration(baseURL: url, token: Secret(token))
        configuration.pageSize = pageSize
        configuration.sourceAddressBatch = 2
        configuration.initialLookback = nil
        configuration.timeout = .seconds(30)
        return configuration
    }

    static func service(
        _ url: URL, store: any PollerStateStore, sink: DraftSink, pageSize: Int = 3, timeout: Duration = .seconds(30)
    ) -> PollerService {
        var configuration = configuration(url, pageSize: pageSize)
        configuration.timeout = timeout
        let poller = QRadarOffensePoller(configuration: configuration, http: URLSessionHTTPClient(), clock: clock)
        return PollerService(
            name: "qradar", poller: poller, schedule: PollSchedule(interval: .seconds(60)), store: store, clock: clock,
            logger: .disabled, metrics: Metrics(), sink: { sink.store($0) })
    }

    @Test("A poll pages through every offense once, oldest first, with SEC, Version and Range headers")
    func pagesThroughOffenses() async throws {
        let simulator = QRadarSimulator(token: Self.token, offenses: try Self.offenses(extra: 5), sourceAddresses: Self.addresses)
        try await withLoopbackServer(responder: simulator) { (url: URL) async throws in
            let store = MemoryPollerStateStore()
            let sink = DraftSink()
            let items = try await Self.service(url, store: store, sink: sink).pollOnce()
            #expect(items == 7)
            // Oldest first: the two corpus offenses (2021-02-15), then the copies in time order.
            #expect(sink.all.map(\.sourceRef) == ["15", "16", "100", "101", "102", "103", "104"])
            #expect(sink.batchCount == 3)

            let offenseRequests = simulator.requests.filter { $0.path == "/api/siem/offenses" }
            // Each page asks again after the saved cursor, skipping what it already has at that time.
            #expect(offenseRequests.map { $0.headers["Range"] } == ["items=0-2", "items=1-3", "items=1-3"])
            #expect(offenseRequests.first?.queryValue("filter") == "last_persisted_time > -1")
            #expect(offenseRequests.dropFirst().first?.queryValue("filter") == "last_persisted_time > 1613399051536")
            for request in simulator.requests {
                #expect(request.headers["SEC"] == Self.token)
                #expect(request.headers["Version"] == "14.0")
                #expect(request.queryValue("sort") == nil || request.queryValue("sort") == "+last_persisted_time")
            }
            let state = try #require(try await store.pollerState(named: "qradar"))
            #expect(state.cursor == "1613399104000")
            #expect(state.itemsLastPoll == 7 && state.itemsTotal == 7)
            #expect(state.lastError == nil)
            #expect(state.lastSuccessAt == Self.clock.now())
        }
    }

    @Test("Source address ids are resolved in batches into the offense's observables")
    func resolvesSourceAddresses() async throws {
        let simulator = QRadarSimulator(token: Self.token, offenses: try Self.offenses(extra: 0), sourceAddresses: Self.addresses)
        try await withLoopbackServer(responder: simulator) { (url: URL) async throws in
            let sink = DraftSink()
            try await Self.service(url, store: MemoryPollerStateStore(), sink: sink).pollOnce()
            let byRef = Dictionary(uniqueKeysWithValues: sink.all.map { ($0.sourceRef, $0) })
            let session = try #require(byRef["16"])
            #expect(Set(session.observables.map(\.value)) == ["39.116.161.122", "198.51.100.10"])
            let logins = try #require(byRef["15"])
            #expect(Set(logins.observables.map(\.value)) == ["yarden", "192.0.2.1", "203.0.113.2"])
            // The resolved addresses travel in the raw offense, so a re-parse gives the same observables.
            let reparsed = try QRadarOffenseParser().parse(body: logins.raw)
            #expect(reparsed.first?.observables == logins.observables)

            let lookups = simulator.requests.filter { $0.path == "/api/siem/source_addresses" }
            #expect(lookups.compactMap { $0.queryValue("filter") } == ["id in (2,1)", "id in (10)"])
            #expect(lookups.map { $0.headers["Range"] } == ["items=0-1", "items=0-0"])
        }
    }

    @Test("Offenses sharing one last_persisted_time across a page boundary are each delivered once")
    func equalTimesAcrossPages() async throws {
        // Five copies persisted in the same millisecond, pages of two.
        let simulator = QRadarSimulator(
            token: Self.token, offenses: try Self.offenses(extra: 5, time: { _ in 1_613_399_500_000 }),
            sourceAddresses: Self.addresses)
        try await withLoopbackServer(responder: simulator) { (url: URL) async throws in
            let store = MemoryPollerStateStore()
            let sink = DraftSink()
            try await Self.service(url, store: store, sink: sink, pageSize: 2).pollOnce()
            #expect(sink.all.map(\.sourceRef) == ["15", "16", "100", "101", "102", "103", "104"])
            let ranges = simulator.requests.filter { $0.path == "/api/siem/offenses" }.map { $0.headers["Range"] ?? "" }
            #expect(ranges == ["items=0-1", "items=1-2", "items=3-4", "items=5-6"])
            #expect(try await store.pollerState(named: "qradar")?.cursor == "1613399500000")
        }
    }

    @Test("The cursor survives a restart: a new service re-polls nothing old and picks up changed offenses")
    func cursorAcrossRestart() async throws {
        let simulator = QRadarSimulator(token: Self.token, offenses: try Self.offenses(extra: 2), sourceAddresses: Self.addresses)
        try await withLoopbackServer(responder: simulator) { (url: URL) async throws in
            let store = MemoryPollerStateStore()
            let first = DraftSink()
            #expect(try await Self.service(url, store: store, sink: first).pollOnce() == 4)

            let second = DraftSink()
            let restarted = Self.service(url, store: store, sink: second)
            #expect(try await restarted.pollOnce() == 0)
            #expect(second.all.isEmpty)
            let last = simulator.requests.last { $0.path == "/api/siem/offenses" }
            #expect(last?.queryValue("filter") == "last_persisted_time > 1613399101000")

            // QRadar persists a change to offense 15: it comes back once, with its id as source ref.
            var changed = try #require(try QRadarSimulator.corpusOffenses().first { $0["id"] as? Int == 15 })
            changed["last_persisted_time"] = 1_613_399_900_000
            changed["event_count"] = 16
            simulator.upsert([changed])
            #expect(try await restarted.pollOnce() == 1)
            #expect(second.all.map(\.sourceRef) == ["15"])
            let state = try #require(try await store.pollerState(named: "qradar"))
            #expect(state.cursor == "1613399900000")
            #expect(state.itemsTotal == 5 && state.itemsLastPoll == 1)
        }
    }

    @Test("A 401 fails with a clear error naming the setting, never the token, and keeps the cursor")
    func unauthorized() async throws {
        let simulator = QRadarSimulator(token: "another-token", offenses: try Self.offenses(extra: 0), sourceAddresses: [:])
        try await withLoopbackServer(responder: simulator) { (url: URL) async throws in
            let store = MemoryPollerStateStore()
            try await store.savePollerState(PollerState(name: "qradar", kind: "qradar", cursor: "1000"))
            let error = await expectRiposteError { try await Self.service(url, store: store, sink: DraftSink()).pollOnce() }
            #expect(error?.code == .unauthorized)
            #expect(error?.message.contains("HTTP 401") == true)
            #expect(error?.message.contains("RIPOSTE_QRADAR_TOKEN") == true)
            #expect(error.map { "\($0) \(String(reflecting: $0))".contains(Self.token) } == false)
            let state = try #require(try await store.pollerState(named: "qradar"))
            #expect(state.cursor == "1000")
            #expect(state.lastError == error?.message)
            #expect(state.lastSuccessAt == nil)
        }
    }

    @Test("A 429 keeps the server's Retry-After, and the schedule waits at least that long")
    func rateLimited() async throws {
        let simulator = QRadarSimulator(token: Self.token, offenses: try Self.offenses(extra: 0), sourceAddresses: Self.addresses)
        simulator.faults.inject(
            .status(429, headers: [("Retry-After", "37")], body: #"{"code": 1003, "message": "Too many requests"}"#),
            whenPathContains: "/offenses")
        try await withLoopbackServer(responder: simulator) { (url: URL) async throws in
            let service = Self.service(url, store: MemoryPollerStateStore(), sink: DraftSink())
            let error = await expectRiposteError { try await service.pollOnce() }
            #expect(error?.code == .unavailable)
            #expect(error?.retryAfterSeconds == 37)
            #expect(error?.message.contains("rate limited") == true)
            let delay = service.schedule.delayAfterFailure(
                failures: 1, retryAfter: error?.retryAfterSeconds.map { .seconds($0) }, random: 0.5)
            #expect(delay == .seconds(37))
            // The fault is used up: the next poll succeeds.
            #expect(try await service.pollOnce() == 2)
        }
    }

    @Test("A stalled answer fails the call at its timeout")
    func timeout() async throws {
        let simulator = QRadarSimulator(token: Self.token, offenses: try Self.offenses(extra: 0), sourceAddresses: Self.addresses)
        simulator.faults.inject(.stall(.seconds(60)), whenPathContains: "/offenses")
        try await withLoopbackServer(responder: simulator) { (url: URL) async throws in
            let started = ContinuousClock.now
            let error = await expectRiposteError {
                try await Self.service(url, store: MemoryPollerStateStore(), sink: DraftSink(), timeout: .milliseconds(500))
                    .pollOnce()
            }
            #expect(error?.code == .unavailable)
            #expect(error?.message.contains("timed out") == true)
            #expect(ContinuousClock.now - started < .seconds(30), "failed at the timeout, not when the 60-s stall ended")
        }
    }

    @Test("Malformed JSON fails naming the byte, and nothing is delivered")
    func malformedJSON() async throws {
        let simulator = QRadarSimulator(token: Self.token, offenses: try Self.offenses(extra: 0), sourceAddresses: Self.addresses)
        simulator.faults.inject(
            .malformedJSON(#"[{"id": 16, "last_persisted_time": 1613399051536,"#), whenPathContains: "/offenses")
        try await withLoopbackServer(responder: simulator) { (url: URL) async throws in
            let sink = DraftSink()
            let store = MemoryPollerStateStore()
            let error = await expectRiposteError { try await Self.service(url, store: store, sink: sink).pollOnce() }
            #expect(error?.code == .invalid)
            #expect(error?.message.contains("malformed JSON") == true, "\(String(describing: error))")
            #expect(error?.message.contains("at byte") == true)
            #expect(sink.all.isEmpty)
            #expect(try await store.pollerState(named: "qradar")?.cursor == nil)
        }
    }

    @Test("A failure on a later page keeps the pages before it, and the next poll resumes after them")
    func failureMidPoll() async throws {
        let simulator = QRadarSimulator(token: Self.token, offenses: try Self.offenses(extra: 5), sourceAddresses: Self.addresses)
        // The first offenses page is answered; the second fails.
        simulator.faults.inject(.status(503, body: #"{"message": "busy"}"#), whenPathContains: "/offenses", passing: 1)
        try await withLoopbackServer(responder: simulator) { (url: URL) async throws in
            let store = MemoryPollerStateStore()
            let sink = DraftSink()
            let service = Self.service(url, store: store, sink: sink)
            let error = await expectRiposteError { try await service.pollOnce() }
            #expect(error?.message.contains("HTTP 503") == true)
            #expect(sink.all.map(\.sourceRef) == ["15", "16", "100"])
            let failed = try #require(try await store.pollerState(named: "qradar"))
            // Saved short of the page's last time, so nothing at that time can be skipped.
            #expect(failed.cursor == "1613399051536")
            #expect(failed.itemsLastPoll == 3)
            #expect(failed.lastError == error?.message)

            #expect(try await service.pollOnce() == 5)
            // Offense 100 comes again (ingest answers it as a duplicate); none is missing.
            #expect(sink.all.map(\.sourceRef) == ["15", "16", "100", "100", "101", "102", "103", "104"])
            #expect(try await store.pollerState(named: "qradar")?.lastError == nil)
        }
    }
}
