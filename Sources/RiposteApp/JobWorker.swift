// Runs durable jobs: claims a batch, does the work, completes or reschedules each job.
import Foundation
import RiposteCore
import RiposteIntel
import RiposteRuntime
import RiposteWeb
import Synchronization

/// The background worker for the job table. Today it runs `intel.match`: the observables of a
/// new alert are matched against the intel index (values, and STIX patterns over the alert's
/// observables together) and the hits and verdicts stored.
final class JobWorker: Service {
    let name = "jobs"
    private let store: any RiposteStore
    private let intel: IntelService
    private let clock: WallClock
    private let logger: Logger
    private let metrics: Metrics
    private let batchSize: Int
    private let doorbell = Doorbell()
    private let stopping = Mutex(false)
    /// How long a claimed job stays invisible to other workers before it counts as abandoned.
    private static let lease: Duration = .seconds(120)
    private static let idlePoll: Duration = .seconds(1)
    /// How long the worker lets new jobs gather after a wake-up; bounds enrichment latency.
    private static let coalescingDelay: Duration = .milliseconds(50)
    /// Alerts whose observables are read at once (the store's batch-read limit).
    private static let alertsPerRead = 1000
    /// Attempts before a job is kept as dead.
    private static let maxAttempts = 8

    /// The observable types enrichment providers are asked about; empty when enrichment is off.
    private let enrichTypes: Set<ObservableType>
    private let observablesPerEnrichJob: Int
    private let ids: any IDGenerator
    /// Called after enrichment jobs were enqueued (wakes the enrichment worker).
    private let onEnrichQueued: @Sendable () -> Void

    init(
        store: any RiposteStore, intel: IntelService, clock: WallClock, logger: Logger, metrics: Metrics, batchSize: Int,
        ids: any IDGenerator = ULIDGenerator(), enrichTypes: Set<ObservableType> = [], observablesPerEnrichJob: Int = 500,
        onEnrichQueued: @escaping @Sendable () -> Void = {}
    ) {
        self.enrichTypes = enrichTypes
        self.observablesPerEnrichJob = max(1, observablesPerEnrichJob)
        self.ids = ids
        self.onEnrichQueued = onEnrichQueued
        self.store = store
        self.intel = intel
        self.clock = clock
        self.logger = logger
        self.metrics = metrics
        self.batchSize = batchSize
        metrics.describeCounter("riposte_jobs_completed_total", help: "Jobs finished, by kind.")
        metrics.describeCounter("riposte_jobs_failed_total", help: "Jobs set aside as dead, by kind.")
    }

    /// Tells the worker there may be new jobs.
    func wake() { doorbell.ring() }

    func run() async throws {
        // Matching against a half-loaded index would miss hits, so wait for it.
        await intel.waitUntilLoaded()
        while !stopping.withLock({ $0 }) {
            let worked: Bool
            do {
                worked = try await runOneBatch()
            } catch {
                logger.error("job batch failed", ["error": String(reflecting: error)])
                worked = false
            }
            if !worked {
                await doorbell.wait(timeout: Self.idlePoll)
                // Let a burst accumulate: one claim of many jobs costs far less than many claims of one.
                try? await Task.sleep(for: Self.coalescingDelay)
            }
        }
    }

    func shutdown() async {
        stopping.withLock { $0 = true }
        doorbell.ring()
    }

    /// Claims and runs one batch; false when there was nothing more to do (an empty or partial batch).
    func runOneBatch() async throws -> Bool {
        let jobs = try await store.claim(kinds: [JobKinds.intelMatch], limit: batchSize, now: clock.now(), lease: Self.lease)
        guard !jobs.isEmpty else { return false }
        var matchJobs: [(Job, [AlertID])] = []
        for job in jobs {
            // A batch that fails is not completed; its leases lapse and it is claimed again. A job
            // that keeps failing is set aside as dead instead of blocking the queue forever.
            if job.attempts >= Self.maxAttempts {
                metrics.increment("riposte_jobs_failed_total", labels: [("kind", job.kind)])
                logger.error(
                    "job gave up", ["job.id": job.id.rawValue, "job.kind": job.kind, "job.attempts": String(job.attempts)])
                try await store.fail(job.id, error: "gave up after \(job.attempts) attempts", retryAt: nil)
                continue
            }
            if job.kind == JobKinds.intelMatch, let list = job.payload["alert_ids"]?.arrayValue {
                matchJobs.append((job, list.compactMap { $0.stringValue.flatMap(AlertID.init(parsing:)) }))
            } else {
                logger.error("dropping job of unknown kind or payload", ["job.id": job.id.rawValue, "job.kind": job.kind])
                try await store.fail(job.id, error: "unknown job kind or payload", retryAt: nil)
            }
        }
        if !matchJobs.isEmpty { try await runIntelMatches(matchJobs) }
        return jobs.count == batchSize
    }

    private func runIntelMatches(_ jobs: [(Job, [AlertID])]) async throws {
        var observablesByAlert: [[Observable]] = []
        var toEnrich: [ObservableID: EnrichmentItem] = [:]
        let alerts = jobs.flatMap(\.1)
        for start in stride(from: 0, to: alerts.count, by: Self.alertsPerRead) {
            let slice = Array(alerts[start..<min(start + Self.alertsPerRead, alerts.count)])
            for observables in try await store.observables(alerts: slice).values {
                observablesByAlert.append(observables)
                for observable in observables where enrichTypes.contains(observable.type) {
                    toEnrich[observable.id] = EnrichmentItem(
                        observableID: observable.id, key: EnrichmentKey(type: observable.type, value: observable.value))
                }
            }
        }
        let updates = intel.updates(forAlerts: observablesByAlert)
        if !updates.isEmpty { _ = try await store.recordIntel(updates, now: clock.now()) }
        // One enrichment job per `observablesPerEnrichJob` observables of the batch, never one per
        // alert. Enqueued before the match jobs complete: a crash in between repeats the match
        // (idempotent) and enqueues again, and the cache turns the repeat into no calls.
        if !toEnrich.isEmpty {
            // Intel marked TLP:AMBER+STRICT or TLP:RED must not leak: asking VirusTotal, an RDAP server or
            // even a DNS resolver about such a value tells others what we look at. Those observables get
            // only the providers that send nothing out.
            let restricted = Set(
                updates.filter { ($0.hits.compactMap(\.tlp).max() ?? .clear) >= .amberStrict }.map(\.observableID))
            let items = toEnrich.values.sorted { $0.observableID < $1.observableID }
            let now = clock.now()
            func jobs(_ items: [EnrichmentItem], providers: [String]?) -> [Job] {
                stride(from: 0, to: items.count, by: observablesPerEnrichJob).map { start in
                    let chunk = Array(items[start..<min(start + observablesPerEnrichJob, items.count)])
                    return Job(
                        id: ids.next(), kind: JobKinds.enrichObservable,
                        payload: EnrichmentWorker.payload(chunk, providers: providers), runAt: now)
                }
            }
            try await store.enqueue(
                jobs(items.filter { !restricted.contains($0.observableID) }, providers: nil)
                    + jobs(items.filter { restricted.contains($0.observableID) }, providers: EnrichmentWorker.offlineProviders))
            onEnrichQueued()
        }
        try await store.complete(jobs.map(\.0.id))
        metrics.increment("riposte_jobs_completed_total", by: Double(jobs.count), labels: [("kind", JobKinds.intelMatch)])
    }

}
