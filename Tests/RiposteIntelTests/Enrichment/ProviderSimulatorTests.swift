// Each web provider over real loopback HTTP (URLSessionHTTPClient) against the vendor simulator:
// documented paths and key headers, 404 as not found, 401 as a failure that names no key, 429 with
// Retry-After as a rate limit.
import Foundation
import RiposteCore
import RiposteHTTP
import RiposteIntel
import RiposteRuntime
import RiposteTesting
import Testing

@Suite("Enrichment providers against the vendor simulator")
struct ProviderSimulatorTests {
    static let key = "sim-key-5f2b9c"
    static let timeout: Duration = .seconds(30)

    private func endpoint(_ base: URL, header: String?, key: String = ProviderSimulatorTests.key) -> ProviderEndpoint {
        ProviderEndpoint(baseURL: base, keyHeader: header, key: Secret(key), http: URLSessionHTTPClient())
    }

    private func ip(_ value: String) -> EnrichmentKey { EnrichmentKey(type: .ipv4, value: value) }

    @Test("VirusTotal: x-apikey, ip/domain/url paths, 404 unknown, 401 wrong key, 429 with Retry-After")
    func virusTotal() async throws {
        let simulator = ReputationSimulator(key: Self.key)
        let url = "http://evil.example/path?q=1"
        simulator.setVirusTotal(
            "urls/" + VirusTotalProvider.urlIdentifier(url),
            #"{"data":{"id":"x","type":"url","attributes":{"last_analysis_stats":{"harmless":1,"malicious":5,"suspicious":0,"undetected":0,"timeout":0}}}}"#
        )
        try await withLoopbackServer(responder: simulator) { base in
            let provider = VirusTotalProvider(endpoint: endpoint(base, header: "x-apikey"))
            let found = try await provider.lookup(ip("203.0.113.66"), timeout: Self.timeout)
            #expect(found.verdict == .malicious)
            #expect(found.summary["malicious"]?.numberValue == 9)
            let domain = try await provider.lookup(EnrichmentKey(type: .domain, value: "evil.example"), timeout: Self.timeout)
            #expect(domain.verdict == .suspicious)
            let byURL = try await provider.lookup(EnrichmentKey(type: .url, value: url), timeout: Self.timeout)
            #expect(byURL.verdict == .malicious)
            let unknown = try await provider.lookup(ip("198.51.100.1"), timeout: Self.timeout)
            #expect(unknown == .notFound)
            #expect(simulator.requests.allSatisfy { $0.headers["x-apikey"] == Self.key })

            let wrong = VirusTotalProvider(endpoint: endpoint(base, header: "x-apikey", key: "wrong-key-value"))
            do {
                _ = try await wrong.lookup(ip("203.0.113.66"), timeout: Self.timeout)
                Issue.record("a refused key must fail")
            } catch let error as RiposteError {
                #expect(error.message.contains("401"))
                #expect(!String(describing: error).contains("wrong-key-value"))
            }

            simulator.faults.inject(
                .status(429, headers: [("Retry-After", "42")], body: #"{"error":{"code":"QuotaExceededError"}}"#),
                whenPathContains: "/api/v3/")
            await #expect(throws: EnrichmentRateLimited(retryAfter: .seconds(42))) {
                try await provider.lookup(ip("203.0.113.66"), timeout: Self.timeout)
            }
        }
    }

