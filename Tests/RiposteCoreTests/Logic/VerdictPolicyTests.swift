// VerdictPolicy: intel hits to a verdict, as one table.
import FoundationEssentials
import RiposteCore
import Testing

@Suite("VerdictPolicy")
struct VerdictPolicyTests {
    static func hit(_ match: IntelMatchKind, _ confidence: Int?) -> IntelHit {
        IntelHit(
            feed: "feed", indicator: "x", match: match, firstSeen: Date(timeIntervalSince1970: 0), confidence: confidence)
    }

    @Test(
        "Hits become verdicts",
        arguments: [
            ("no hits", [], Verdict.unknown),
            ("exact, no confidence stated", [hit(.exact, nil)], .malicious),
            ("exact at the threshold", [hit(.exact, 50)], .malicious),
            ("exact below the threshold", [hit(.exact, 49)], .suspicious),
            ("cidr, high confidence", [hit(.cidr, 80)], .malicious),
            ("cidr, low confidence", [hit(.cidr, 0)], .suspicious),
            ("parent domain, full confidence", [hit(.parentDomain, 100)], .suspicious),
            ("parent domain, none stated", [hit(.parentDomain, nil)], .suspicious),
            ("a weak hit then a strong one", [hit(.parentDomain, nil), hit(.exact, 90)], .malicious),
            ("two weak exact hits", [hit(.exact, 10), hit(.cidr, 20)], .suspicious),
        ] as [(String, [IntelHit], Verdict)]
    )
    func table(_ name: String, _ hits: [IntelHit], _ expected: Verdict) {
        #expect(VerdictPolicy.verdict(for: hits) == expected, "\(name)")
    }

    @Test("Verdicts order from unknown to malicious")
    func ordering() {
        #expect(Verdict.unknown < .suspicious && Verdict.suspicious < .malicious)
        #expect(VerdictPolicy.maliciousConfidence == 50)
    }
}
