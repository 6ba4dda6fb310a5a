// The store contract for grouping and suppression rules, suppressed alerts, per-alert windows and
// overflow incidents.
import FoundationEssentials
import RiposteCore
import Testing

extension StoreContract {
    static func groupingRule(_ id: String, name: String, position: Int = 0, maxAlerts: Int? = nil) -> GroupingRule {
        GroupingRule(
            id: GroupingRuleID(rawValue: "grp_" + id), name: name, position: position,
            condition: AlertCondition(clauses: [ConditionClause(field: .source, test: .equals("suricata"))]),
            groupBy: [.rule, .sourceIP], window: .seconds(900), maxAlerts: maxAlerts, createdAt: F.t0, updatedAt: F.t0)
    }

    static func suppressionRule(_ id: String, name: String, expiresAt: Date = F.at(86_400)) -> SuppressionRule {
        SuppressionRule(
            id: SuppressionRuleID(rawValue: "sup_" + id), name: name,
            condition: AlertCondition(clauses: [
                ConditionClause(field: .sourceIP, test: .cidr(CIDRBlock("198.51.100.0/24")!)),
                ConditionClause(field: .ruleUID, test: .in(["rule-noisy", "rule-scan"])),
            ]),
            owner: "alice", reason: "vulnerability scanner", expiresAt: expiresAt, createdAt: F.t0, updatedAt: F.t0)
    }

    /// Grouping and suppression rules are created, listed in order, changed and deleted; names are unique.
    public func alertRulesCreateChangeDelete() async throws {
        try await withStore { store in
            #expect(try await store.groupingRules().isEmpty)
            #expect(try await store.suppressionRules().isEmpty)

            let second = Self.groupingRule("02", name: "by host", position: 20, maxAlerts: 50)
            let first = Self.groupingRule("01", name: "by rule", position: 10)
            try await store.createGroupingRule(second)
            try await store.createGroupingRule(first)
            #expect(try await store.groupingRules() == [first, second], "listed by position, read back exactly")
            await expectError(.conflict, "a second grouping rule with a taken name") {
                try await store.createGroupingRule(Self.groupingRule("03", name: "by rule"))
            }

            var changed = second
            changed.position = 5
            changed.enabled = false
            changed.maxAlerts = nil
            changed.window = .seconds(60)
            changed.condition = AlertCondition()
            changed.updatedAt = F.at(30)
            try await store.updateGroupingRule(changed)
            #expect(try await store.groupingRules() == [changed, first])
            var renamed = changed
            renamed.name = "by rule"
            await expectError(.conflict, "renaming onto a taken name") { try await store.updateGroupingRule(renamed) }
            await expectError(.notFound, "updating an unknown grouping rule") {
                try await store.updateGroupingRule(Self.groupingRule("99", name: "ghost"))
            }
            try await store.deleteGroupingRule(id: changed.id)
            #expect(try await store.groupingRules() == [first])
            await expectError(.notFound, "deleting it twice") { try await store.deleteGroupingRule(id: changed.id) }

            let scanner = Self.suppressionRule("01", name: "scanner")
            try await store.createSuppressionRule(scanner)
            #expect(try await store.suppressionRules() == [scanner])
            await expectError(.conflict, "a second suppression rule with a taken name") {
                try await store.createSuppressionRule(Self.suppressionRule("02", name: "scanner"))
            }
            var edited = scanner
            edited.reason = "quarterly scan"
            edited.expiresAt = F.at(3600)
            edited.hitCount = 99
            edited.lastHitAt = F.at(1)
            edited.updatedAt = F.at(40)
            try await store.updateSuppressionRule(edited)
            let stored = try #require(try await store.suppressionRules().first)
            #expect(stored.reason == "quarterly scan" && stored.expiresAt == F.at(3600) && stored.updatedAt == F.at(40))
            #expect(stored.hitCount == 0 && stored.lastHitAt == nil, "hit counts are ingest's alone")
            await expectError(.notFound, "updating an unknown suppression rule") {
                try await store.updateSuppressionRule(Self.suppressionRule("99", name: "ghost"))
            }
            try await store.deleteSuppressionRule(id: scanner.id)
            #expect(try await store.suppressionRules().isEmpty)
            await expectError(.notFound, "deleting it twice") { try await store.deleteSuppressionRule(id: scanner.id) }
        }
    }

