// The intel use case: import indicator lists into the store, keep the in-memory index in step with
// the store, look values up, and turn hits into verdicts for observables.
package import Foundation
package import RiposteCore
package import RiposteIntel
package import RiposteRuntime
import Synchronization

/// Owns the live intel index and the import path.
package final class IntelService: Sendable {
    /// The list formats `POST /api/v1/indicators` takes today.
    package enum ListFormat: String, Sendable, CaseIterable {
        case plaintext, csv, stix, misp
    }

    /// What one import did: indicators parsed and stored, and the parts of the input that were refused.
    package struct ImportOutcome: Sendable {
        /// One refused part: a line (lists), an object (STIX) or an attribute (MISP), and why.
        package struct Rejection: Sendable, Hashable {
            package var location: String
            package var reason: String
        }

        package var parsed: Int
        package var summary: IndicatorImportSummary
        /// The first rejections (the parsers cap how many they report).
        package var rejected: [Rejection]
        package var rejectedCount: Int
        /// Parsed indicators that are revoked or outside their validity window now: stored, not matched.
        package var inactive: Int
        /// What matching the new indicators against past observables found.
        package var retroHunt: RetroHuntResult
    }

    /// What one retro-hunt did.
    package struct RetroHuntResult: Sendable {
        /// Observables first seen within the retro-hunt window, all looked up.
        package var scanned = 0
        /// Observables that gained a hit (their verdicts rise, their incidents' timelines say so).
        package var matched = 0
    }

    private let store: any IndicatorStore & EnrichmentStore
    /// How far back a retro-hunt looks for observables that new indicators match (0: no retro-hunt).
    private let retroHuntDays: Int
    private let holder = IntelIndexHolder()
    private let clock: WallClock
    private let logger: Logger
    private let metrics: Metrics
    private let loaded = Mutex<(done: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))
    /// Serialises rebuilds so two imports do not build two indexes at once.
    private let rebuildGate = AsyncGate()
    /// Indicators read from the store per page while building the index.
    private static let pageSize = 50_000

    package init(
        store: any IndicatorStore & EnrichmentStore, clock: WallClock, logger: Logger, metrics: Metrics, retroHuntDays: Int = 30
    ) {
        self.store = store
        self.retroHuntDays = retroHuntDays
        metrics.describeCounter(
            "riposte_intel_retro_matches_total", help: "Past observables that later indicators matched (retro-hunt).")
        self.clock = clock
        self.logger = logger
        self.metrics = metrics
        metrics.registerGauge("riposte_intel_indicators", help: "Indicators in the live intel index.") { [holder] in
            Double(holder.current.count)
        }
    }

    /// The live index.
    package var index: IndicatorIndex { holder.current }

    /// Builds the index from the store and swaps it in; lookups keep using the old one meanwhile.
    package func reload() async throws {
        try await rebuildGate.run {
            let started = ContinuousClock.now
            let now = clock.now()
            var builder = IndicatorIndex.Builder()
            var nextChange: Date?
            // The next page is read (on a store reader thread) while this one is added to the builder,
            // so a large load costs about the longer of the two, not their sum.
            let store = self.store
            var pending = Task { try await store.indicators(after: nil, limit: Self.pageSize) }
            var cursor: String?
            repeat {
                let page = try await pending.value
                if let next = page.next {
                    pending = Task { try await store.indicators(after: next, limit: Self.pageSize) }
                }
                // Revoked and expired indicators stay stored but are not matched; the earliest future
                // valid_from or valid_until is when the index must be rebuilt (see `lifecycleSweep`).
                func consider(_ boundary: Date?) {
                    if let boundary, boundary > now, boundary < (nextChange ?? .distantFuture) { nextChange = boundary }
                }
                for indicator in page.indicators {
                    consider(indicator.validFrom)
                    consider(indicator.validUntil)
                }
                builder.add(contentsOf: page.indicators.filter { $0.isActive(at: now) })
                cursor = page.next
            } while cursor != nil
            let index = builder.build()
            holder.replace(with: index)
            nextLifecycleChange.withLock { $0 = nextChange }
            logger.info(
                "intel index loaded",
                ["intel.indicators": String(index.count), "duration_ms": String((ContinuousClock.now - started).milliseconds)])
        }
        markLoaded()
    }

    /// When an indicator's validity window next opens or closes; nil when none will.
    package var nextLifecycleChangeAt: Date? { nextLifecycleChange.withLock { $0 } }
    private let nextLifecycleChange = Mutex<Date?>(nil)

    /// Rebuilds the index whenever an indicator's validity window opens or closes (checked every
    /// `interval`, so an import that brings an earlier boundary is seen at once), so expired indicators
    /// stop matching on time. Returns when cancelled.
    package func lifecycleSweep(interval: Duration = .seconds(1)) async {
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: interval)
            } catch {
                return
            }
            if let next = nextLifecycleChangeAt, next <= clock.now() {
                do {
                    try await reload()
                } catch {
                    logger.error("intel index rebuild for expiring indicators failed", ["error": String(reflecting: error)])
                }
            }
        }
    }

    /// Returns once the first `reload()` has finished (successfully or not).
    package func waitUntilLoaded() async {
        await withCheckedContinuation { continuation in
            let ready = loaded.withLock { state -> Bool in
                if state.done { return true }
                state.waiters.append(continuation)
                return false
            }
            if ready { continuation.resume() }
        }
    }

    /// Marks the index usable, even after a failed load: an empty index beats a stuck worker.
    package func markLoaded() {
        let waiters = loaded.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.done = true
            defer { state.waiters = [] }
            return state.waiters
        }
        waiters.forEach { $0.resume() }
    }

    /// Feed reliabilities by feed name, from the feed definitions (see `FeedService`).
    private let reliabilities = Mutex<[String: SourceReliability]>([:])

    package func setFeedReliabilities(_ values: [String: SourceReliability]) { reliabilities.withLock { $0 = values } }

    /// The index's hits for a value, each with its feed's reliability.
    private func hits(_ type: ObservableType, _ value: String) -> [IntelHit] {
        var hits = holder.current.lookup(type, value)
        guard !hits.isEmpty else { return hits }
        let known = reliabilities.withLock { $0 }
        for index in hits.indices { hits[index].reliability = known[hits[index].feed] }
        return hits
    }

    /// Intel updates for the observables of new alerts (one list per alert): the index's hits for each
    /// observable (looked up once however many alerts name it), and the hits of STIX patterns that hold
    /// for an alert's observables taken together. Observables without a hit get no update.
    package func updates(forAlerts alerts: some Sequence<[Observable]>) -> [ObservableIntelUpdate] {
        let index = holder.current
        var hits: [ObservableID: [IntelHit]] = [:]
        var lookedUp: Set<ObservableID> = []
        for observables in alerts {
            for observable in observables where lookedUp.insert(observable.id).inserted {
                let found = index.lookup(observable.type, observable.value, includingPatterns: false)
                if !found.isEmpty { hits[observable.id, default: []] += found }
            }
            guard index.hasPatterns else { continue }
            let drafts = observables.map { ObservableDraft(type: $0.type, normalizedValue: $0.value) }
            for (position, found) in index.patternHits(drafts) {
                let id = observables[position].id
                var list = hits[id, default: []]
                for hit in found where !list.contains(where: { $0.feed == hit.feed && $0.indicator == hit.indicator }) {
                    list.append(hit)
                }
                hits[id] = list
            }
        }
        let known = reliabilities.withLock { $0 }
        return hits.map { id, found in
            var found = found
            for position in found.indices { found[position].reliability = known[found[position].feed] }
            return ObservableIntelUpdate(observableID: id, hits: found, verdict: VerdictPolicy.verdict(for: found))
        }
    }

    /// What is known of `value`: its detected type, verdict, why, and hits.
    package func lookup(_ raw: String) -> (type: ObservableType?, verdict: Verdict, reason: String, hits: [IntelHit]) {
        guard let draft = Self.detect(raw) else { return (nil, .unknown, "not an observable value", []) }
        let hits = hits(draft.type, draft.value)
        let explained = VerdictPolicy.explain(hits)
        return (draft.type, explained.verdict, explained.reason, hits)
    }

    /// The first observable type `raw` is a valid value of, most specific first.
    static func detect(_ raw: String) -> ObservableDraft? {
        let order: [ObservableType] = [.ipv4, .ipv6, .url, .email, .md5, .sha1, .sha256, .domain, .hostname]
        for type in order {
            if let draft = ObservableDraft(type, raw) { return draft }
        }
        return nil
    }

    /// Parses a list, a STIX 2.1 bundle or a MISP event, stores its indicators (revoked and expired
    /// ones too, so a revocation replaces what was stored) and (unless told not to) rebuilds the live index.
    /// - Throws: `.invalid` for a bad feed name or input that cannot be read at all; `.tooLarge` past the
    ///   parser's limits. Bad lines, objects or attributes are reported in the outcome instead.
    package func importList(
        _ bytes: [UInt8], format: ListFormat, feed: String, csvMapping: CSVMapping? = nil, rebuildIndex: Bool = true
    ) async throws -> ImportOutcome {
        let now = clock.now()
        let options = try IndicatorImportOptions(feed: feed, firstSeen: now)
        let indicators: [Indicator]
        let rejected: [ImportOutcome.Rejection]
        let rejectedCount: Int
        switch format {
        case .plaintext, .csv:
            let result =
                format == .plaintext
                ? try PlaintextIndicatorParser.parse(bytes, options: options)
                : try CSVIndicatorParser(mapping: csvMapping ?? CSVMapping()).parse(bytes, options: options)
            indicators = result.indicators
            rejected = result.rejected.map { .init(location: "line \($0.line)", reason: $0.reason) }
            rejectedCount = result.rejectedCount
        case .stix:
            let result = try STIXBundleImporter.parse(bytes, options: options)
            indicators = result.indicators
            rejected = result.errors.map {
                .init(location: "object \($0.index)" + ($0.id.map { " (\($0))" } ?? ""), reason: $0.reason)
            }
            rejectedCount = result.errorCount
        case .misp:
            return try await importMISP(
                try MISPEventImporter.parse(bytes, options: options), feed: feed, rebuildIndex: rebuildIndex)
        }
        return try await store(
            indicators, feed: feed, now: now, rejected: rejected, rejectedCount: rejectedCount, rebuildIndex: rebuildIndex)
    }

    /// Stores what a MISP event or restSearch page gave, as `importList` does.
    package func importMISP(_ result: MISPImportResult, feed: String, rebuildIndex: Bool = true) async throws -> ImportOutcome {
        let rejected = result.errors.map {
            ImportOutcome.Rejection(location: $0.location + ($0.uuid.map { " (\($0))" } ?? ""), reason: $0.reason)
        }
        return try await store(
            result.indicators, feed: feed, now: clock.now(), rejected: rejected, rejectedCount: result.errorCount,
            rebuildIndex: rebuildIndex)
    }

    /// Imports STIX objects already parsed (a TAXII page's `objects`) as `importList` imports a bundle.
    package func importSTIXObjects(_ objects: [JSONValue], feed: String, rebuildIndex: Bool = true) async throws -> ImportOutcome
    {
        let now = clock.now()
        let result = try STIXBundleImporter.importObjects(
            objects, options: try IndicatorImportOptions(feed: feed, firstSeen: now))
        let rejected = result.errors.map {
            ImportOutcome.Rejection(location: "object \($0.index)" + ($0.id.map { " (\($0))" } ?? ""), reason: $0.reason)
        }
        return try await store(
            result.indicators, feed: feed, now: now, rejected: rejected, rejectedCount: result.errorCount,
            rebuildIndex: rebuildIndex)
    }

    private func store(
        _ indicators: [Indicator], feed: String, now: Date, rejected: [ImportOutcome.Rejection], rejectedCount: Int,
        rebuildIndex: Bool
    ) async throws -> ImportOutcome {
        let summary = try await store.importIndicators(indicators, now: now)
        metrics.increment("riposte_intel_indicators_imported_total", by: Double(summary.added), labels: [("feed", feed)])
        if rebuildIndex, summary.added > 0 || summary.updated > 0 { try await reload() }
        let retroHunt = try await self.retroHunt(indicators, now: now)
        return ImportOutcome(
            parsed: indicators.count, summary: summary, rejected: rejected, rejectedCount: rejectedCount,
            inactive: indicators.count { !$0.isActive(at: now) }, retroHunt: retroHunt)
    }

    /// Matches `indicators` against the observables first seen in the last `retroHuntDays` days: each
    /// observable that gains a hit has its verdict raised and an `intel.retro_matched` event on its
    /// incident's timeline, which rules and playbooks can trigger on. Re-matching known hits changes
    /// nothing, so it is safe to run for every import.
    package func retroHunt(_ indicators: [Indicator], now: Date) async throws -> RetroHuntResult {
        var result = RetroHuntResult()
        let active = indicators.filter { $0.isActive(at: now) }
        guard retroHuntDays > 0, !active.isEmpty else { return result }
        var builder = IndicatorIndex.Builder()
        builder.add(contentsOf: active)
        let index = builder.build()
        let known = reliabilities.withLock { $0 }
        let since = now.addingTimeInterval(-Double(retroHuntDays) * 86_400)
        var after: ObservableID?
        while true {
            let page = try await store.observables(firstSeenSince: since, after: after, limit: 10_000)
            guard let last = page.last else { break }
            after = last.id
            result.scanned += page.count
            var updates: [ObservableIntelUpdate] = []
            for observable in page {
                var hits = index.lookup(observable.type, observable.value)
                guard !hits.isEmpty else { continue }
                for position in hits.indices { hits[position].reliability = known[hits[position].feed] }
                updates.append(
                    ObservableIntelUpdate(
                        observableID: observable.id, hits: hits, verdict: VerdictPolicy.verdict(for: hits), retroactive: true))
            }
            if !updates.isEmpty { result.matched += try await store.recordIntel(updates, now: now) }
        }
        if result.matched > 0 {
            metrics.increment("riposte_intel_retro_matches_total", by: Double(result.matched))
            logger.info("retro-hunt matched past observables", ["observables": String(result.matched)])
        }
        return result
    }
}

/// Runs async closures one at a time.
final class AsyncGate: Sendable {
    private let state = Mutex<(busy: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func run<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        await acquire()
        defer { release() }
        return try await body()
    }

    private func acquire() async {
        await withCheckedContinuation { continuation in
            let granted = state.withLock { state -> Bool in
                if !state.busy {
                    state.busy = true
                    return true
                }
                state.waiters.append(continuation)
                return false
            }
            if granted { continuation.resume() }
        }
    }

    private func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if state.waiters.isEmpty {
                state.busy = false
                return nil
            }
            return state.waiters.removeFirst()
        }
        next?.resume()
    }
}

extension Duration {
    var milliseconds: Int64 { components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000 }
}
