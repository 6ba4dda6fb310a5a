// The Sentinel incident poller against a local ARM + Microsoft Entra simulator on a real loopback
// socket, serving the azure-rest-api-specs examples from the corpus: nextLink paging, alerts and
// entities per incident, the token cache, cursor across a restart, 401, 429, timeouts, malformed JSON.
import Foundation
import RiposteCore
import RiposteHTTP
import RiposteIngest
import RiposteRuntime
import RiposteTesting
import Testing

@Suite("Sentinel incident poller")
struct SentinelPollerTests {
    static let tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47"
    static let client = "00000000-1111-2222-3333-444444444444"
    static let secret = "sentinel-client-secret~Q8x.7yZ_wVuT"
    static let clock = fixedClock(Date(timeIntervalSince1970: 1_704_067_200))  // 2024-01-01

    static func name(_ index: Int) -> String { String(format: "73e01a99-5cd7-4139-a149-%012d", index) }

    /// `count` copies of the corpus incident, modified a second apart from 2023-12-31T10:00:00.
    static func simulator(incidents count: Int, secret: String = secret) throws -> SentinelSimulator {
        let simulator = try SentinelSimulator(tenantID: tenant, clientID: client, clientSecret: secret)
        try simulator.upsert(
            (0..<count).map {
                try SentinelSimulator.corpusIncident(
                    name: name($0), lastModified: String(format: "2023-12-31T10:00:%02d.1234567Z", $0))
            })
        return simulator
    }

    static func service(
        _ url: URL, store: any PollerStateStore, sink: DraftSink, pageSize: Int = 2, timeout: Duration = .seconds(30)
    ) -> PollerService {
        var configuration = SentinelPollerConfiguration(
            tenantID: tenant, clientID: client, clientSecret: Secret(secret),
            subscriptionID: "d0cfe6b2-9ac0-4464-9919-dccaee2e48c0", resourceGroup: "myRg", workspace: "myWorkspace")
        configuration.loginURL = url
        configuration.managementURL = url
        configuration.pageSize = pageSize
        configuration.timeout = timeout
        let poller = SentinelIncidentPoller(configuration: configuration, http: URLSessionHTTPClient(), clock: clock)
        return PollerService(
            name: "sentinel", poller: poller, schedule: PollSchedule(interval: .seconds(60)), store: store, clock: clock,
            logger: .disabled, metrics: Metrics(), sink: { sink.store($0) })
    }

    @Test("A poll follows nextLink through every incident and bundles its alerts and entities")
    func pagesThroughIncidents() async throws {
        let simulator = try Self.simulator(incidents: 5)
        try await withLoopbackServer(responder: simulator) { (url: URL) async throws in
            simulator.setBaseURL(url)
            let store = MemoryPollerStateStore()
            let sink = DraftSink()
            #expect(try await Self.service(url, store: store, sink: sink).pollOnce() == 5)
            #expect(sink.all.map(\.sourceRef) == (0..<5).map(Self.name))
            #expect(sink.batchCount == 3)
            let draft = try #require(sink.all.first)
            #expect(draft.title == "My incident")
            #expect(draft.severity == .high)
            // From the entities example: the account and the host.
            #expect(draft.userName == "domain\\administrator")
            #expect(draft.hostName == "vm1")
            #expect(Set(draft.observables.map(\.value)).isSuperset(of: ["domain\\administrator", "vm1"]))

            let lists = simulator.requests.filter { $0.method == .get }
            #expect(lists.count == 3)
            #expect(lists.first?.queryValue("$filter") == "properties/lastModifiedTimeUtc gt 2023-12-31T00:00:00.0000000Z")
            #expect(lists.first?.queryValue("$orderby") == "properties/lastModifiedTimeUtc asc")
            #expect(lists.first?.queryValue("$top") == "2")
            #expect(lists.map { $0.queryValue("$skipToken") } == [nil, "2", "4"])
            let posts = simulator.requests.filter { $0.method == .post && !$0.path.hasSuffix("/token") }
            #expect(posts.count == 10)
            #expect(posts.allSatisfy { $0.queryValue("api-version") == "2024-03-01" })
            #expect(simulator.tokensIssued == 1)
            #expect(try await store.pollerState(named: "sentinel")?.cursor == "2023-12-31T10:00:04.1234567Z")
        }
    }

