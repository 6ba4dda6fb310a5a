// Grouping and suppression rules: validated changes go to the store, then a fresh rule set is
// loaded and swapped in, so ingest (which only reads the live set) never waits on a change.
import FoundationEssentials
package import RiposteCore
package import RiposteRuntime
import Synchronization

/// Reads and changes alert rules, and keeps the live rule set in step with the store.
package final class RuleService: Sendable {
    private let store: any AlertRuleStore
    private let ids: any IDGenerator
    private let clock: WallClock
    package let live: LiveAlertRules
    private let defaultFingerprinter: Fingerprinter
    private let defaultPolicy: GroupingPolicy
    private let dedupKeys: DedupKeys
    /// Loads started and the latest one applied: a load that started before another was applied is
    /// older than it (it may miss a change), so it is dropped rather than swapped in.
    private let loads = Mutex<(started: Int, applied: Int)>((0, 0))

    package init(
        store: any AlertRuleStore, ids: any IDGenerator, clock: WallClock, live: LiveAlertRules,
        defaultFingerprinter: Fingerprinter, defaultPolicy: GroupingPolicy, dedupKeys: DedupKeys = DedupKeys()
    ) {
        self.dedupKeys = dedupKeys
        self.store = store
        self.ids = ids
        self.clock = clock
        self.live = live
        self.defaultFingerprinter = defaultFingerprinter
        self.defaultPolicy = defaultPolicy
    }

    /// Reads every rule from the store and puts the set in force. Called at start and after each change.
    package func reload() async throws {
        let generation = loads.withLock { state -> Int in
            state.started += 1
            return state.started
        }
        async let grouping = store.groupingRules()
        async let suppression = store.suppressionRules()
        let rules = AlertRuleSet(
            groupingRules: try await grouping, suppressionRules: try await suppression,
            defaultFingerprinter: defaultFingerprinter, defaultPolicy: defaultPolicy, dedupKeys: dedupKeys)
        loads.withLock { state in
            guard generation > state.applied else { return }
            state.applied = generation
            live.replace(with: rules)
        }
    }

    // MARK: Grouping rules

    package func groupingRules() async throws -> [GroupingRule] { try await store.groupingRules() }

    package func groupingRule(id: GroupingRuleID) async throws -> GroupingRule {
        guard let rule = try await store.groupingRules().first(where: { $0.id == id }) else {
            throw RiposteError.notFound("no grouping rule '\(id)'")
        }
        return rule
    }

    /// - Throws: `.invalid` naming the bad member, `.conflict` for a taken name.
    package func createGroupingRule(_ fields: JSONValue) async throws -> GroupingRule {
        let now = clock.now()
        let rule = try RuleFields.groupingRule(fields, id: ids.next(), existing: nil, now: now)
        try await store.createGroupingRule(rule)
        try await reload()
        return rule
    }

    /// Changes the members present in `fields`. - Throws: `.notFound`, `.invalid`, `.conflict`.
    package func updateGroupingRule(id: GroupingRuleID, _ fields: JSONValue) async throws -> GroupingRule {
        let existing = try await groupingRule(id: id)
        let rule = try RuleFields.groupingRule(fields, id: id, existing: existing, now: clock.now())
        try await store.updateGroupingRule(rule)
        try await reload()
        return rule
    }

    package func deleteGroupingRule(id: GroupingRuleID) async throws {
        try await store.deleteGroupingRule(id: id)
        try await reload()
    }

    // MARK: Suppression rules

    package func suppressionRules() async throws -> [SuppressionRule] { try await store.suppressionRules() }

    package func suppressionRule(id: SuppressionRuleID) async throws -> SuppressionRule {
        guard let rule = try await store.suppressionRules().first(where: { $0.id == id }) else {
            throw RiposteError.notFound("no suppression rule '\(id)'")
        }
        return rule
    }

    /// `owner` defaults to the caller. - Throws: `.invalid` naming the bad member, `.conflict` for a taken name.
    package func createSuppressionRule(_ fields: JSONValue, caller: Principal) async throws -> SuppressionRule {
        let rule = try RuleFields.suppressionRule(
            fields, id: ids.next(), existing: nil, defaultOwner: caller.name, now: clock.now())
        try await store.createSuppressionRule(rule)
        try await reload()
        return rule
    }

    /// Changes the members present in `fields`. - Throws: `.notFound`, `.invalid`, `.conflict`.
    package func updateSuppressionRule(id: SuppressionRuleID, _ fields: JSONValue) async throws -> SuppressionRule {
        let existing = try await suppressionRule(id: id)
        let rule = try RuleFields.suppressionRule(
            fields, id: id, existing: existing, defaultOwner: existing.owner, now: clock.now())
        try await store.updateSuppressionRule(rule)
        try await reload()
        return rule
    }

    package func deleteSuppressionRule(id: SuppressionRuleID) async throws {
        try await store.deleteSuppressionRule(id: id)
        try await reload()
    }

    package func suppressedAlerts(rule: SuppressionRuleID, limit: Int) async throws -> [SuppressedAlert] {
        _ = try await suppressionRule(id: rule)
        return try await store.suppressedAlerts(rule: rule, limit: limit)
    }
}

/// Rule members from a JSON object: on create every required member must be present; on change
/// (`existing` given) absent members keep their value.
enum RuleFields {
    static let groupingMembers: Set<String> = [
        "name", "position", "enabled", "conditions", "group_by", "window_seconds", "max_alerts",
    ]
    static let suppressionMembers: Set<String> = ["name", "conditions", "owner", "reason", "expires_at", "enabled"]

