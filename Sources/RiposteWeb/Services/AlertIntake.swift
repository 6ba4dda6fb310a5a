// The ingest use case: parse a request body into alerts, decide ids and fingerprints, store them
// in one transaction, and count what happened.
package import RiposteCore
package import RiposteIngest
package import RiposteRuntime
import Synchronization

/// Turns request bodies into stored alerts and incidents.
package final class AlertIntake: Sendable {
    private let store: any AlertIngestStore
    private let ids: any IDGenerator
    private let clock: WallClock
    private let fingerprinter: Fingerprinter
    private let grouping: GroupingPolicy
    private let limits: IngestLimits
    private let metrics: Metrics
    private let admission: IngestAdmission
    /// Grouping and suppression rules in force; swapped by `RuleService`, read once per call.
    private let rules: LiveAlertRules
    /// Built-in parsers plus the named mappings in force (swapped whole by `useMappings`).
    private let registry = Mutex(AlertParserRegistry.builtIn)
    private let onStored: @Sendable ([IngestOutcome]) -> Void

    package init(
        store: any AlertIngestStore, ids: any IDGenerator, clock: WallClock, fingerprinter: Fingerprinter,
        grouping: GroupingPolicy, limits: IngestLimits, metrics: Metrics,
        admission: IngestAdmission = IngestAdmission(maxPendingBytes: .max, retryAfterSeconds: 1),
        rules: LiveAlertRules? = nil,
        onStored: @escaping @Sendable ([IngestOutcome]) -> Void = { _ in }
    ) {
        self.rules = rules ?? LiveAlertRules(AlertRuleSet(defaultFingerprinter: fingerprinter, defaultPolicy: grouping))
        self.store = store
        self.ids = ids
        self.clock = clock
        self.fingerprinter = fingerprinter
        self.grouping = grouping
        self.limits = limits
        self.metrics = metrics
        self.admission = admission
        self.onStored = onStored
        metrics.describeCounter("riposte_alerts_ingested_total", help: "Alerts stored, by source.")
        metrics.describeCounter("riposte_alerts_duplicate_total", help: "Alerts answered as duplicates, by source.")
        metrics.describeCounter("riposte_alerts_rejected_total", help: "Ingest requests rejected as invalid, by source.")
        metrics.describeCounter("riposte_incidents_created_total", help: "Incidents opened by ingest.")
        metrics.describeCounter(
            "riposte_alerts_suppressed_total", help: "Alerts stored without an incident by a suppression rule, by source.")
        metrics.describeCounter(
            "riposte_alerts_overloaded_total", help: "Ingest requests answered 429 because the ingest queue was full, by source.")
        metrics.registerGauge(
            "riposte_ingest_pending_bytes", help: "Bytes of alert bodies received and not yet committed."
        ) { [admission] in Double(admission.pendingBytes) }
    }

    /// Parses `body` with the parser named `source` and stores every alert, all or nothing.
    /// Returns one outcome per alert, in body order, after the transaction committed.
    /// - Throws: `.invalid` naming the bad record (nothing is stored), `.tooLarge` over the limits,
    ///   `.overloaded` while the bodies already waiting for the writer fill the admission limit.
    package func ingest(body: [UInt8], source: String) async throws -> [IngestOutcome] {
        // Resolved before counting: metric labels are known source names only.
        let parser = try registry.withLock { $0 }.parser(named: source)
        do {
            return try await admission.withAdmission(bytes: body.count) {
                let drafts: [AlertDraft]
                do {
                    drafts = try parser.parse(body: body, limits: limits)
                } catch {
                    metrics.increment("riposte_alerts_rejected_total", labels: [("source", source)])
                    throw error
                }
                return try await store(drafts)
            }
        } catch let error as RiposteError where error.code == .overloaded {
            metrics.increment("riposte_alerts_overloaded_total", labels: [("source", source)])
            throw error
        }
    }

    /// Replaces the named mappings that define extra `?source=` names (the built-ins stay).
    /// - Throws: as `AlertParserRegistry.register` for a bad or built-in name.
    package func useMappings(_ mappings: [(name: String, mapping: AlertMapping)]) throws {
        var next = AlertParserRegistry()
        for (name, mapping) in mappings { try next.register(name: name, mapping: mapping) }
        registry.withLock { $0 = next }
    }

    /// Stores already parsed alerts (the CLI's offline ingest and the benchmarks come in here).
    package func store(_ drafts: [AlertDraft]) async throws -> [IngestOutcome] {
        guard !drafts.isEmpty else { return [] }
        let now = clock.now()
        let rules = self.rules.current
        let prepared = drafts.map { draft in rules.prepare(draft, id: ids.next(AlertKind.self), now: now) }
        let outcomes = try await store.ingest(prepared, policy: grouping, now: now)
        var stored = 0, duplicates = 0, created = 0, suppressed = 0
        for outcome in outcomes {
            if outcome.duplicate { duplicates += 1 } else { stored += 1 }
            if outcome.createdIncident { created += 1 }
            if !outcome.duplicate, outcome.suppressedBy != nil { suppressed += 1 }
        }
        let source = drafts[0].source
        if stored > 0 { metrics.increment("riposte_alerts_ingested_total", by: Double(stored), labels: [("source", source)]) }
        if duplicates > 0 {
            metrics.increment("riposte_alerts_duplicate_total", by: Double(duplicates), labels: [("source", source)])
        }
        if created > 0 { metrics.increment("riposte_incidents_created_total", by: Double(created)) }
        if suppressed > 0 {
            metrics.increment("riposte_alerts_suppressed_total", by: Double(suppressed), labels: [("source", source)])
        }
        onStored(outcomes)
        return outcomes
    }
}