    @Test("The token is requested with client credentials and reused until it nears expiry")
    func tokenCache() async throws {
        let simulator = try Self.simulator(incidents: 1)
        try await withLoopbackServer(responder: simulator) { (url: URL) async throws in
            simulator.setBaseURL(url)
            let service = Self.service(url, store: MemoryPollerStateStore(), sink: DraftSink())
            try await service.pollOnce()
            try await service.pollOnce()
            #expect(simulator.tokensIssued == 1)
            let token = try #require(simulator.requests.first { $0.path.hasSuffix("/oauth2/v2.0/token") })
            #expect(token.path == "/\(Self.tenant)/oauth2/v2.0/token")
            #expect(token.headers["Content-Type"] == "application/x-www-form-urlencoded")
            let form = String(decoding: token.body, as: UTF8.self)
            #expect(form.contains("grant_type=client_credentials"))
            #expect(form.contains("scope=" + VendorHTTP.encode(url.absoluteString + "/.default")))

            // A revoked token answers 401: the poller fetches a new one once and goes on.
            simulator.revokeTokens()
            try await service.pollOnce()
            #expect(simulator.tokensIssued == 2)

            // A token that expires within a minute is not reused. (The incident is behind the cursor
            // now, so each poll makes one list call: a 401 and a new token, then a fresh one again.)
            simulator.setTokenLifetime(30)
            simulator.revokeTokens()
            try await service.pollOnce()
            #expect(simulator.tokensIssued == 3)
            try await service.pollOnce()
            #expect(simulator.tokensIssued == 4)
        }
    }

    @Test("The cursor survives a restart, and a changed incident comes back once")
    func cursorAcrossRestart() async throws {
        let simulator = try Self.simulator(incidents: 3)
        try await withLoopbackServer(responder: simulator) { (url: URL) async throws in
            simulator.setBaseURL(url)
            let store = MemoryPollerStateStore()
            #expect(try await Self.service(url, store: store, sink: DraftSink()).pollOnce() == 3)
            let sink = DraftSink()
            let restarted = Self.service(url, store: store, sink: sink)
            #expect(try await restarted.pollOnce() == 0)
            let last = simulator.requests.last { $0.method == .get }
            #expect(last?.queryValue("$filter") == "properties/lastModifiedTimeUtc gt 2023-12-31T10:00:02.1234567Z")

            try simulator.upsert([try SentinelSimulator.corpusIncident(name: Self.name(1), lastModified: "2023-12-31T11:00:00Z")])
            #expect(try await restarted.pollOnce() == 1)
            #expect(sink.all.map(\.sourceRef) == [Self.name(1)])
            #expect(try await store.pollerState(named: "sentinel")?.cursor == "2023-12-31T11:00:00.0000000Z")
        }
    }

    @Test("A wrong client secret fails with a clear error that never holds the secret")
    func badSecret() async throws {
        let simulator = try Self.simulator(incidents: 1, secret: "the-real-secret-is-different")
        try await withLoopbackServer(responder: simulator) { (url: URL) async throws in
            simulator.setBaseURL(url)
            let store = MemoryPollerStateStore()
            let error = await expectRiposteError { try await Self.service(url, store: store, sink: DraftSink()).pollOnce() }
            #expect(error?.code == .unauthorized)
            #expect(error?.message.contains("invalid_client") == true)
            #expect(error?.message.contains("RIPOSTE_SENTINEL_CLIENT_SECRET") == true)
            #expect(error.map { "\($0) \(String(reflecting: $0))".contains(Self.secret) } == false)
            #expect(try await store.pollerState(named: "sentinel")?.lastError == error?.message)
        }
    }

