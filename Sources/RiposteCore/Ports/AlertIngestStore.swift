// Port: record a batch of alerts — dedup, grouping and every row they cause — in one transaction.
public import FoundationEssentials

/// An alert ready to be stored: its id and grouping fingerprint are decided before the write.
public struct PreparedAlert: Hashable, Sendable {
    public var id: AlertID
    public var draft: AlertDraft
    public var fingerprint: String

    public init(id: AlertID, draft: AlertDraft, fingerprint: String) {
        self.id = id
        self.draft = draft
        self.fingerprint = fingerprint
    }
}

/// How alerts join incidents.
public struct GroupingPolicy: Hashable, Sendable {
    /// An alert joins an open incident with the same fingerprint whose last alert is at most this old.
    public var window: Duration

    public init(window: Duration = .seconds(3600)) { self.window = window }
}

/// What happened to one alert of a batch.
public struct IngestOutcome: Hashable, Sendable {
    /// The stored alert: the new one, or the earlier one this repeats.
    public var alertID: AlertID
    public var incidentID: IncidentID
    /// True when (source, source_ref) was already stored; nothing was written for it.
    public var duplicate: Bool
    /// True when this alert opened a new incident.
    public var createdIncident: Bool

    public init(alertID: AlertID, incidentID: IncidentID, duplicate: Bool, createdIncident: Bool) {
        self.alertID = alertID
        self.incidentID = incidentID
        self.duplicate = duplicate
        self.createdIncident = createdIncident
    }
}

/// Stores incoming alerts.
public protocol AlertIngestStore: Sendable {
    /// Records `alerts` in order, in ONE transaction, and returns one outcome per alert.
    ///
    /// For each alert: if an alert with the same `(source, sourceRef)` is stored (or appeared
    /// earlier in this batch) it is a duplicate and nothing is written. Otherwise it joins the
    /// open incident (status new, in_progress or on_hold) with the same fingerprint whose
    /// `lastAlertAt` is within `policy.window` of `now` — raising its severity to the alert's if
    /// higher, bumping `alertCount`, `lastAlertAt` and `updatedAt`, and writing an `alert.added`
    /// timeline event — or opens a new incident (next `number`, status `new`, the alert's title
    /// and severity, an `incident.created` timeline event). The alert's observables are attached
    /// to the incident (one row per incident, type and value; verdict `unknown` when new) and to
    /// the alert, and one `intel.match` job listing the batch's new alerts (`alert_ids`) is enqueued
    /// when there is at least one.
    ///
    /// Either every row is committed or none. Idempotent per `(source, sourceRef)`.
    /// - Throws: `.invalid` for a batch over the adapter's limits; `.unavailable` when the
    ///   database cannot be written.
    func ingest(_ alerts: [PreparedAlert], policy: GroupingPolicy, now: Date) async throws -> [IngestOutcome]
}
