// VerdictPolicy: intel hits to a verdict (confidence × source reliability), as one table, with its explanation.
import FoundationEssentials
import RiposteCore
import Testing

@Suite("VerdictPolicy")
struct VerdictPolicyTests {
    static func hit(_ match: IntelMatchKind, _ confidence: Int?, _ reliability: SourceReliability? = .a) -> IntelHit {
        IntelHit(
            feed: "feed", indicator: "x", match: match, firstSeen: Date(timeIntervalSince1970: 0), confidence: confidence,
            reliability: reliability)
    }

    @Test(
        "Hits become verdicts",
        arguments: [
            ("no hits", [], Verdict.unknown),
            ("exact, no confidence stated, reliability A", [hit(.exact, nil)], .malicious),
            ("exact at the threshold, A", [hit(.exact, 50)], .malicious),
            ("exact below the threshold, A", [hit(.exact, 49)], .suspicious),
            ("cidr, high confidence, A", [hit(.cidr, 80)], .malicious),
            ("cidr, low confidence, A", [hit(.cidr, 0)], .suspicious),
            ("parent domain, full confidence", [hit(.parentDomain, 100)], .suspicious),
            ("parent domain, none stated", [hit(.parentDomain, nil)], .suspicious),
            ("a weak hit then a strong one", [hit(.parentDomain, nil), hit(.exact, 90)], .malicious),
            ("two weak exact hits", [hit(.exact, 10), hit(.cidr, 20)], .suspicious),
            ("blocklist without confidence, reliability not stated (as F: 0.75)", [hit(.exact, nil, nil)], .malicious),
            ("confidence 60 from an unreliable source (E: 0.25 → 15)", [hit(.exact, 60, .e)], .suspicious),
            ("confidence 60 from a usually reliable source (B: 0.9 → 54)", [hit(.exact, 60, .b)], .malicious),
            ("confidence 60, not usually reliable (D: 0.5 → 30)", [hit(.exact, 60, .d)], .suspicious),
            ("unreliable and reliable together: the best hit decides", [hit(.exact, 100, .e), hit(.exact, 70, .a)], .malicious),
        ] as [(String, [IntelHit], Verdict)]
    )
    func table(_ name: String, _ hits: [IntelHit], _ expected: Verdict) {
        #expect(VerdictPolicy.verdict(for: hits) == expected, "\(name)")
    }

    @Test("The explanation names the deciding hit, its feed, confidence, reliability and score")
    func explanation() {
        let hits = [
            IntelHit(
                feed: "weak", indicator: "198.51.100.0/24", match: .cidr, firstSeen: .distantPast, confidence: 90, reliability: .e
            ),
            IntelHit(feed: "feodo", indicator: "198.51.100.7", match: .exact, firstSeen: .distantPast, reliability: .b),
        ]
        let explained = VerdictPolicy.explain(hits)
        #expect(explained.verdict == .malicious)
        #expect(
            explained.reason == "exact match of 198.51.100.7 in feed feodo (no confidence stated, reliability B) scores 90 ≥ 50")
        #expect(VerdictPolicy.explain([]).reason == "no intel hit")
    }

    @Test("The explanation carries the deciding hit's TLP; an observable is as restricted as its most restricted hit")
    func tlp() {
        let green = IntelHit(
            feed: "isac", indicator: "evil.example", match: .exact, firstSeen: .distantPast, confidence: 80, reliability: .a,
            tlp: .green)
        let red = IntelHit(
            feed: "partner", indicator: "example", match: .parentDomain, firstSeen: .distantPast, tlp: .red)
        #expect(
            VerdictPolicy.explain([green, red]).reason
                == "exact match of evil.example in feed isac (confidence 80, reliability A, TLP:GREEN) scores 80 ≥ 50")
        let observable = Observable(
            id: ObservableID(rawValue: "obs_1"), incidentID: IncidentID(rawValue: "inc_1"), type: .domain,
            value: "evil.example", verdict: .malicious, intel: [green, red], firstSeen: .distantPast)
        #expect(observable.tlp == .red)
        #expect(
            Observable(
                id: ObservableID(rawValue: "obs_2"), incidentID: IncidentID(rawValue: "inc_1"), type: .domain,
                value: "quiet.example", verdict: .unknown, intel: [], firstSeen: .distantPast
            ).tlp == nil)
    }

    @Test("Verdicts order from unknown to malicious; weights fall with reliability")
    func ordering() {
        #expect(Verdict.unknown < .suspicious && Verdict.suspicious < .malicious)
        #expect(VerdictPolicy.maliciousScore == 50)
        let weights = [SourceReliability.a, .b, .c, .d, .e].map(VerdictPolicy.weight)
        #expect(weights == weights.sorted(by: >))
    }
}
