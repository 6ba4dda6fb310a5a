// The whole storage port as one value, as the composition root holds it.

/// Everything Riposte stores. Adapters (SQLite, later PostgreSQL) implement all of it and pass
/// the contract suite in RiposteTesting.
public protocol RiposteStore: AlertIngestStore, IncidentStore, IndicatorStore, EnrichmentStore, JobQueue,
    AccessStore, FeedStore, AlertMappingStore, PollerStateStore, AlertRuleStore, EnrichmentResultStore
{
    /// Succeeds when the database answers a trivial query; for `/readyz`.
    func checkReadiness() async throws
    /// Finishes outstanding work and closes connections. Further calls throw `.unavailable`.
    func close() async
}
