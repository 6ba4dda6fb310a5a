// Ports: stored indicators (the intel index is rebuilt from them) and intel results on observables.
public import FoundationEssentials

/// Indicators as stored; the in-memory index is built from them at start.
public protocol IndicatorStore: Sendable {
    /// Inserts new `(feed, type, value)` indicators and refreshes known ones (label, confidence,
    /// last seen); `firstSeen` of a known one never changes. One transaction. Idempotent.
    func importIndicators(_ indicators: [Indicator], now: Date) async throws -> IndicatorImportSummary
    /// A page of stored indicators in a stable order; pass the returned cursor to continue, nil at the end.
    /// - Throws: `.invalid` for a malformed cursor.
    func indicators(after cursor: String?, limit: Int) async throws -> (indicators: [Indicator], next: String?)
    func indicatorCount() async throws -> Int
}

/// New intel for one observable.
public struct ObservableIntelUpdate: Hashable, Sendable {
    public var observableID: ObservableID
    /// All hits known now; stored hits not in this list are kept.
    public var hits: [IntelHit]
    /// The verdict these hits give; the stored verdict never goes down.
    public var verdict: Verdict
    /// Found by a retro-hunt (an indicator that arrived after the observable): the timeline says so
    /// with an `intel.retro_matched` event instead of `intel.matched`.
    public var retroactive: Bool
    /// Why the hits give that verdict (``VerdictPolicy/explain(_:)``), for the timeline.
    public var reason: String

    public init(observableID: ObservableID, hits: [IntelHit], verdict: Verdict, retroactive: Bool = false) {
        self.observableID = observableID
        self.hits = hits
        self.verdict = verdict
        self.retroactive = retroactive
        self.reason = VerdictPolicy.explain(hits).reason
    }
}

/// Writes enrichment results onto observables.
public protocol EnrichmentStore: Sendable {
    /// The observables an alert named. - Throws: `.notFound`.
    func observables(alert: AlertID) async throws -> [Observable]
    /// The observables of many alerts in one read (the job worker's batch); unknown alerts are absent
    /// from the result. At most 1,000 alerts. - Throws: `.invalid` over the limit.
    func observables(alerts: [AlertID]) async throws -> [AlertID: [Observable]]
    /// Observables first seen at or after `since`, in id order, at most `limit` (≤ 10,000), after the
    /// observable `after` (exclusive) — the retro-hunt's scan. Their `intel` is left empty.
    func observables(firstSeenSince since: Date, after: ObservableID?, limit: Int) async throws -> [Observable]
    /// Merges hits (one per feed and indicator), raises verdicts, and writes one `intel.matched`
    /// timeline event per observable that gained a hit, all in one transaction. Returns the
    /// number of observables that changed. Idempotent: repeating an update changes nothing.
    /// - Throws: `.notFound` for an unknown observable.
    func recordIntel(_ updates: [ObservableIntelUpdate], now: Date) async throws -> Int
}