    static func groupingRule(_ object: JSONValue, id: GroupingRuleID, existing: GroupingRule?, now: Date) throws
        -> GroupingRule
    {
        try rejectUnknown(object, allowed: groupingMembers)
        let fields = Reader(object: object, creating: existing == nil)
        var rule =
            existing
            ?? GroupingRule(
                id: id, name: "", condition: AlertCondition(), groupBy: [], window: .seconds(3600), createdAt: now,
                updatedAt: now)
        if let name = try fields.text("name", required: true, maxBytes: 128) { rule.name = name }
        if let position = try fields.integer("position", range: -1_000_000...1_000_000) { rule.position = position }
        if let enabled = try fields.bool("enabled") { rule.enabled = enabled }
        if let conditions = object["conditions"] { rule.condition = try AlertCondition(json: conditions, path: "conditions") }
        if let groupBy = object["group_by"] {
            guard case .array(let names) = groupBy, !names.isEmpty, names.count <= FingerprintField.allCases.count else {
                throw RiposteError.invalid("group_by must be a non-empty array of field names")
            }
            var fieldsList: [FingerprintField] = []
            for (index, name) in names.enumerated() {
                guard case .string(let text) = name, let field = FingerprintField(rawValue: text) else {
                    let known = FingerprintField.allCases.map(\.rawValue).joined(separator: ", ")
                    throw RiposteError.invalid("group_by[\(index)] must be one of \(known)")
                }
                fieldsList.append(field)
            }
            rule.groupBy = fieldsList
        } else if existing == nil {
            throw RiposteError.invalid("group_by is required")
        }
        if let seconds = try fields.integer("window_seconds", range: 1...2_592_000) { rule.window = .seconds(seconds) }
        if object["max_alerts"] == .null {
            rule.maxAlerts = nil
        } else if let maximum = try fields.integer("max_alerts", range: 1...1_000_000) {
            rule.maxAlerts = maximum
        }
        rule.updatedAt = now
        return rule
    }

    static func suppressionRule(
        _ object: JSONValue, id: SuppressionRuleID, existing: SuppressionRule?, defaultOwner: String, now: Date
    ) throws -> SuppressionRule {
        try rejectUnknown(object, allowed: suppressionMembers)
        let fields = Reader(object: object, creating: existing == nil)
        var rule =
            existing
            ?? SuppressionRule(
                id: id, name: "", condition: AlertCondition(), owner: defaultOwner, reason: "", expiresAt: now,
                createdAt: now, updatedAt: now)
        if let name = try fields.text("name", required: true, maxBytes: 128) { rule.name = name }
        if let conditions = object["conditions"] {
            rule.condition = try AlertCondition(json: conditions, path: "conditions")
        } else if existing == nil {
            throw RiposteError.invalid("conditions is required")
        }
        guard !rule.condition.clauses.isEmpty else {
            throw RiposteError.invalid("conditions must hold at least one clause: a suppression rule never matches every alert")
        }
        if let owner = try fields.text("owner", required: false, maxBytes: 64) {
            try AccessService.validateName(owner)
            rule.owner = owner
        }
        if let reason = try fields.text("reason", required: true, maxBytes: 1024) { rule.reason = reason }
        if let text = try fields.text("expires_at", required: true, maxBytes: 64) {
            guard let date = RFC3339.parse(text) else {
                throw RiposteError.invalid("expires_at '\(text)' is not an RFC 3339 time")
            }
            guard date > now else { throw RiposteError.invalid("expires_at must be in the future") }
            rule.expiresAt = date
        }
        if let enabled = try fields.bool("enabled") { rule.enabled = enabled }
        rule.updatedAt = now
        return rule
    }

    private static func rejectUnknown(_ object: JSONValue, allowed: Set<String>) throws {
        guard case .object(let members) = object else { throw RiposteError.invalid("request body must be a JSON object") }
        if let unknown = members.map(\.0).sorted().first(where: { !allowed.contains($0) }) {
            throw RiposteError.invalid("unknown field '\(unknown)'; allowed: \(allowed.sorted().joined(separator: ", "))")
        }
    }

    private struct Reader {
        var object: JSONValue
        var creating: Bool

        func text(_ key: String, required: Bool, maxBytes: Int) throws -> String? {
            guard let value = object[key] else {
                if required && creating { throw RiposteError.invalid("\(key) is required") }
                return nil
            }
            guard case .string(let text) = value, !text.isEmpty, text.utf8.count <= maxBytes else {
                throw RiposteError.invalid("\(key) must be a string of 1 to \(maxBytes) bytes")
            }
            return text
        }

        func integer(_ key: String, range: ClosedRange<Int>) throws -> Int? {
            guard let value = object[key] else { return nil }
            guard case .number(let number) = value, number.rounded() == number, let integer = Int(exactly: number),
                range.contains(integer)
            else { throw RiposteError.invalid("\(key) must be an integer from \(range.lowerBound) to \(range.upperBound)") }
            return integer
        }

        func bool(_ key: String) throws -> Bool? {
            guard let value = object[key] else { return nil }
            guard case .bool(let flag) = value else { throw RiposteError.invalid("\(key) must be true or false") }
            return flag
        }
    }
}