    /// A suppressed alert is stored with its rule, opens and joins nothing, counts on its rule,
    /// and dedups like any other alert; it outlives its rule.
    public func ingestStoresSuppressedAlerts() async throws {
        try await withStore { store in
            let rule = Self.suppressionRule("01", name: "scanner")
            try await store.createSuppressionRule(rule)
            var held = fixtures.alert(ref: "s1", fingerprint: "fp1", observables: [F.ip("203.0.113.5"), F.user("alice")])
            held.suppressedBy = rule.id
            let open = fixtures.alert(ref: "n1", fingerprint: "fp1")
            let outcomes = try await store.ingest([held, open], policy: GroupingPolicy(), now: F.at(10))
            try #require(outcomes.count == 2)
            #expect(outcomes[0].incidentID == nil && outcomes[0].suppressedBy == rule.id)
            #expect(!outcomes[0].duplicate && !outcomes[0].createdIncident)
            #expect(outcomes[1].createdIncident && outcomes[1].suppressedBy == nil, "the same fingerprint unsuppressed opens one")
            let incident = try await store.incident(id: try outcomes[1].incident)
            #expect(incident.alertCount == 1)
            #expect(try await store.incidents(matching: IncidentQuery()).items.count == 1)
            #expect(try await store.observables(incident: incident.id).isEmpty, "no observable rows for a suppressed alert")
            await expectError(.notFound, "a suppressed alert is no incident alert") { try await store.alert(id: held.id) }

            let counted = try #require(try await store.suppressionRules().first)
            #expect(counted.hitCount == 1 && counted.lastHitAt == F.at(10))
            let stored = try await store.suppressedAlerts(rule: rule.id, limit: 10)
            #expect(stored == [SuppressedAlert(id: held.id, rule: rule.id, draft: held.draft, receivedAt: F.at(10))])
            let job = try #require(try await store.claim(limit: 10, now: F.at(10), lease: .seconds(60)).first)
            #expect(job.payload["alert_ids"] == .array([.string(open.id.rawValue)]), "intel matching skips suppressed alerts")

            // A repeat is a duplicate of the suppressed alert, in a later batch and within one.
            var repeated = fixtures.alert(ref: "s1", fingerprint: "fp1")
            repeated.suppressedBy = nil
            var twice = fixtures.alert(ref: "s2", fingerprint: "fp1")
            twice.suppressedBy = rule.id
            var twiceAgain = fixtures.alert(ref: "s2", fingerprint: "fp1")
            twiceAgain.suppressedBy = rule.id
            let later = try await store.ingest([repeated, twice, twiceAgain], policy: GroupingPolicy(), now: F.at(20))
            #expect(later[0].duplicate && later[0].alertID == held.id && later[0].suppressedBy == rule.id)
            #expect(later[0].incidentID == nil)
            #expect(!later[1].duplicate && later[1].suppressedBy == rule.id)
            #expect(later[2].duplicate && later[2].alertID == twice.id)
            let recounted = try #require(try await store.suppressionRules().first)
            #expect(recounted.hitCount == 2 && recounted.lastHitAt == F.at(20), "duplicates are not hits")
            #expect(
                try await store.claim(limit: 10, now: F.at(20), lease: .seconds(60)).isEmpty,
                "a call that stored only suppressed alerts enqueues no job (the first job is still leased)")
            #expect(try await store.suppressedAlerts(rule: rule.id, limit: 1).map(\.id) == [twice.id], "newest first")

            try await store.deleteSuppressionRule(id: rule.id)
            #expect(try await store.suppressedAlerts(rule: rule.id, limit: 10).count == 2, "suppressed alerts are never deleted")
        }
    }

    /// An alert's own window replaces the policy's; a full incident sends further alerts of its
    /// fingerprint to an overflow incident that links to it, within a batch and across batches.
    public func ingestOverflowsFullIncidents() async throws {
        try await withStore { store in
            // Own window: 10 s, though the policy's is an hour.
            var short = fixtures.alert(ref: "w1", fingerprint: "fp-w")
            short.window = .seconds(10)
            let opened = try await fixtures.ingest(store, short, now: F.t0)
            var within = fixtures.alert(ref: "w2", fingerprint: "fp-w")
            within.window = .seconds(10)
            #expect(try await fixtures.ingest(store, within, now: F.at(10)).incidentID == opened.incidentID)
            var past = fixtures.alert(ref: "w3", fingerprint: "fp-w")
            past.window = .seconds(10)
            #expect(try await fixtures.ingest(store, past, now: F.at(20.001)).createdIncident)

            // Five alerts of one fingerprint, at most two per incident, in one batch: 2 + 2 + 1.
            let batch = (1...5).map { index in
                var alert = fixtures.alert(ref: "m\(index)", severity: index == 5 ? .high : .low, fingerprint: "fp-m")
                alert.maxAlerts = 2
                return alert
            }
            let outcomes = try await store.ingest(batch, policy: GroupingPolicy(), now: F.at(100))
            #expect(outcomes.map(\.createdIncident) == [true, false, true, false, true])
            let ids = try outcomes.map { try $0.incident }
            #expect(Set(ids).count == 3)
            let full = try await store.incident(id: ids[0])
            let middle = try await store.incident(id: ids[2])
            let last = try await store.incident(id: ids[4])
            #expect(full.alertCount == 2 && full.overflowOf == nil)
            #expect(middle.alertCount == 2 && middle.overflowOf == full.id)
            #expect(last.alertCount == 1 && last.overflowOf == middle.id && last.severity == .high)
            let fullEvents = try await store.timeline(incident: full.id)
            #expect(fullEvents.map(\.kind) == ["incident.created", "alert.added", "incident.overflow"])
            #expect(fullEvents.last?.details["overflow_incident_id"] == .string(middle.id.rawValue))
            let created = try #require(try await store.timeline(incident: middle.id).first)
            #expect(created.kind == "incident.created" && created.details["overflow_of"] == .string(full.id.rawValue))

            // Across batches the latest open incident of the group takes the next alert, then overflows.
            var sixth = fixtures.alert(ref: "m6", fingerprint: "fp-m")
            sixth.maxAlerts = 2
            let joined = try await fixtures.ingest(store, sixth, now: F.at(100))
            #expect(!joined.createdIncident && joined.incidentID == last.id, "same instant: the newest incident wins")
            var seventh = fixtures.alert(ref: "m7", fingerprint: "fp-m")
            seventh.maxAlerts = 2
            let overflowed = try await fixtures.ingest(store, seventh, now: F.at(101))
            #expect(overflowed.createdIncident)
            #expect(try await store.incident(id: try overflowed.incident).overflowOf == last.id)

            // The policy's limit applies to alerts that carry none.
            let policy = GroupingPolicy(maxAlerts: 1)
            let a = try await fixtures.ingest(
                store, fixtures.alert(ref: "p1", fingerprint: "fp-p"), now: F.at(200), policy: policy)
            let b = try await fixtures.ingest(
                store, fixtures.alert(ref: "p2", fingerprint: "fp-p"), now: F.at(201), policy: policy)
            #expect(b.createdIncident && b.incidentID != a.incidentID)
        }
    }
}
