// Grouping and suppression rules: which alerts share an incident, and which open none at all.
public import FoundationEssentials

public enum GroupingRuleKind: IdentifierKind { public static let prefix = "grp" }
public enum SuppressionRuleKind: IdentifierKind { public static let prefix = "sup" }
public typealias GroupingRuleID = Identifier<GroupingRuleKind>
public typealias SuppressionRuleID = Identifier<SuppressionRuleKind>

/// Alerts that match `condition` group by `groupBy` within `window`, at most `maxAlerts` per incident.
///
/// Rules are tried by ascending `position` (then id); the first enabled rule whose condition holds
/// decides. Alerts no rule matches group by the deployment's default fingerprint and window.
public struct GroupingRule: Hashable, Sendable {
    public var id: GroupingRuleID
    public var name: String
    /// Lower is tried first.
    public var position: Int
    public var enabled: Bool
    public var condition: AlertCondition
    /// The fields whose values must be equal for two alerts to share an incident: the same rule
    /// (`rule`), the same entity (`src_ip`, `dst_ip`, `host`, `user`), or any mix.
    public var groupBy: [FingerprintField]
    /// An alert joins an open incident of its group whose last alert is at most this old.
    public var window: Duration
    /// When the open incident holds this many alerts, the next alert of the group opens an
    /// overflow incident linked to it; nil for no limit.
    public var maxAlerts: Int?
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: GroupingRuleID, name: String, position: Int = 0, enabled: Bool = true, condition: AlertCondition,
        groupBy: [FingerprintField], window: Duration, maxAlerts: Int? = nil, createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.name = name
        self.position = position
        self.enabled = enabled
        self.condition = condition
        self.groupBy = groupBy
        self.window = window
        self.maxAlerts = maxAlerts
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// Alerts that match `condition` before `expiresAt` are stored but open and join no incident.
public struct SuppressionRule: Hashable, Sendable {
    public var id: SuppressionRuleID
    public var name: String
    public var condition: AlertCondition
    /// Who answers for the rule (a user name).
    public var owner: String
    /// Why matching alerts need no incident.
    public var reason: String
    /// The rule suppresses alerts received before this instant only.
    public var expiresAt: Date
    public var enabled: Bool
    public var createdAt: Date
    public var updatedAt: Date
    /// Alerts this rule suppressed, and when it last did.
    public var hitCount: Int
    public var lastHitAt: Date?

    public init(
        id: SuppressionRuleID, name: String, condition: AlertCondition, owner: String, reason: String, expiresAt: Date,
        enabled: Bool = true, createdAt: Date, updatedAt: Date, hitCount: Int = 0, lastHitAt: Date? = nil
    ) {
        self.id = id
        self.name = name
        self.condition = condition
        self.owner = owner
        self.reason = reason
        self.expiresAt = expiresAt
        self.enabled = enabled
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.hitCount = hitCount
        self.lastHitAt = lastHitAt
    }

    /// Whether the rule applies to an alert received at `now`.
    public func isActive(at now: Date) -> Bool { enabled && now < expiresAt }
}

/// A suppressed alert as stored: the alert without an incident, and the rule that held it back.
public struct SuppressedAlert: Hashable, Sendable {
    public var id: AlertID
    public var rule: SuppressionRuleID
    public var draft: AlertDraft
    public var receivedAt: Date

    public init(id: AlertID, rule: SuppressionRuleID, draft: AlertDraft, receivedAt: Date) {
        self.id = id
        self.rule = rule
        self.draft = draft
        self.receivedAt = receivedAt
    }
}
