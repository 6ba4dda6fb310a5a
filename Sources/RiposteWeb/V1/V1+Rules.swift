// Wire shapes of grouping rules, suppression rules and suppressed alerts.
import Foundation
import RiposteCore
import RiposteRuntime

extension V1 {
    struct GroupingRuleDTO: Encodable {
        var id: String
        var name: String
        var position: Int
        var enabled: Bool
        var conditions: JSONValueDTO
        var group_by: [String]
        var window_seconds: Int64
        var max_alerts: Int?
        var created_at: String
        var updated_at: String

        init(_ rule: GroupingRule) {
            id = rule.id.rawValue
            name = rule.name
            position = rule.position
            enabled = rule.enabled
            conditions = JSONValueDTO(rule.condition.json)
            group_by = rule.groupBy.map(\.rawValue)
            window_seconds = rule.window.components.seconds
            max_alerts = rule.maxAlerts
            created_at = RFC3339.format(rule.createdAt)
            updated_at = RFC3339.format(rule.updatedAt)
        }
    }

    struct SuppressionRuleDTO: Encodable {
        var id: String
        var name: String
        var conditions: JSONValueDTO
        var owner: String
        var reason: String
        var expires_at: String
        var enabled: Bool
        /// Whether it suppresses alerts now: enabled and not expired.
        var active: Bool
        var hit_count: Int
        var last_hit_at: String?
        var created_at: String
        var updated_at: String

        init(_ rule: SuppressionRule, now: Date) {
            id = rule.id.rawValue
            name = rule.name
            conditions = JSONValueDTO(rule.condition.json)
            owner = rule.owner
            reason = rule.reason
            expires_at = RFC3339.format(rule.expiresAt)
            enabled = rule.enabled
            active = rule.isActive(at: now)
            hit_count = rule.hitCount
            last_hit_at = rule.lastHitAt.map(RFC3339.format)
            created_at = RFC3339.format(rule.createdAt)
            updated_at = RFC3339.format(rule.updatedAt)
        }
    }

    struct SuppressedAlertDTO: Encodable {
        var id: String
        var suppressed_by: String
        var draft: AlertDraftDTO
        var observables: [SuppressedObservableDTO]
        var raw: String?

        init(_ alert: SuppressedAlert) {
            id = alert.id.rawValue
            suppressed_by = alert.rule.rawValue
            draft = AlertDraftDTO(alert.draft, receivedAt: alert.receivedAt)
            observables = alert.draft.observables.map { SuppressedObservableDTO(type: $0.type.rawValue, value: $0.value) }
            raw = String(validating: alert.draft.raw, as: UTF8.self)
        }

        private enum CodingKeys: String, CodingKey { case id, suppressed_by, observables, raw }

        /// The draft's members sit beside the suppression's own, as in a stored alert.
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(id, forKey: .id)
            try container.encode(suppressed_by, forKey: .suppressed_by)
            try draft.encode(to: encoder)
            try container.encode(observables, forKey: .observables)
            try container.encodeIfPresent(raw, forKey: .raw)
        }
    }

    struct SuppressedObservableDTO: Encodable {
        var type: String
        var value: String
    }
}
