// Runs the configured providers over a batch of observables: cache first, then rate-limited calls,
// then one store write with the answers and the verdicts they give.
package import FoundationEssentials
package import RiposteCore
package import RiposteRuntime
import Synchronization

/// One observable to enrich: which incident's row it is, and the value.
package struct EnrichmentItem: Hashable, Sendable {
    package var observableID: ObservableID
    package var key: EnrichmentKey

    package init(observableID: ObservableID, key: EnrichmentKey) {
        self.observableID = observableID
        self.key = key
    }
}

/// Work a provider could not do now (rate limit or back-off): enqueue it again for `notBefore`.
package struct DeferredEnrichment: Sendable, Hashable {
    package var provider: String
    package var items: [EnrichmentItem]
    package var notBefore: Date
}

/// What one `Enricher.enrich` call did.
package struct EnrichmentRunSummary: Sendable {
    package var calls = 0
    package var cacheHits = 0
    package var errors = 0
    package var rateLimited = 0
    /// Observables whose verdict went up.
    package var raised = 0
    package var deferred: [DeferredEnrichment] = []

    package init() {}
}

/// The enrichment pipeline over a set of providers, each with its settings, token bucket and back-off.
///
/// A provider failure affects only that provider's lookups (counted and logged, not cached, so the
/// value is asked again the next time it appears); a 429 stops the provider until its
/// `Retry-After` (at least 1 s, 60 s when unstated) and defers its remaining work.
package final class Enricher: Sendable {
    package struct Configured: Sendable {
        package var provider: any EnrichmentProvider
        package var settings: ProviderSettings
        package init(_ provider: any EnrichmentProvider, _ settings: ProviderSettings) {
            self.provider = provider
            self.settings = settings
        }
    }

    private struct Slot: Sendable {
        var provider: any EnrichmentProvider
        var settings: ProviderSettings
        var types: Set<ObservableType>
        var bucket: TokenBucket?
    }

    private let slots: [Slot]
    private let store: any EnrichmentResultStore
    private let clock: WallClock
    private let metrics: Metrics
    private let logger: Logger
    /// Provider name → not before this time (after a 429).
    private let backOff = Mutex<[String: Date]>([:])

    package init(
        providers: [Configured], store: any EnrichmentResultStore, clock: WallClock, metrics: Metrics, logger: Logger
    ) {
        slots = providers.map { configured in
            Slot(
                provider: configured.provider, settings: configured.settings,
                types: configured.settings.types.map { $0.intersection(configured.provider.supportedTypes) }
                    ?? configured.provider.supportedTypes,
                bucket: configured.settings.ratePerMinute.map { TokenBucket(ratePerMinute: $0) })
        }
        self.store = store
        self.clock = clock
        self.metrics = metrics
        self.logger = logger
        metrics.describeCounter("riposte_enrichment_calls_total", help: "Provider lookups made, by provider.")
        metrics.describeCounter("riposte_enrichment_cache_hits_total", help: "Lookups answered from the cache, by provider.")
        metrics.describeCounter("riposte_enrichment_errors_total", help: "Failed provider lookups, by provider.")
        metrics.describeCounter(
            "riposte_enrichment_rate_limited_total",
            help: "Lookups deferred by the token bucket, a back-off or a 429, by provider.")
    }

    /// The provider names, in configuration order.
    package var providerNames: [String] { slots.map(\.provider.name) }

    /// The observable types at least one provider is asked about.
    package var enrichedTypes: Set<ObservableType> { slots.reduce(into: []) { $0.formUnion($1.types) } }

    /// Enriches `items` with every provider (or only those named in `only`), stores the new answers
    /// and the verdicts all fresh answers give, and returns what was deferred.
    /// - Throws: only store errors (then nothing of this run was stored).
    package func enrich(_ items: [EnrichmentItem], only: Set<String>? = nil) async throws -> EnrichmentRunSummary {
        let active = slots.filter { only?.contains($0.provider.name) ?? true }
        let relevant = items.filter { item in active.contains { $0.types.contains(item.key.type) } }
        guard !relevant.isEmpty else { return EnrichmentRunSummary() }
        let keys = Array(Set(relevant.map(\.key)))
        var cached: [EnrichmentKey: [EnrichmentRecord]] = [:]
        for start in stride(from: 0, to: keys.count, by: 1000) {
            cached.merge(try await store.enrichments(keys: Array(keys[start..<min(start + 1000, keys.count)]))) { $1 }
        }
        let now = clock.now()
        let snapshot = cached
        let outcomes = await withTaskGroup(of: ProviderOutcome.self) { group in
            for slot in active {
                let mine = relevant.filter { item in
                    slot.types.contains(item.key.type) && !(slot.provider.sendsDataOutside && Self.isInternal(item.key))
                }
                guard !mine.isEmpty else { continue }
                group.addTask { await self.run(slot, items: mine, cached: snapshot, now: now) }
            }
            var all: [ProviderOutcome] = []
            for await outcome in group { all.append(outcome) }
            return all
        }
        var summary = EnrichmentRunSummary()
        var records: [EnrichmentRecord] = []
        var verdicts: [EnrichmentVerdictUpdate] = []
        for outcome in outcomes {
            summary.calls += outcome.calls
            summary.cacheHits += outcome.cacheHits
            summary.errors += outcome.errors
            summary.rateLimited += outcome.deferred?.items.count ?? 0
            if let deferred = outcome.deferred { summary.deferred.append(deferred) }
            records += outcome.fresh
            verdicts += outcome.verdicts
        }
        summary.raised = try await store.saveEnrichments(records, verdicts: verdicts, now: clock.now())
        return summary
    }

    /// Private, loopback and link-local addresses never go to a third party: the answer would be
    /// meaningless and the question leaks the internal network.
    static func isInternal(_ key: EnrichmentKey) -> Bool {
        guard key.type == .ipv4 || key.type == .ipv6 else { return false }
        return IPAddress(key.value)?.isPrivate ?? false
    }

    private struct ProviderOutcome: Sendable {
        var calls = 0
        var cacheHits = 0
        var errors = 0
        var fresh: [EnrichmentRecord] = []
        var verdicts: [EnrichmentVerdictUpdate] = []
        var deferred: DeferredEnrichment?
    }

    private func run(_ slot: Slot, items: [EnrichmentItem], cached: [EnrichmentKey: [EnrichmentRecord]], now: Date) async
        -> ProviderOutcome
    {
        let name = slot.provider.name
        var outcome = ProviderOutcome()
        var answers: [EnrichmentKey: EnrichmentRecord] = [:]
        var misses: [EnrichmentKey] = []
        for key in Set(items.map(\.key)) {
            if let record = cached[key]?.first(where: { $0.provider == name }), record.isFresh(at: now) {
                answers[key] = record
                outcome.cacheHits += 1
            } else {
                misses.append(key)
            }
        }
        misses.sort { ($0.type, $0.value) < ($1.type, $1.value) }
        // Take a token per miss up front; what gets none waits for a later job.
        var granted: [EnrichmentKey] = []
        var waiting: [EnrichmentKey] = []
        var notBefore = backOff.withLock { $0[name] }.flatMap { $0 > now ? $0 : nil }
        if notBefore != nil {
            waiting = misses
        } else {
            for (index, key) in misses.enumerated() {
                if let bucket = slot.bucket, bucket.take(now: now) != nil {
                    waiting = Array(misses[index...])
                    notBefore = now.addingTimeInterval(seconds(bucket.wait(for: waiting.count, now: now)))
                    break
                }
                granted.append(key)
            }
        }
        let provider = slot.provider
        let settings = slot.settings
        var limitedAt: (Date, [EnrichmentKey])?
        await withTaskGroup(of: (EnrichmentKey, Result<EnrichmentAnswer, any Error>).self) { group in
            var next = 0
            func launch() {
                let key = granted[next]
                next += 1
                group.addTask { (key, await Result { try await provider.lookup(key, timeout: settings.timeout) }) }
            }
            while next < min(settings.concurrency, granted.count) { launch() }
            for await (key, result) in group {
                outcome.calls += 1
                switch result {
                case .success(let answer):
                    let fetched = clock.now()
                    answers[key] = EnrichmentRecord(
                        provider: name, key: key, status: answer.status, summary: answer.summary, verdict: answer.verdict,
                        reason: answer.reason, fetchedAt: fetched, expiresAt: fetched.addingTimeInterval(seconds(settings.ttl)))
                    outcome.fresh.append(answers[key]!)
                case .failure(let error as EnrichmentRateLimited):
                    let wait = max(1, error.retryAfter.map(seconds) ?? 60)
                    let until = clock.now().addingTimeInterval(wait)
                    backOff.withLock { $0[name] = max($0[name] ?? until, until) }
                    limitedAt = (until, (limitedAt?.1 ?? []) + [key])
                    logger.warning("enrichment provider rate limited", ["provider": name, "retry_after_s": String(Int(wait))])
                case .failure(let error):
                    outcome.errors += 1
                    metrics.increment("riposte_enrichment_errors_total", labels: [("provider", name)])
                    logger.warning(
                        "enrichment lookup failed",
                        ["provider": name, "type": key.type.rawValue, "error": String(describing: error)])
                }
                // After a 429 nothing more is started; what was not launched waits with the rest.
                if limitedAt == nil, next < granted.count { launch() }
            }
            if let limited = limitedAt {
                waiting = limited.1 + granted[next...] + waiting
                notBefore = max(notBefore ?? limited.0, limited.0)
            }
        }
        metrics.increment("riposte_enrichment_calls_total", by: Double(outcome.calls), labels: [("provider", name)])
        metrics.increment("riposte_enrichment_cache_hits_total", by: Double(outcome.cacheHits), labels: [("provider", name)])
        if !waiting.isEmpty, let notBefore {
            let waitingSet = Set(waiting)
            let deferredItems = items.filter { waitingSet.contains($0.key) }
            outcome.deferred = DeferredEnrichment(provider: name, items: deferredItems, notBefore: notBefore)
            metrics.increment(
                "riposte_enrichment_rate_limited_total", by: Double(waiting.count), labels: [("provider", name)])
        }
        for item in items {
            guard let record = answers[item.key], let verdict = record.verdict, verdict > .unknown else { continue }
            outcome.verdicts.append(
                EnrichmentVerdictUpdate(
                    observableID: item.observableID, provider: name, verdict: verdict,
                    reason: record.reason ?? "\(name) says \(verdict.rawValue)"))
        }
        return outcome
    }

    private func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

extension Result where Failure == any Error {
    init(catching body: () async throws -> Success) async {
        do {
            self = .success(try await body())
        } catch {
            self = .failure(error)
        }
    }
}
