// The decisions ingest makes per alert from the rules in force: suppressed or not, and which
// incident key and window it groups under. Pure and constant time in the number of stored alerts.
public import FoundationEssentials
import Synchronization

/// What ingest does with one alert.
public struct AlertDecision: Hashable, Sendable {
    /// The grouping key: alerts with equal keys share an open incident within `window`.
    public var fingerprint: String
    public var window: Duration
    /// The most alerts one incident of this group takes before an overflow incident opens; nil for no limit.
    public var maxAlerts: Int?
    /// The grouping rule that decided, nil for the default.
    public var groupingRule: GroupingRuleID?
    /// The suppression rule that holds the alert back, nil when it is not suppressed.
    public var suppressedBy: SuppressionRuleID?

    public init(
        fingerprint: String, window: Duration, maxAlerts: Int? = nil, groupingRule: GroupingRuleID? = nil,
        suppressedBy: SuppressionRuleID? = nil
    ) {
        self.fingerprint = fingerprint
        self.window = window
        self.maxAlerts = maxAlerts
        self.groupingRule = groupingRule
        self.suppressedBy = suppressedBy
    }
}

/// An immutable snapshot of the rules in force; a rule change builds a new one and swaps it in.
public struct AlertRuleSet: Hashable, Sendable {
    /// Enabled grouping rules in the order they are tried.
    public let groupingRules: [GroupingRule]
    /// Enabled suppression rules, oldest first (the first that matches is credited).
    public let suppressionRules: [SuppressionRule]
    /// The fingerprint of alerts no grouping rule matches.
    public let defaultFingerprinter: Fingerprinter
    public let defaultPolicy: GroupingPolicy
    /// Per-source fields that re-key alerts whose payload had no id.
    public let dedupKeys: DedupKeys

    public init(
        groupingRules: [GroupingRule] = [], suppressionRules: [SuppressionRule] = [],
        defaultFingerprinter: Fingerprinter = .default, defaultPolicy: GroupingPolicy = GroupingPolicy(),
        dedupKeys: DedupKeys = DedupKeys()
    ) {
        self.dedupKeys = dedupKeys
        self.groupingRules = groupingRules.filter(\.enabled).sorted {
            ($0.position, $0.id.rawValue) < ($1.position, $1.id.rawValue)
        }
        self.suppressionRules = suppressionRules.filter(\.enabled).sorted {
            ($0.createdAt, $0.id.rawValue) < ($1.createdAt, $1.id.rawValue)
        }
        self.defaultFingerprinter = defaultFingerprinter
        self.defaultPolicy = defaultPolicy
    }

    /// The suppression rule that holds `draft` back at `now`: the first active one whose condition holds.
    public func suppression(for draft: AlertDraft, now: Date) -> SuppressionRuleID? {
        suppressionRules.first { $0.isActive(at: now) && $0.condition.matches(draft) }?.id
    }

    /// The grouping rule that applies to `draft`, nil for the default.
    public func groupingRule(for draft: AlertDraft) -> GroupingRule? {
        groupingRules.first { $0.condition.matches(draft) }
    }

    /// Everything ingest needs to know about `draft` received at `now`.
    public func decide(_ draft: AlertDraft, now: Date) -> AlertDecision {
        let suppressed = suppression(for: draft, now: now)
        guard let rule = groupingRule(for: draft) else {
            return AlertDecision(
                fingerprint: defaultFingerprinter.fingerprint(of: draft), window: defaultPolicy.window,
                maxAlerts: defaultPolicy.maxAlerts, suppressedBy: suppressed)
        }
        // The rule id is part of the key, so two rules grouping by the same fields never share incidents.
        let fingerprint = Fingerprinter(fields: rule.groupBy).fingerprint(of: draft, namespace: rule.id.rawValue)
        return AlertDecision(
            fingerprint: fingerprint, window: rule.window, maxAlerts: rule.maxAlerts, groupingRule: rule.id,
            suppressedBy: suppressed)
    }

    /// The alert ready for the store: its id, draft (re-keyed by its source's dedup key) and decision.
    public func prepare(_ draft: AlertDraft, id: AlertID, now: Date) -> PreparedAlert {
        var draft = draft
        if !dedupKeys.fieldsBySource.isEmpty { draft.sourceRef = dedupKeys.sourceRef(for: draft) }
        let decision = decide(draft, now: now)
        return PreparedAlert(
            id: id, draft: draft, fingerprint: decision.fingerprint, window: decision.window,
            maxAlerts: decision.maxAlerts, suppressedBy: decision.suppressedBy)
    }
}

/// The rule set ingest reads: swapped whole on a change, so an ingest call never waits for one and
/// always decides with one consistent set.
public final class LiveAlertRules: Sendable {
    private let slot: Mutex<AlertRuleSet>

    public init(_ rules: AlertRuleSet = AlertRuleSet()) { slot = Mutex(rules) }

    /// The set in force now.
    public var current: AlertRuleSet { slot.withLock { $0 } }

    /// Puts `rules` in force for every later call to `current`.
    public func replace(with rules: AlertRuleSet) { slot.withLock { $0 = rules } }
}
