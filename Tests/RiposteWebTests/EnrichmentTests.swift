// Enrichment end to end: the Enricher over a real SQLite store and the vendor simulator on loopback
// (cache and TTL on an injected clock, token bucket, 429 back-off, one provider failing alone), and the
// running app: ingest → intel.match → enrich.observable → verdict, timeline reason and API.
import Foundation
import RiposteApp
import RiposteCore
import RiposteHTTP
import RiposteIntel
import RiposteRuntime
import RiposteTesting
import Synchronization
import Testing

@Suite("Enrichment")
struct EnrichmentTests {
    static let key = "sim-key-7d41aa"

    /// An advancing test clock.
    final class TestClock: Sendable {
        let time = Mutex(Date(timeIntervalSince1970: 1_733_300_000))
        var clock: WallClock { WallClock { [self] in time.withLock { $0 } } }
        func advance(_ seconds: Double) { time.withLock { $0 = $0.addingTimeInterval(seconds) } }
    }

    static func mmdb(_ name: String) -> String {
        let directory =
            ProcessInfo.processInfo.environment["RIPOSTE_MMDB_TESTDATA"]
            ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".build/testdata/mmdb").path
        return directory + "/" + name
    }

    /// A fresh store with `count` observables (IPv4 203.0.113.x) in one incident; returns the items.
    static func seededStore(_ count: Int, extra: [String] = []) async throws -> (any RiposteStore, [EnrichmentItem], String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("riposte-enrich-\(UUID().uuidString)")
        var configuration = AppConfiguration()
        configuration.dataDirectory = directory.path
        let store: any RiposteStore = try await Application.openStore(configuration, ids: ULIDGenerator())
        let drafts =
            (0..<count).map { ObservableDraft(type: .ipv4, normalizedValue: "203.0.113.\($0 + 1)") }
            + extra.map { ObservableDraft(type: .ipv4, normalizedValue: $0) }
        let alert = AlertDraft(
            source: "generic", sourceRef: "seed", title: "seed", severity: .medium, time: nil, observables: drafts, raw: [],
            parserVersion: 1)
        let ids = ULIDGenerator()
        let prepared = PreparedAlert(id: ids.next(), draft: alert, fingerprint: "fp")
        _ = try await store.ingest([prepared], policy: GroupingPolicy(), now: Date())
        let observables = try await store.observables(alert: prepared.id)
        let items = observables.map {
            EnrichmentItem(observableID: $0.id, key: EnrichmentKey(type: $0.type, value: $0.value))
        }
        return (store, items, directory.path)
    }

    private func endpoint(_ base: URL, _ header: String) -> ProviderEndpoint {
        ProviderEndpoint(baseURL: base, keyHeader: header, key: Secret(Self.key), http: URLSessionHTTPClient())
    }

    @Test("Answers are cached by value until their TTL; a stale answer is fetched again")
    func cacheAndTTL() async throws {
        let simulator = ReputationSimulator(key: Self.key)
        let (store, items, _) = try await Self.seededStore(0, extra: ["203.0.113.66", "198.51.100.9"])
        let time = TestClock()
        let metrics = Metrics()
        try await withLoopbackServer(responder: simulator) { base in
            let enricher = Enricher(
                providers: [
                    .init(
                        GreyNoiseProvider(endpoint: endpoint(base, "key"), clock: time.clock),
                        ProviderSettings(ttl: .seconds(3600)))
                ], store: store, clock: time.clock, metrics: metrics, logger: .disabled)
            let first = try await enricher.enrich(items)
            #expect(first.calls == 2)
            #expect(first.cacheHits == 0)
            #expect(first.raised == 1, "203.0.113.66 is malicious to GreyNoise")
            let records = try await store.enrichments(type: .ipv4, value: "198.51.100.9")
            #expect(records.map(\.status) == [.notFound], "a 404 (not seen) is cached too")

            time.advance(1800)
            let second = try await enricher.enrich(items)
            #expect(second.calls == 0)
            #expect(second.cacheHits == 2)
            #expect(simulator.requests.count == 2)
            #expect(metrics.value("riposte_enrichment_cache_hits_total", labels: [("provider", "greynoise")]) == 2)

            time.advance(1801)
            let third = try await enricher.enrich(items)
            #expect(third.calls == 2, "past the TTL the provider is asked again")
            #expect(simulator.requests.count == 4)
        }
        await store.close()
    }

    @Test("Private addresses are never sent to a third party; local providers still answer them")
    func privateAddressesStayInside() async throws {
        let simulator = ReputationSimulator(key: Self.key)
        let (store, items, _) = try await Self.seededStore(0, extra: ["10.1.2.3", "192.168.0.9", "203.0.113.66"])
        try await withLoopbackServer(responder: simulator) { base in
            let enricher = Enricher(
                providers: [.init(GreyNoiseProvider(endpoint: endpoint(base, "key")), ProviderSettings())], store: store,
                clock: .system, metrics: Metrics(), logger: .disabled)
            let run = try await enricher.enrich(items)
            #expect(run.calls == 1)
            #expect(simulator.requests.map(\.path) == ["/v3/community/203.0.113.66"])
            #expect(try await store.enrichments(type: .ipv4, value: "10.1.2.3").isEmpty)
        }
        await store.close()
    }

    @Test("The token bucket defers what it cannot grant, with the time the tokens come back")
    func tokenBucketDefers() async throws {
        let simulator = ReputationSimulator(key: Self.key)
        let (store, items, _) = try await Self.seededStore(5)
        let time = TestClock()
        try await withLoopbackServer(responder: simulator) { base in
            let enricher = Enricher(
                providers: [
                    .init(
                        VirusTotalProvider(endpoint: endpoint(base, "x-apikey"), clock: time.clock),
                        ProviderSettings(ratePerMinute: 2))
                ], store: store, clock: time.clock, metrics: Metrics(), logger: .disabled)
            let run = try await enricher.enrich(items)
            #expect(run.calls == 2)
            #expect(run.rateLimited == 3)
            let deferred = try #require(run.deferred.first)
            #expect(deferred.provider == "virustotal")
            #expect(deferred.items.count == 3)
            // 2 tokens (the burst) come back at 2/min: 60 s.
            #expect(deferred.notBefore == time.clock.now().addingTimeInterval(60))
            #expect(simulator.requests.count == 2)
        }
        await store.close()
    }

    @Test("A 429 stops that provider until Retry-After and defers its work; other providers and failures stay separate")
    func rateLimitAndFailureIsolation() async throws {
        let simulator = ReputationSimulator(key: Self.key)
        let (store, items, _) = try await Self.seededStore(3, extra: ["118.25.6.39"])
        let time = TestClock()
        let metrics = Metrics()
        simulator.faults.inject(.status(429, headers: [("Retry-After", "120")]), whenPathContains: "/api/v3/")
        try await withLoopbackServer(responder: simulator) { base in
            // OTX is given a wrong key: every lookup fails, and nothing else is affected.
            var badOTX = endpoint(base, "X-OTX-API-KEY")
            badOTX.key = Secret("not-the-key")
            let enricher = Enricher(
                providers: [
                    .init(
                        VirusTotalProvider(endpoint: endpoint(base, "x-apikey"), clock: time.clock),
                        ProviderSettings(concurrency: 1)),
                    .init(AbuseIPDBProvider(endpoint: endpoint(base, "Key"), clock: time.clock), ProviderSettings()),
                    .init(OTXProvider(endpoint: badOTX, clock: time.clock), ProviderSettings()),
                ], store: store, clock: time.clock, metrics: metrics, logger: .disabled)
            let run = try await enricher.enrich(items)
            let vt = try #require(run.deferred.first { $0.provider == "virustotal" })
            #expect(vt.items.count == 4, "the limited lookup and everything after it wait")
            #expect(vt.notBefore == time.clock.now().addingTimeInterval(120))
            #expect(run.errors == 4)
            #expect(metrics.value("riposte_enrichment_errors_total", labels: [("provider", "otx")]) == 4)
            #expect(metrics.value("riposte_enrichment_rate_limited_total", labels: [("provider", "virustotal")]) == 4)
            let abuse = try await store.enrichments(type: .ipv4, value: "118.25.6.39")
            #expect(abuse.map(\.provider) == ["abuseipdb"])
            #expect(run.raised == 1, "AbuseIPDB's score of 100 raised 118.25.6.39")

            // Within the back-off nothing is sent to VirusTotal; after it, the work goes through.
            let vtRequests = simulator.requests.filter { $0.path.hasPrefix("/api/v3/") }.count
            time.advance(60)
            let during = try await enricher.enrich(vt.items, only: ["virustotal"])
            #expect(during.calls == 0)
            #expect(simulator.requests.filter { $0.path.hasPrefix("/api/v3/") }.count == vtRequests)
            time.advance(61)
            let after = try await enricher.enrich(vt.items, only: ["virustotal"])
            #expect(after.calls == 4)
            #expect(after.deferred.isEmpty)
        }
        await store.close()
    }

    @Test("A value named by TLP:RED intel is never sent to a reputation service; local GeoIP still answers")
    func tlpRedStaysInside() async throws {
        let simulator = ReputationSimulator(key: Self.key)
        try await withLoopbackServer(responder: simulator) { base in
            let environment = [
                "RIPOSTE_ENRICH_PROVIDERS": "virustotal,geoip", "RIPOSTE_VT_API_KEY": Self.key,
                "RIPOSTE_VT_BASE_URL": base.absoluteString, "RIPOSTE_GEOIP_CITY_DB": Self.mmdb("GeoIP2-City-Test.mmdb"),
            ]
            try await TestServer.with(environment: environment) { server in
                let bundle: [String: Any] = [
                    "type": "bundle", "id": "bundle--3c5b8a1e-1f0e-4a55-9f5e-0d2f4b7c9a10",
                    "objects": [
                        [
                            "type": "indicator", "spec_version": "2.1", "id": "indicator--9d0f3c2a-5b7e-4e1f-8a6d-1c2b3a4d5e6f",
                            "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
                            "pattern": "[ipv4-addr:value = '203.0.113.66']", "pattern_type": "stix",
                            "valid_from": "2026-01-01T00:00:00.000Z",
                            "object_marking_refs": ["marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"],
                        ]
                    ],
                ]
                let imported = try await server.request(
                    "POST", "/api/v1/indicators?format=stix&feed=partner", body: jsonBody(bundle), role: .analyst)
                #expect(imported.status == 200, "\(imported.text)")
                let alert: [String: Any] = [
                    "title": "Beacon", "source_ref": "tlp-red-1", "src_ip": "81.2.69.142", "dst_ip": "203.0.113.66",
                ]
                let posted = try await server.request("POST", "/api/v1/alerts?source=generic", body: jsonBody(alert))
                let incident = try #require(posted.json.array("alerts").first?.string("incident_id"))
                var observables: [[String: Any]] = []
                func providers(_ value: String) -> [String] {
                    ((observables.first { $0.string("value") == value }?["enrichment"] as? [String: Any])?.keys.sorted()) ?? []
                }
                let done = try await server.eventually(seconds: 60) {
                    observables = try await server.request("GET", "/api/v1/incidents/\(incident)").json.array("observables")
                    return providers("81.2.69.142") == ["geoip", "virustotal"] && providers("203.0.113.66") == ["geoip"]
                }
                #expect(done, "\(observables)")
                #expect(!simulator.requests.contains { $0.path.contains("203.0.113.66") }, "\(simulator.requests.map(\.path))")
                #expect(simulator.requests.contains { $0.path.contains("81.2.69.142") })
            }
        }
    }

    @Test("Ingested alerts are enriched by the running app: verdict, timeline reason, incident JSON, lookup API, cache")
    func endToEnd() async throws {
        let simulator = ReputationSimulator(key: Self.key)
        try await withLoopbackServer(responder: simulator) { base in
            let environment = [
                "RIPOSTE_ENRICH_PROVIDERS": "virustotal,greynoise,abuseipdb,geoip",
                "RIPOSTE_VT_API_KEY": Self.key, "RIPOSTE_VT_BASE_URL": base.absoluteString,
                "RIPOSTE_GREYNOISE_API_KEY": Self.key, "RIPOSTE_GREYNOISE_BASE_URL": base.absoluteString,
                "RIPOSTE_ABUSEIPDB_API_KEY": Self.key, "RIPOSTE_ABUSEIPDB_BASE_URL": base.absoluteString,
                "RIPOSTE_GEOIP_CITY_DB": Self.mmdb("GeoIP2-City-Test.mmdb"),
                "RIPOSTE_GEOIP_ASN_DB": Self.mmdb("GeoLite2-ASN-Test.mmdb"),
            ]
            try await TestServer.with(environment: environment) { server in
                let alert: [String: Any] = [
                    "title": "Outbound to scanner", "source_ref": "e2e-1", "rule": ["uid": "r-1"], "severity": "medium",
                    "src_ip": "81.2.69.142", "dst_ip": "203.0.113.66",
                ]
                let posted = try await server.request("POST", "/api/v1/alerts?source=generic", body: jsonBody(alert))
                #expect(posted.status == 202)
                let incident = try #require(posted.json.array("alerts").first?.string("incident_id"))

                var observables: [[String: Any]] = []
                let enriched = try await server.eventually(seconds: 60) {
                    observables = try await server.request("GET", "/api/v1/incidents/\(incident)").json.array("observables")
                    let scanner = observables.first { $0.string("value") == "203.0.113.66" }
                    let london = observables.first { $0.string("value") == "81.2.69.142" }
                    let scannerProviders = (scanner?["enrichment"] as? [String: Any])?.keys.sorted() ?? []
                    // GeoIP's test file has no 203.0.113.66: a cached not_found answer, shown as such.
                    return scannerProviders == ["abuseipdb", "geoip", "greynoise", "virustotal"]
                        && (london?["enrichment"] as? [String: Any])?["geoip"] != nil
                        && scanner?.string("verdict") == "malicious"
                }
                #expect(enriched, "\(observables)")
                let scanner = try #require(observables.first { $0.string("value") == "203.0.113.66" })
                let vt = try #require((scanner["enrichment"] as? [String: Any])?["virustotal"] as? [String: Any])
                #expect(vt.string("verdict") == "malicious")
                #expect(((vt["summary"] as? [String: Any])?["malicious"] as? Int) == 9)
                let london = try #require(observables.first { $0.string("value") == "81.2.69.142" })
                let geo = try #require((london["enrichment"] as? [String: Any])?["geoip"] as? [String: Any])
                #expect((geo["summary"] as? [String: Any])?["city"] as? String == "London")

                let timeline = try await server.request("GET", "/api/v1/incidents/\(incident)/timeline").json.array("items")
                let events = timeline.filter { $0.string("kind") == "enrichment.completed" }
                #expect(events.count == 1, "one event for the observable whose verdict changed")
                let message = events.first?.string("message") ?? ""
                #expect(message.hasPrefix("ipv4 203.0.113.66 is malicious: "))
                #expect(!timeline.contains { ($0.string("message") ?? "").contains(Self.key) })

                let lookup = try await server.request("GET", "/api/v1/enrichment?type=ipv4&value=203.0.113.66", role: .viewer)
                #expect(lookup.status == 200)
                let answers = try #require(lookup.json["enrichment"] as? [String: Any])
                #expect(answers.keys.sorted() == ["abuseipdb", "geoip", "greynoise", "virustotal"])
                #expect((answers["geoip"] as? [String: Any])?.string("status") == "not_found")
                let bad = try await server.request("GET", "/api/v1/enrichment?type=ipv4&value=nope", role: .viewer)
                #expect(bad.status == 400)
                #expect(try await server.request("GET", "/api/v1/enrichment?type=ipv4&value=1.2.3.4", role: nil).status == 401)

                // The same address in another incident: answered from the cache, verdict raised there too.
                let sent = simulator.requests.count
                let again: [String: Any] = [
                    "title": "Another", "source_ref": "e2e-2", "rule": ["uid": "r-2"], "severity": "low",
                    "src_ip": "203.0.113.66",
                ]
                let second = try await server.request("POST", "/api/v1/alerts?source=generic", body: jsonBody(again))
                let other = try #require(second.json.array("alerts").first?.string("incident_id"))
                #expect(other != incident)
                let raised = try await server.eventually(seconds: 60) {
                    let list = try await server.request("GET", "/api/v1/incidents/\(other)").json.array("observables")
                    return list.first { $0.string("value") == "203.0.113.66" }?.string("verdict") == "malicious"
                }
                #expect(raised)
                #expect(simulator.requests.count == sent, "no vendor was asked again")
                let metrics = try await server.request("GET", "/metrics", role: .viewer).text
                #expect(metrics.contains(#"riposte_enrichment_cache_hits_total{provider="virustotal"} 1"#))
            }
        }
    }
}

