// Port: record a batch of alerts — dedup, grouping and every row they cause — in one transaction.
public import FoundationEssentials

/// An alert ready to be stored: its id, grouping key and suppression are decided before the write
/// (see ``AlertRuleSet/prepare(_:id:now:)``).
public struct PreparedAlert: Hashable, Sendable {
    public var id: AlertID
    public var draft: AlertDraft
    public var fingerprint: String
    /// The grouping window of the rule that decided; nil for the batch policy's.
    public var window: Duration?
    /// The most alerts one incident of this fingerprint takes; nil for the batch policy's.
    public var maxAlerts: Int?
    /// The suppression rule that holds the alert back: it is stored, opens and joins no incident.
    public var suppressedBy: SuppressionRuleID?

    public init(
        id: AlertID, draft: AlertDraft, fingerprint: String, window: Duration? = nil, maxAlerts: Int? = nil,
        suppressedBy: SuppressionRuleID? = nil
    ) {
        self.id = id
        self.draft = draft
        self.fingerprint = fingerprint
        self.window = window
        self.maxAlerts = maxAlerts
        self.suppressedBy = suppressedBy
    }
}

/// How alerts join incidents when no grouping rule decides otherwise.
public struct GroupingPolicy: Hashable, Sendable {
    /// An alert joins an open incident with the same fingerprint whose last alert is at most this old.
    public var window: Duration
    /// The most alerts one incident takes before the next opens an overflow incident; nil for no limit.
    public var maxAlerts: Int?

    public init(window: Duration = .seconds(3600), maxAlerts: Int? = nil) {
        self.window = window
        self.maxAlerts = maxAlerts
    }
}

/// What happened to one alert of a batch.
public struct IngestOutcome: Hashable, Sendable {
    /// The stored alert: the new one, or the earlier one this repeats.
    public var alertID: AlertID
    /// The incident the alert joined or opened; nil for a suppressed alert.
    public var incidentID: IncidentID?
    /// True when (source, source_ref) was already stored; nothing was written for it.
    public var duplicate: Bool
    /// True when this alert opened a new incident.
    public var createdIncident: Bool
    /// The suppression rule that held the alert (or, for a duplicate, the stored alert) back.
    public var suppressedBy: SuppressionRuleID?

    public init(
        alertID: AlertID, incidentID: IncidentID?, duplicate: Bool, createdIncident: Bool,
        suppressedBy: SuppressionRuleID? = nil
    ) {
        self.alertID = alertID
        self.incidentID = incidentID
        self.duplicate = duplicate
        self.createdIncident = createdIncident
        self.suppressedBy = suppressedBy
    }
}

/// Stores incoming alerts.
public protocol AlertIngestStore: Sendable {
    /// Records `alerts` in order, in ONE transaction, and returns one outcome per alert.
    ///
    /// For each alert: if an alert with the same `(source, sourceRef)` is stored (or appeared
    /// earlier in this batch), suppressed or not, it is a duplicate and nothing is written. An alert
    /// with `suppressedBy` is stored as a ``SuppressedAlert`` — no incident, observables or job —
    /// and its rule's `hitCount` and `lastHitAt` (`now`) are raised. Otherwise it joins the
    /// open incident (status new, in_progress or on_hold) with the same fingerprint whose
    /// `lastAlertAt` is within the alert's window (else `policy.window`) of `now` — the latest
    /// such incident, unless it already holds the alert's `maxAlerts` (else `policy.maxAlerts`):
    /// then a new incident opens with `overflowOf` naming the full one (its `incident.created` event
    /// carries `overflow_of`, the full one gets an `incident.overflow` event), and later alerts of the fingerprint join it — raising its severity to the alert's if
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
