// Port: provider answers (the enrichment cache) keyed by provider, type and value, shared across incidents.
public import FoundationEssentials

/// Enrichment results. One row per (provider, type, value): the cache and what observables show are
/// the same rows, so a value named by many incidents is asked about once per TTL.
public protocol EnrichmentResultStore: Sendable {
    /// Stores `records` (replacing the stored answer of the same provider, type and value) and
    /// applies `verdicts`: an observable's verdict only goes up, and each observable whose verdict
    /// went up gets one `enrichment.completed` timeline event naming the providers and reasons.
    /// One transaction. Returns the number of observables whose verdict went up.
    /// - Throws: `.notFound` for an unknown observable.
    func saveEnrichments(_ records: [EnrichmentRecord], verdicts: [EnrichmentVerdictUpdate], now: Date) async throws -> Int
    /// Every stored answer about one value, stale ones included, ordered by provider.
    func enrichments(type: ObservableType, value: String) async throws -> [EnrichmentRecord]
    /// The stored answers about many values in one read (at most 1,000 keys); values with none are absent.
    /// - Throws: `.invalid` over the limit.
    func enrichments(keys: [EnrichmentKey]) async throws -> [EnrichmentKey: [EnrichmentRecord]]
}