@Suite("Enrichment configuration")
struct EnrichmentConfigurationTests {
    private func configuration(_ values: [String: String], process: [String: String] = [:]) throws -> EnrichmentConfiguration {
        try AppConfiguration(flags: values, environment: Environment(process), configFile: nil).enrichment
    }

    @Test("By default only DNS (and GeoIP when a database is set) run; nothing that sends data outside")
    func defaults() throws {
        #expect(try configuration([:]).providers.map(\.name) == ["dns"])
        #expect(try configuration(["RIPOSTE_GEOIP_ASN_DB": "/x.mmdb"]).providers.map(\.name) == ["dns", "geoip"])
        // A key alone does not turn a reputation service on.
        #expect(try configuration(["RIPOSTE_VT_API_KEY": "k"]).providers.map(\.name) == ["dns"])
        #expect(try configuration(["RIPOSTE_ENRICH_PROVIDERS": "none"]).providers.isEmpty)
    }

    @Test("Listed providers take their key (value, env: or file:), rate, timeout, TTL and base URL")
    func listed() throws {
        let keyFile = FileManager.default.temporaryDirectory.appendingPathComponent("riposte-otx-\(UUID().uuidString)")
        try Data("otx-secret\n".utf8).write(to: keyFile)
        defer { try? FileManager.default.removeItem(at: keyFile) }
        let parsed = try configuration(
            [
                "RIPOSTE_ENRICH_PROVIDERS": "virustotal, otx,rdap", "RIPOSTE_VT_API_KEY": "env:MY_VT_KEY",
                "RIPOSTE_VT_RATE_PER_MIN": "2", "RIPOSTE_VT_TIMEOUT": "7", "RIPOSTE_VT_TTL": "600",
                "RIPOSTE_VT_BASE_URL": "http://127.0.0.1:9999", "RIPOSTE_OTX_API_KEY": "file:" + keyFile.path,
                "RIPOSTE_RDAP_RATE_PER_MIN": "0",
            ], process: ["MY_VT_KEY": "vt-secret"])
        #expect(parsed.providers.map(\.name) == ["virustotal", "otx", "rdap"])
        let vt = try #require(parsed.providers.first)
        #expect(vt.key?.value == "vt-secret")
        #expect(vt.settings.ratePerMinute == 2)
        #expect(vt.settings.timeout == .seconds(7))
        #expect(vt.settings.ttl == .seconds(600))
        #expect(vt.baseURL?.absoluteString == "http://127.0.0.1:9999")
        #expect(parsed.providers[1].key?.value == "otx-secret")
        #expect(parsed.providers[1].baseURL?.absoluteString == "https://otx.alienvault.com")
        #expect(parsed.providers[2].settings.ratePerMinute == nil)
        #expect(parsed.providers[2].key == nil)
    }