    @Test("A 429 from ARM keeps its Retry-After")
    func rateLimited() async throws {
        let simulator = try Self.simulator(incidents: 1)
        simulator.faults.inject(
            .status(
                429, headers: [("Retry-After", "12")],
                body: #"{"error": {"code": "TooManyRequests", "message": "Rate limit exceeded."}}"#),
            whenPathContains: "/incidents")
        try await withLoopbackServer(responder: simulator) { (url: URL) async throws in
            simulator.setBaseURL(url)
            let error = await expectRiposteError {
                try await Self.service(url, store: MemoryPollerStateStore(), sink: DraftSink()).pollOnce()
            }
            #expect(error?.code == .unavailable)
            #expect(error?.retryAfterSeconds == 12)
            #expect(error?.message.contains("TooManyRequests") == true)
        }
    }

    @Test("Malformed JSON fails naming the byte, and nothing is delivered")
    func malformed() async throws {
        let simulator = try Self.simulator(incidents: 1)
        simulator.faults.inject(.malformedJSON(#"{"value": [{"name": "x""#), whenPathContains: "/incidents")
        try await withLoopbackServer(responder: simulator) { (url: URL) async throws in
            simulator.setBaseURL(url)
            let sink = DraftSink()
            let error = await expectRiposteError {
                try await Self.service(url, store: MemoryPollerStateStore(), sink: sink).pollOnce()
            }
            #expect(error?.code == .invalid)
            #expect(error?.message.contains("malformed JSON") == true)
            #expect(error?.message.contains("at byte 23") == true)  // the body is 23 bytes: it ends mid-object
            #expect(sink.all.isEmpty)
        }
    }

    @Test("A stalled entities answer fails at the call timeout, and nothing is delivered")
    func timeout() async throws {
        let simulator = try Self.simulator(incidents: 1)
        simulator.faults.inject(.stall(.seconds(60)), whenPathContains: "/entities")
        try await withLoopbackServer(responder: simulator) { (url: URL) async throws in
            simulator.setBaseURL(url)
            let sink = DraftSink()
            let started = ContinuousClock.now
            let service = Self.service(url, store: MemoryPollerStateStore(), sink: sink, timeout: .milliseconds(1500))
            let error = await expectRiposteError { try await service.pollOnce() }
            #expect(error?.code == .unavailable)
            #expect(error?.message.contains("timed out") == true)
            #expect(ContinuousClock.now - started < .seconds(30), "failed at the timeout, not when the 60-s stall ended")
            #expect(sink.all.isEmpty)
        }
    }

    @Test("A nextLink to another host is refused: the bearer token never leaves the management origin")
    func foreignNextLink() async throws {
        let simulator = try Self.simulator(incidents: 0)
        simulator.faults.inject(
            .status(200, body: #"{"value": [], "nextLink": "https://attacker.example/steal?$skipToken=1"}"#),
            whenPathContains: "/incidents")
        try await withLoopbackServer(responder: simulator) { (url: URL) async throws in
            simulator.setBaseURL(url)
            let error = await expectRiposteError {
                try await Self.service(url, store: MemoryPollerStateStore(), sink: DraftSink()).pollOnce()
            }
            #expect(error?.code == .invalid)
            #expect(error?.message.contains("nextLink") == true)
        }
    }

    @Test("Sentinel times normalise to seven fractional digits so text order is time order")
    func normalisedTimes() {
        #expect(SentinelIncidentPoller.normalisedTime("2019-01-01T13:15:30Z") == "2019-01-01T13:15:30.0000000Z")
        #expect(SentinelIncidentPoller.normalisedTime("2019-01-01T13:15:30.5Z") == "2019-01-01T13:15:30.5000000Z")
        #expect(SentinelIncidentPoller.normalisedTime("2020-07-20T18:21:53.6158361Z") == "2020-07-20T18:21:53.6158361Z")
        #expect(SentinelIncidentPoller.normalisedTime("2019-01-01T13:15:30+02:00") == nil)
        #expect(SentinelIncidentPoller.normalisedTime("2019-13-01T13:15:30Z") == nil)
        #expect(SentinelIncidentPoller.normalisedTime("2019-01-01T13:15:30.Z") == nil)
    }
}
