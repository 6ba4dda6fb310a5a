// Runs `enrich.observable` jobs: the providers' lookups, apart from the intel-match worker so slow
// vendor calls never delay matching.
import Foundation
import RiposteCore
import RiposteIntel
import RiposteRuntime
import Synchronization

/// Claims enrichment jobs, runs them through the `Enricher`, re-enqueues rate-limited work for later
/// and completes the jobs. A failing store leaves the jobs leased; they are claimed again later.
final class EnrichmentWorker: Service {
    let name = "enrichment"
    private let store: any RiposteStore
    private let enricher: Enricher
    private let ids: any IDGenerator
    private let clock: WallClock
    private let logger: Logger
    private let metrics: Metrics
    private let doorbell = Doorbell()
    private let stopping = Mutex(false)
    /// Provider lookups can take a while; the lease covers a batch with timeouts to spare.
    private static let lease: Duration = .seconds(600)
    private static let idlePoll: Duration = .seconds(1)
    private static let jobsPerClaim = 8
    private static let maxAttempts = 8

    /// The DNS provider's resolver threads, stopped when the worker stops.
    private let resolver: SystemResolver?

    init(
        store: any RiposteStore, enricher: Enricher, ids: any IDGenerator, clock: WallClock, logger: Logger, metrics: Metrics,
        resolver: SystemResolver? = nil
    ) {
        self.resolver = resolver
        self.store = store
        self.enricher = enricher
        self.ids = ids
        self.clock = clock
        self.logger = logger
        self.metrics = metrics
    }

    func wake() { doorbell.ring() }

    func run() async throws {
        while !stopping.withLock({ $0 }) {
            let worked: Bool
            do {
                worked = try await runOneBatch()
            } catch {
                logger.error("enrichment batch failed", ["error": String(reflecting: error)])
                worked = false
            }
            if !worked { await doorbell.wait(timeout: Self.idlePoll) }
        }
        // Not awaited: queued lookups against a dead DNS server could hold shutdown for minutes;
        // the threads end once their C calls return.
        if let resolver { Task { await resolver.shutdown() } }
    }

    func shutdown() async {
        stopping.withLock { $0 = true }
        doorbell.ring()
    }

    /// Claims and runs up to `jobsPerClaim` jobs; false when there were none.
    func runOneBatch() async throws -> Bool {
        let jobs = try await store.claim(
            kinds: [JobKinds.enrichObservable], limit: Self.jobsPerClaim, now: clock.now(), lease: Self.lease)
        guard !jobs.isEmpty else { return false }
        // Jobs for every provider run together; a deferred job (one provider) runs on its own.
        var groups: [Set<String>?: (jobs: [JobID], items: [EnrichmentItem])] = [:]
        for job in jobs {
            if job.attempts >= Self.maxAttempts {
                metrics.increment("riposte_jobs_failed_total", labels: [("kind", job.kind)])
                try await store.fail(job.id, error: "gave up after \(job.attempts) attempts", retryAt: nil)
                continue
            }
            guard let items = Self.items(job.payload) else {
                logger.error("dropping enrichment job with a bad payload", ["job.id": job.id.rawValue])
                try await store.fail(job.id, error: "bad payload", retryAt: nil)
                continue
            }
            let only = job.payload["providers"]?.arrayValue.map { Set($0.compactMap(\.stringValue)) }
            groups[only, default: ([], [])].jobs.append(job.id)
            groups[only, default: ([], [])].items += items
        }
        for (only, group) in groups {
            let summary = try await enricher.enrich(group.items, only: only)
            let later = summary.deferred.map { deferred in
                Job(
                    id: ids.next(), kind: JobKinds.enrichObservable,
                    payload: Self.payload(deferred.items, providers: [deferred.provider]), runAt: deferred.notBefore)
            }
            try await store.enqueue(later)
            try await store.complete(group.jobs)
            metrics.increment(
                "riposte_jobs_completed_total", by: Double(group.jobs.count), labels: [("kind", JobKinds.enrichObservable)])
        }
        return true
    }

    /// Providers that answer from local data and send nothing out: the only ones for observables named by
    /// TLP:AMBER+STRICT or TLP:RED intel.
    static let offlineProviders = ["geoip"]

    /// The job payload for `items`, optionally limited to some providers.
    static func payload(_ items: [EnrichmentItem], providers: [String]? = nil) -> JSONValue {
        var members: [(String, JSONValue)] = [
            (
                "observables",
                .array(
                    items.map {
                        .object([
                            ("id", .string($0.observableID.rawValue)), ("type", .string($0.key.type.rawValue)),
                            ("value", .string($0.key.value)),
                        ])
                    })
            )
        ]
        if let providers { members.append(("providers", .array(providers.map(JSONValue.string)))) }
        return .object(members)
    }

    static func items(_ payload: JSONValue) -> [EnrichmentItem]? {
        guard let list = payload["observables"]?.arrayValue else { return nil }
        var items: [EnrichmentItem] = []
        for entry in list {
            guard let id = entry["id"]?.stringValue.flatMap(ObservableID.init(parsing:)),
                let type = entry["type"]?.stringValue.flatMap(ObservableType.init(rawValue:)),
                let value = entry["value"]?.stringValue
            else { return nil }
            items.append(EnrichmentItem(observableID: id, key: EnrichmentKey(type: type, value: value)))
        }
        return items
    }
}