    @Test("Unusable settings are refused naming the key, never a key's value")
    func refused() throws {
        let cases: [[String: String]] = [
            ["RIPOSTE_ENRICH_PROVIDERS": "shodan"],
            ["RIPOSTE_ENRICH_PROVIDERS": "virustotal"],
            ["RIPOSTE_ENRICH_PROVIDERS": "geoip"],
            ["RIPOSTE_ENRICH_PROVIDERS": "greynoise", "RIPOSTE_GREYNOISE_API_KEY": "env:UNSET_VAR"],
            [
                "RIPOSTE_ENRICH_PROVIDERS": "abuseipdb", "RIPOSTE_ABUSEIPDB_API_KEY": "secret-value-1",
                "RIPOSTE_ABUSEIPDB_BASE_URL": "http://abuse.example",
            ],
            ["RIPOSTE_DNS_TIMEOUT": "0"],
        ]
        for values in cases {
            do {
                _ = try configuration(values)
                Issue.record("accepted \(values)")
            } catch let error as RiposteError {
                #expect(error.code == .invalid)
                #expect(!error.message.contains("secret-value-1"))
            }
        }
    }
}

@Suite("Enrichment rescheduling")
struct EnrichmentReschedulingTests {
    @Test("Work the token bucket cannot grant is re-enqueued for one provider, due when the tokens return")
    func rescheduled() async throws {
        let simulator = ReputationSimulator(key: EnrichmentTests.key)
        try await withLoopbackServer(responder: simulator) { base in
            let environment = [
                "RIPOSTE_ENRICH_PROVIDERS": "virustotal", "RIPOSTE_VT_API_KEY": EnrichmentTests.key,
                "RIPOSTE_VT_BASE_URL": base.absoluteString, "RIPOSTE_VT_RATE_PER_MIN": "1",
            ]
            try await TestServer.with(environment: environment) { server in
                let alert: [String: Any] = [
                    "title": "three addresses", "source_ref": "r-1", "rule": ["uid": "r"], "severity": "low",
                    "src_ip": "198.51.100.1", "dst_ip": "198.51.100.2",
                    "observables": [["type": "ipv4", "value": "198.51.100.3"]],
                ]
                let started = Date()
                #expect(try await server.request("POST", "/api/v1/alerts?source=generic", body: jsonBody(alert)).status == 202)
                let requeued = try await server.eventually(seconds: 60) {
                    // The first job is done (completed after its deferred share was enqueued).
                    let done = server.app.metrics.value(
                        "riposte_jobs_completed_total", labels: [("kind", JobKinds.enrichObservable)])
                    let pending = try await server.app.store.pendingJobCount()
                    return done == 1 && pending == 1
                }
                #expect(requeued)
                // Claim the waiting job as a worker far in the future would, to read it.
                let jobs = try await server.app.store.claim(
                    kinds: [JobKinds.enrichObservable], limit: 10, now: started.addingTimeInterval(3600), lease: .seconds(60))
                let job = try #require(jobs.first)
                #expect(job.payload["providers"] == .array([.string("virustotal")]))
                #expect(job.payload["observables"]?.arrayValue?.count == 2, "three addresses, one token")
                #expect(job.runAt > started.addingTimeInterval(30), "due when a token is back (60 s per token)")
                #expect(job.attempts == 0)
                #expect(simulator.requests.count == 1, "one call per token")
            }
        }
    }
}
