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
        var source: String
        var source_ref: String
        var title: String
        var severity: String
        var time: String?
        var received_at: String
        var rule: RuleDTO
        var src_endpoint: EndpointDTO?
        var dst_endpoint: EndpointDTO?
        var host_name: String?
        var user_name: String?
        var observables: [SuppressedObservableDTO]
        var raw: String?

        init(_ alert: SuppressedAlert) {
            let draft = alert.draft
            id = alert.id.rawValue
            suppressed_by = alert.rule.rawValue
            source = draft.source
            source_ref = draft.sourceRef
            title = draft.title
            severity = draft.severity.name
            time = draft.time.map(RFC3339.format)
            received_at = RFC3339.format(alert.receivedAt)
            rule = RuleDTO(uid: draft.rule.uid, name: draft.rule.name, category: draft.rule.category)
            src_endpoint = EndpointDTO(draft.sourceEndpoint)
            dst_endpoint = EndpointDTO(draft.destinationEndpoint)
            host_name = draft.hostName
            user_name = draft.userName
            observables = draft.observables.map { SuppressedObservableDTO(type: $0.type.rawValue, value: $0.value) }
            raw = String(validating: draft.raw, as: UTF8.self)
        }
    }

    struct SuppressedObservableDTO: Encodable {
        var type: String
        var value: String
    }
}
