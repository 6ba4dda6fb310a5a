// How intel hits become a verdict. Kept in one place so the API can explain every verdict.

/// Derives an observable's verdict from its intel hits.
///
/// Each hit scores its confidence (100 when the feed states none: a blocklist lists what it blocks)
/// weighted by its source's reliability (Admiralty letter; a feed without a stated reliability counts
/// as F, "cannot be judged"). An exact, CIDR or STIX-pattern hit scoring at least ``maliciousScore``
/// makes the observable `malicious`; any other hit, including parent-domain matches, `suspicious`.
public enum VerdictPolicy {
    /// Score at or above which an exact, CIDR or pattern hit is `malicious`.
    public static let maliciousScore = 50

    /// How much a source's hits count, by reliability.
    public static func weight(_ reliability: SourceReliability?) -> Double {
        switch reliability ?? .f {
        case .a: 1.0
        case .b: 0.9
        case .c: 0.75
        case .d: 0.5
        case .e: 0.25
        case .f: 0.75
        }
    }

    /// The hit's score, 0–100: confidence × reliability weight.
    public static func score(_ hit: IntelHit) -> Int {
        Int((Double(hit.confidence ?? 100) * weight(hit.reliability)).rounded())
    }

    public static func verdict(for hits: [IntelHit]) -> Verdict { explain(hits).verdict }

    /// The verdict and one sentence saying which hit decided it.
    public static func explain(_ hits: [IntelHit]) -> (verdict: Verdict, reason: String) {
        guard !hits.isEmpty else { return (.unknown, "no intel hit") }
        let strong = hits.filter { $0.match != .parentDomain }
        if let best = strong.max(by: { score($0) < score($1) }), score(best) >= maliciousScore {
            return (.malicious, "\(describe(best)) scores \(score(best)) ≥ \(maliciousScore)")
        }
        let best = hits.max { score($0) < score($1) }!
        let why = best.match == .parentDomain ? "a parent-domain match" : "below \(maliciousScore)"
        return (.suspicious, "\(describe(best)) scores \(score(best)), \(why)")
    }

    private static func describe(_ hit: IntelHit) -> String {
        let reliability = hit.reliability.map { "reliability \($0.rawValue)" } ?? "reliability not stated"
        let confidence = hit.confidence.map { "confidence \($0)" } ?? "no confidence stated"
        let marking = hit.tlp.map { ", TLP:\($0.rawValue.uppercased())" } ?? ""
        return "\(hit.match.rawValue) match of \(hit.indicator) in feed \(hit.feed) (\(confidence), \(reliability)\(marking))"
    }
}
