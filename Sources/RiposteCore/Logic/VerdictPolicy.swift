// How intel hits become a verdict. Kept in one place so the API can explain every verdict.

/// Derives an observable's verdict from its intel hits.
public enum VerdictPolicy {
    /// Confidence at or above which an exact or CIDR hit is `malicious` (feeds without a
    /// confidence are treated as 100: a blocklist lists what it blocks).
    public static let maliciousConfidence = 50

    /// `malicious` when any exact or CIDR hit has confidence ≥ 50 (or none stated);
    /// `suspicious` for any other hit, including parent-domain matches; `unknown` without hits.
    public static func verdict(for hits: [IntelHit]) -> Verdict {
        var verdict = Verdict.unknown
        for hit in hits {
            let strongMatch = hit.match == .exact || hit.match == .cidr
            if strongMatch && (hit.confidence ?? 100) >= maliciousConfidence { return .malicious }
            verdict = .suspicious
        }
        return verdict
    }
}
