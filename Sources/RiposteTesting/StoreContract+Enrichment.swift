// The contract of the enrichment result store and of claiming jobs by kind.
import FoundationEssentials
import RiposteCore
import Testing

extension StoreContract {
    /// Answers are keyed by (type, value, provider) and replaced; verdicts only go up, and each raise
    /// writes one `enrichment.completed` event with the reason; unknown observables are not found.
    public func enrichmentResultsAreSharedAndRaiseVerdicts() async throws {
        try await withStore { store in
            let first = fixtures.alert(ref: "e1", fingerprint: "fp-a", observables: [F.ip("203.0.113.66")])
            let second = fixtures.alert(ref: "e2", fingerprint: "fp-b", observables: [F.ip("203.0.113.66")])
            let incidentA = try await fixtures.ingest(store, first, now: F.t0).incident
            let incidentB = try await fixtures.ingest(store, second, now: F.t0).incident
            #expect(incidentA != incidentB)
            let a = try #require(try await store.observables(alert: first.id).first)
            let b = try #require(try await store.observables(alert: second.id).first)
            let key = EnrichmentKey(type: .ipv4, value: "203.0.113.66")

            #expect(try await store.enrichments(type: .ipv4, value: "203.0.113.66").isEmpty)
            #expect(try await store.saveEnrichments([], verdicts: [], now: F.t0) == 0)
            let geo = EnrichmentRecord(
                provider: "geoip", key: key, status: .found, summary: .object([("country", .string("NL"))]),
                fetchedAt: F.at(1), expiresAt: F.at(3601))
            let vt = EnrichmentRecord(
                provider: "virustotal", key: key, status: .found,
                summary: .object([("malicious", .number(9)), ("nested", .object([("a", .array([.bool(true), .null]))]))]),
                verdict: .malicious, reason: "VirusTotal: 9 of 94 engines flag it malicious", fetchedAt: F.at(1),
                expiresAt: F.at(86_401))
            let raised = try await store.saveEnrichments(
                [vt, geo],
                verdicts: [
                    EnrichmentVerdictUpdate(observableID: a.id, provider: "virustotal", verdict: .malicious, reason: vt.reason!),
                    EnrichmentVerdictUpdate(
                        observableID: a.id, provider: "otx", verdict: .suspicious, reason: "OTX: in 2 pulses"),
                ], now: F.at(2))
            #expect(raised == 1)
            let stored = try await store.enrichments(type: .ipv4, value: "203.0.113.66")
            #expect(stored == [geo, vt], "ordered by provider, every field kept")
            #expect(!vt.isFresh(at: F.at(86_401)) && vt.isFresh(at: F.at(86_400)))

            // Shared by value: the other incident's observable sees the same answers.
            let byKey = try await store.enrichments(keys: [key, key, EnrichmentKey(type: .domain, value: "none.example")])
            #expect(byKey.count == 1)
            #expect(byKey[key]?.map(\.provider) == ["geoip", "virustotal"])

            var observables = try await store.observables(incident: incidentA)
            #expect(observables.first?.verdict == .malicious)
            #expect(try await store.observables(incident: incidentB).first?.verdict == .unknown)
            let events = try await store.timeline(incident: incidentA).filter { $0.kind == "enrichment.completed" }
            #expect(events.count == 1)
            #expect(events.first?.message == "ipv4 203.0.113.66 is malicious: VirusTotal: 9 of 94 engines flag it malicious")
            #expect(events.first?.details["provider"]?.stringValue == "virustotal")
            #expect(events.first?.details["previous_verdict"]?.stringValue == "unknown")
            #expect(events.first?.details["contributions"]?.arrayValue?.count == 2)

            // Replacing an answer; a lower or equal verdict changes nothing and writes no event.
            let gone = EnrichmentRecord(
                provider: "geoip", key: key, status: .notFound, summary: .object([]), fetchedAt: F.at(10), expiresAt: F.at(20))
            #expect(
                try await store.saveEnrichments(
                    [gone],
                    verdicts: [
                        EnrichmentVerdictUpdate(observableID: a.id, provider: "otx", verdict: .suspicious, reason: "OTX"),
                        EnrichmentVerdictUpdate(observableID: b.id, provider: "otx", verdict: .suspicious, reason: "OTX: 2"),
                    ], now: F.at(11)) == 1)
            #expect(try await store.enrichments(type: .ipv4, value: "203.0.113.66").first == gone)
            observables = try await store.observables(incident: incidentA)
            #expect(observables.first?.verdict == .malicious, "verdicts never go down")
            #expect(try await store.timeline(incident: incidentA).filter { $0.kind == "enrichment.completed" }.count == 1)
            #expect(try await store.observables(incident: incidentB).first?.verdict == .suspicious)

            await #expect(throws: RiposteError.self) {
                try await store.saveEnrichments(
                    [],
                    verdicts: [
                        EnrichmentVerdictUpdate(
                            observableID: ObservableID(rawValue: "obs_missing"), provider: "x", verdict: .malicious, reason: "r")
                    ],
                    now: F.at(12))
            }
            let tooMany = (0...1000).map { EnrichmentKey(type: .ipv4, value: "10.0.\($0 / 256).\($0 % 256)") }
            await #expect(throws: RiposteError.self) { try await store.enrichments(keys: tooMany) }
        }
    }

    /// Claiming by kind takes only those kinds, oldest first, with the same leases.
    public func jobsAreClaimedByKind() async throws {
        try await withStore { store in
            let match = Job(id: fixtures.ids.next(), kind: "a.kind", payload: .object([]), runAt: F.t0)
            let enrich = Job(id: fixtures.ids.next(), kind: "b.kind", payload: .object([]), runAt: F.t0)
            let later = Job(id: fixtures.ids.next(), kind: "b.kind", payload: .object([]), runAt: F.at(5))
            try await store.enqueue([later, enrich, match])
            #expect(try await store.claim(kinds: [], limit: 10, now: F.at(10), lease: .seconds(60)).isEmpty)
            #expect(try await store.claim(kinds: ["c.kind"], limit: 10, now: F.at(10), lease: .seconds(60)).isEmpty)
            let claimed = try await store.claim(kinds: ["b.kind"], limit: 10, now: F.at(10), lease: .seconds(60))
            #expect(claimed.map(\.id) == [enrich.id, later.id])
            #expect(try await store.claim(kinds: ["b.kind"], limit: 10, now: F.at(20), lease: .seconds(60)).isEmpty)
            #expect(
                try await store.claim(kinds: ["a.kind", "b.kind"], limit: 10, now: F.at(20), lease: .seconds(60)).map(\.id) == [
                    match.id
                ])
            #expect(try await store.claim(kinds: ["b.kind"], limit: 1, now: F.at(71), lease: .seconds(60)).map(\.attempts) == [1])
        }
    }
}
