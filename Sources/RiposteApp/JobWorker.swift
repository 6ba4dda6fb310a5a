// Runs durable jobs: claims a batch, does the work, completes or reschedules each job.
import Foundation
import RiposteCore
import RiposteIntel
import RiposteRuntime
import RiposteWeb
import Synchronization

/// The background worker for the job table. Today it runs `intel.match`: the observables of a
/// new alert are matched against the intel index and the hits and verdicts stored.
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
    /// Attempts before a job is kept as dead.
    private static let maxAttempts = 8

    init(store: any RiposteStore, intel: IntelService, clock: WallClock, logger: Logger, metrics: Metrics, batchSize: Int) {
        self.store = store
        self.intel = intel
        self.clock = clock
        self.logger = logger
        self.metrics = metrics
        self.batchSize = batchSize
        metrics.describeCounter("riposte_jobs_completed_total", help: "Jobs finished, by kind.")
        metrics.describeCounter("riposte_jobs_failed_total", help: "Job attempts that failed, by kind.")
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
            if !worked { await doorbell.wait(timeout: Self.idlePoll) }
        }
    }

    func shutdown() async {
        stopping.withLock { $0 = true }
        doorbell.ring()
    }

    /// Claims and runs one batch; false when there was nothing to do.
    func runOneBatch() async throws -> Bool {
        let jobs = try await store.claim(limit: batchSize, now: clock.now(), lease: Self.lease)
        guard !jobs.isEmpty else { return false }
        var matchJobs: [(Job, AlertID)] = []
        for job in jobs {
            if job.kind == JobKinds.intelMatch, let text = job.payload["alert_id"]?.stringValue,
                let alertID = AlertID(parsing: text)
            {
                matchJobs.append((job, alertID))
            } else {
                logger.error("dropping job of unknown kind or payload", ["job.id": job.id.rawValue, "job.kind": job.kind])
                try await store.fail(job.id, error: "unknown job kind or payload", retryAt: nil)
            }
        }
        if !matchJobs.isEmpty { try await runIntelMatches(matchJobs) }
        return true
    }

    private func runIntelMatches(_ jobs: [(Job, AlertID)]) async throws {
        var updates: [ObservableID: ObservableIntelUpdate] = [:]
        var done: [JobID] = []
        for (job, alertID) in jobs {
            do {
                for observable in try await store.observables(alert: alertID) where updates[observable.id] == nil {
                    if let update = intel.update(for: observable) { updates[observable.id] = update }
                }
                done.append(job.id)
            } catch {
                try await reschedule(job, error: error)
            }
        }
        if !updates.isEmpty { _ = try await store.recordIntel(Array(updates.values), now: clock.now()) }
        try await store.complete(done)
        metrics.increment("riposte_jobs_completed_total", by: Double(done.count), labels: [("kind", JobKinds.intelMatch)])
    }

    private func reschedule(_ job: Job, error: any Error) async throws {
        metrics.increment("riposte_jobs_failed_total", labels: [("kind", job.kind)])
        let attempts = job.attempts + 1
        let retryAt = attempts >= Self.maxAttempts ? nil : clock.now().addingTimeInterval(pow(2, Double(attempts)))
        logger.warning("job failed", ["job.id": job.id.rawValue, "job.kind": job.kind, "error": String(describing: error)])
        try await store.fail(job.id, error: String(describing: error), retryAt: retryAt)
    }
}