    @Test("AbuseIPDB: /api/v2/check with ipAddress, maxAgeInDays=90, Key and Accept headers")
    func abuseIPDB() async throws {
        let simulator = ReputationSimulator(key: Self.key)
        try await withLoopbackServer(responder: simulator) { base in
            let provider = AbuseIPDBProvider(endpoint: endpoint(base, header: "Key"))
            let answer = try await provider.lookup(ip("118.25.6.39"), timeout: Self.timeout)
            #expect(answer.verdict == .malicious)
            #expect(answer.summary["abuse_confidence_score"]?.numberValue == 100)
            let v6 = try await provider.lookup(EnrichmentKey(type: .ipv6, value: "2001:db8::5"), timeout: Self.timeout)
            #expect(v6.status == .found)
            #expect(v6.verdict == nil)
            let request = try #require(simulator.requests.first)
            #expect(request.queryValue("ipAddress") == "118.25.6.39")
            #expect(request.queryValue("maxAgeInDays") == "90")
            #expect(request.headers["Accept"] == "application/json")
            #expect(simulator.requests.last?.queryValue("ipAddress") == "2001:db8::5")

            let wrong = AbuseIPDBProvider(endpoint: endpoint(base, header: "Key", key: "nope-nope-nope"))
            await #expect(throws: RiposteError.self) { try await wrong.lookup(ip("118.25.6.39"), timeout: Self.timeout) }
            simulator.faults.inject(.status(429, headers: [("Retry-After", "5")]), whenPathContains: "/check")
            await #expect(throws: EnrichmentRateLimited(retryAfter: .seconds(5))) {
                try await provider.lookup(ip("118.25.6.39"), timeout: Self.timeout)
            }
        }
    }

    @Test("OTX: the indicator section per type, X-OTX-API-KEY, pulse counts")
    func otx() async throws {
        let simulator = ReputationSimulator(key: Self.key)
        try await withLoopbackServer(responder: simulator) { base in
            let provider = OTXProvider(endpoint: endpoint(base, header: "X-OTX-API-KEY"))
            let answer = try await provider.lookup(ip("203.0.113.66"), timeout: Self.timeout)
            #expect(answer.verdict == .suspicious)
            let unknown = try await provider.lookup(
                EnrichmentKey(type: .sha256, value: String(repeating: "a", count: 64)), timeout: Self.timeout)
            #expect(unknown.summary["pulse_count"]?.numberValue == 0)
            #expect(unknown.verdict == nil)
            #expect(simulator.requests.last?.path == "/api/v1/indicators/file/\(String(repeating: "a", count: 64))/general")
            let url = try await provider.lookup(EnrichmentKey(type: .url, value: "http://x.example/a"), timeout: Self.timeout)
            #expect(url.status == .found)
            let wrong = OTXProvider(endpoint: endpoint(base, header: "X-OTX-API-KEY", key: "bad-otx-key"))
            await #expect(throws: RiposteError.self) { try await wrong.lookup(ip("203.0.113.66"), timeout: Self.timeout) }
        }
    }

    @Test("GreyNoise: /v3/community/{ip} with key; 404 is not seen; 429 rate limits")
    func greyNoise() async throws {
        let simulator = ReputationSimulator(key: Self.key)
        try await withLoopbackServer(responder: simulator) { base in
            let provider = GreyNoiseProvider(endpoint: endpoint(base, header: "key"))
            let malicious = try await provider.lookup(ip("203.0.113.66"), timeout: Self.timeout)
            #expect(malicious.verdict == .malicious)
            let riot = try await provider.lookup(ip("1.2.3.4"), timeout: Self.timeout)
            #expect(riot.summary["riot"] == .bool(true))
            let unseen = try await provider.lookup(ip("198.51.100.200"), timeout: Self.timeout)
            #expect(unseen == .notFound)
            #expect(simulator.requests.allSatisfy { $0.headers["key"] == Self.key })
            simulator.faults.inject(.status(429, headers: [("Retry-After", "60")]), whenPathContains: "/v3/community/")
            await #expect(throws: EnrichmentRateLimited(retryAfter: .seconds(60))) {
                try await provider.lookup(ip("203.0.113.66"), timeout: Self.timeout)
            }
        }
    }

    @Test("RDAP: /domain and /ip objects, 404 unknown, no key sent")
    func rdap() async throws {
        let simulator = ReputationSimulator(key: Self.key)
        try await withLoopbackServer(responder: simulator) { base in
            let provider = RDAPProvider(endpoint: ProviderEndpoint(baseURL: base, http: URLSessionHTTPClient()))
            let domain = try await provider.lookup(EnrichmentKey(type: .domain, value: "example.com"), timeout: Self.timeout)
            #expect(domain.summary["registrar"]?.stringValue == "RESERVED-Internet Assigned Numbers Authority")
            let network = try await provider.lookup(ip("203.0.113.66"), timeout: Self.timeout)
            #expect(network.summary["name"]?.stringValue == "TEST-NET-3")
            let unknown = try await provider.lookup(EnrichmentKey(type: .domain, value: "unknown.example"), timeout: Self.timeout)
            #expect(unknown == .notFound)
            #expect(simulator.requests.first?.headers["Accept"]?.contains("application/rdap+json") == true)
        }
    }

    @Test("A stalled vendor fails the lookup within its timeout")
    func timeout() async throws {
        let simulator = ReputationSimulator(key: Self.key)
        // Generous on a loaded machine: the answer would come after 180 s, the lookup must give up long before.
        simulator.faults.inject(.stall(.seconds(180)), whenPathContains: "/v3/community/")
        try await withLoopbackServer(responder: simulator) { base in
            let provider = GreyNoiseProvider(endpoint: endpoint(base, header: "key"))
            let started = ContinuousClock.now
            await #expect(throws: RiposteError.self) { try await provider.lookup(ip("203.0.113.66"), timeout: .seconds(1)) }
            #expect(ContinuousClock.now - started < .seconds(90))
        }
    }
}
