// Port: grouping and suppression rules, and the alerts suppression held back.

/// Stores grouping and suppression rules. Ingest never reads them here: the service loads them
/// into an ``AlertRuleSet`` at start and after each change.
public protocol AlertRuleStore: Sendable {
    /// Every grouping rule, enabled or not, by `position` then id.
    func groupingRules() async throws -> [GroupingRule]
    /// - Throws: `.conflict` when the name is taken.
    func createGroupingRule(_ rule: GroupingRule) async throws
    /// Replaces the rule with `rule.id` (all fields but `createdAt`).
    /// - Throws: `.notFound` for an unknown id, `.conflict` when the new name is taken.
    func updateGroupingRule(_ rule: GroupingRule) async throws
    /// - Throws: `.notFound` for an unknown id.
    func deleteGroupingRule(id: GroupingRuleID) async throws

    /// Every suppression rule, enabled, expired or not, oldest first, with its hit count.
    func suppressionRules() async throws -> [SuppressionRule]
    /// - Throws: `.conflict` when the name is taken.
    func createSuppressionRule(_ rule: SuppressionRule) async throws
    /// Replaces the rule with `rule.id` (all fields but `createdAt`, `hitCount` and `lastHitAt`,
    /// which only ingest changes). - Throws: `.notFound` for an unknown id, `.conflict` when the new name is taken.
    func updateSuppressionRule(_ rule: SuppressionRule) async throws
    /// Deletes the rule; the alerts it suppressed stay stored and keep its id.
    /// - Throws: `.notFound` for an unknown id.
    func deleteSuppressionRule(id: SuppressionRuleID) async throws
    /// The alerts `rule` suppressed, newest first, at most `limit`.
    func suppressedAlerts(rule: SuppressionRuleID, limit: Int) async throws -> [SuppressedAlert]
}
