// Durable follow-up work (enrichment, later rules and playbooks), stored with the change that caused it.
public import FoundationEssentials

/// A unit of durable background work.
public struct Job: Hashable, Sendable {
    public var id: JobID
    /// What to do, dotted (`intel.match`).
    public var kind: String
    public var payload: JSONValue
    /// Not before this time.
    public var runAt: Date
    /// How many times it was claimed before (0 on the first try).
    public var attempts: Int

    public init(id: JobID, kind: String, payload: JSONValue, runAt: Date, attempts: Int = 0) {
        self.id = id
        self.kind = kind
        self.payload = payload
        self.runAt = runAt
        self.attempts = attempts
    }
}

/// Well-known job kinds.
public enum JobKinds {
    /// Match new alerts' observables against the intel index. Payload: `{"alert_ids": [...]}`, the
    /// new alerts of one ingest call (one job per call keeps job traffic per batch, not per alert).
    public static let intelMatch = "intel.match"
    /// Ask enrichment providers about observables. Payload: `{"observables": [{"id", "type", "value"}],
    /// "providers": [...]}` (`providers` absent: every enabled provider that applies). Enqueued after
    /// `intel.match`, one per match batch; a rate-limited provider's share is re-enqueued for later.
    public static let enrichObservable = "enrich.observable"
}
