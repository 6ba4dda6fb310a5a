// The composition root: opens the store, builds the services and the web responder, and runs them.
import Foundation
package import RiposteCore
import RiposteHTTP
package import RiposteIngest
import RiposteIntel
package import RiposteRuntime
package import RiposteStoreSQLite
package import RiposteWeb
import Synchronization

/// One running Riposte: store, intel index, job worker and HTTP server.
package final class Application: Sendable {
    package let configuration: AppConfiguration
    package let store: any RiposteStore
    package let intake: AlertIntake
    package let intel: IntelService
    package let access: AccessService
    package let metrics: Metrics
    package let logger: Logger
    let worker: JobWorker
    let enrichmentWorker: EnrichmentWorker
    let server: HTTPServer
    /// The open syslog listeners, bound at build time.
    package let syslogListeners: [SyslogListener]
    package let feeds: FeedService
    /// The configured pollers (QRadar, Sentinel), each on its own schedule.
    package let pollers: [PollerService]

    /// Opens the data directory (creating it and migrating the store) and wires every part.
    /// - Throws: `.invalid` for unusable configuration, `.unavailable` when the store cannot open.
    package static func build(
        _ configuration: AppConfiguration, logger: Logger, clock: WallClock = .system,
        accessLog: (@Sendable (String) -> Void)? = nil
    ) async throws -> Application {
        let ids = ULIDGenerator()
        let store = try await openStore(configuration, ids: ids)
        let metrics = Metrics()
        let intel = IntelService(
            store: store, clock: clock, logger: logger, metrics: metrics, retroHuntDays: configuration.retroHuntDays)
        let access = AccessService(store: store, ids: ids, clock: clock)
        let workerBox = WorkerBox()
        let liveRules = LiveAlertRules(
            AlertRuleSet(
                defaultFingerprinter: configuration.fingerprinter, defaultPolicy: configuration.grouping,
                dedupKeys: configuration.dedupKeys))
        let rules = RuleService(
            store: store, ids: ids, clock: clock, live: liveRules, defaultFingerprinter: configuration.fingerprinter,
            defaultPolicy: configuration.grouping, dedupKeys: configuration.dedupKeys)
        do {
            // Before the first alert: an alert must never be grouped or let through by a rule set not yet loaded.
            try await rules.reload()
        } catch {
            await store.close()
            throw error
        }
        let intake = AlertIntake(
            store: store, ids: ids, clock: clock, fingerprinter: configuration.fingerprinter,
            grouping: configuration.grouping, limits: configuration.ingestLimits, metrics: metrics,
            admission: IngestAdmission(
                maxPendingBytes: configuration.ingestMaxPendingBytes,
                retryAfterSeconds: configuration.ingestRetryAfterSeconds),
            rules: liveRules,
            onStored: { _ in workerBox.worker?.wake() })
        let resolver = SystemResolver()
        let enricher: Enricher
        do {
            enricher = Enricher(
                providers: try configuration.enrichment.makeProviders(
                    http: URLSessionHTTPClient(), resolver: resolver, clock: clock),
                store: store, clock: clock, metrics: metrics, logger: logger)
        } catch {
            await store.close()
            throw error
        }
        let enrichmentWorker = EnrichmentWorker(
            store: store, enricher: enricher, ids: ids, clock: clock, logger: logger, metrics: metrics, resolver: resolver)
        let worker = JobWorker(
            store: store, intel: intel, clock: clock, logger: logger, metrics: metrics,
            batchSize: configuration.jobBatchSize, ids: ids, enrichTypes: enricher.enrichedTypes,
            observablesPerEnrichJob: configuration.enrichment.observablesPerJob,
            onEnrichQueued: { enrichmentWorker.wake() })
        workerBox.worker = worker
        metrics.registerGauge("riposte_job_queue_depth", help: "Jobs waiting or running.") {
            Double((try? await store.pendingJobCount()) ?? -1)
        }
        do {
            try await AlertMappingService(store: store, intake: intake, clock: clock).load()
        } catch {
            logger.error("stored alert mappings could not be loaded", ["error": String(reflecting: error)])
        }
        let pollers = Self.pollers(configuration, store: store, intake: intake, clock: clock, logger: logger, metrics: metrics)
        let feeds = FeedService(
            store: store, intel: intel, http: URLSessionHTTPClient(), clock: clock, logger: logger, metrics: metrics)
        let syslogListeners: [SyslogListener]
        do {
            syslogListeners = try configuration.syslogListeners.map { listener in
                try SyslogListener(listener, metrics: metrics, logger: logger) { drafts in _ = try await intake.store(drafts) }
            }
        } catch {
            await store.close()
            throw error
        }
        let responder = WebApplication.responder(
            WebDependencies(
                store: store, intake: intake, intel: intel, access: access, metrics: metrics, clock: clock,
                logger: logger, feeds: feeds,
                signatures: SourceSignatureVerifier(secrets: configuration.sourceSecrets, clock: clock),
                pollers: pollers.map { ConfiguredPoller(name: $0.name, kind: $0.poller.kind) }, rules: rules,
                listeners: { syslogListeners.map(\.status) }))
        let server = HTTPServer(
            configuration: configuration.http, responder: responder,
            accessLog: accessLog ?? AccessLog.standardOutput)
        return Application(
            configuration: configuration, store: store, intake: intake, intel: intel, access: access,
            metrics: metrics, logger: logger, worker: worker, enrichmentWorker: enrichmentWorker, server: server,
            syslogListeners: syslogListeners, feeds: feeds, pollers: pollers)
    }

    /// One `PollerService` per configured vendor API; their alerts go through `intake` like pushed ones.
    static func pollers(
        _ configuration: AppConfiguration, store: any RiposteStore, intake: AlertIntake, clock: WallClock, logger: Logger,
        metrics: Metrics
    ) -> [PollerService] {
        let http = URLSessionHTTPClient()
        var pollers: [PollerService] = []
        let sink: @Sendable ([AlertDraft]) async throws -> Void = { drafts in _ = try await intake.store(drafts) }
        if let qradar = configuration.qradarPoller {
            pollers.append(
                PollerService(
                    name: "qradar", poller: QRadarOffensePoller(configuration: qradar, http: http, clock: clock),
                    schedule: PollSchedule(interval: configuration.qradarInterval), store: store, clock: clock, logger: logger,
                    metrics: metrics, sink: sink))
        }
        if let sentinel = configuration.sentinelPoller {
            pollers.append(
                PollerService(
                    name: "sentinel", poller: SentinelIncidentPoller(configuration: sentinel, http: http, clock: clock),
                    schedule: PollSchedule(interval: configuration.sentinelInterval), store: store, clock: clock,
                    logger: logger, metrics: metrics, sink: sink))
        }
        return pollers
    }

    private init(
        configuration: AppConfiguration, store: any RiposteStore, intake: AlertIntake, intel: IntelService,
        access: AccessService, metrics: Metrics, logger: Logger, worker: JobWorker, enrichmentWorker: EnrichmentWorker,
        server: HTTPServer, syslogListeners: [SyslogListener], feeds: FeedService, pollers: [PollerService]
    ) {
        self.enrichmentWorker = enrichmentWorker
        self.syslogListeners = syslogListeners
        self.feeds = feeds
        self.pollers = pollers
        self.configuration = configuration
        self.store = store
        self.intake = intake
        self.intel = intel
        self.access = access
        self.metrics = metrics
        self.logger = logger
        self.worker = worker
        self.server = server
    }

    /// Opens the configured store, creating it and (unless `migrate` is false) applying pending migrations.
    package static func openStore(_ configuration: AppConfiguration, ids: any IDGenerator, migrate: Bool = true)
        async throws -> SQLiteStore
    {
        do {
            try FileManager.default.createDirectory(atPath: configuration.dataDirectory, withIntermediateDirectories: true)
        } catch {
            throw RiposteError(.unavailable, "cannot create data directory \(configuration.dataDirectory)", underlying: error)
        }
        return try await SQLiteStore.open(
            path: configuration.sqlitePath, configuration: SQLiteConfiguration(migrateOnOpen: migrate), ids: ids)
    }

    /// Binds the HTTP port and returns it (useful with port 0); `run()` then serves.
    package func start() async throws -> Int {
        Int(try await server.start())
    }

    /// Loads the intel index and serves until SIGTERM/SIGINT or `shutdown()`, then closes the store.
    /// Returns at once (after closing the store) when `shutdown()` came first.
    package func run() async throws {
        // Listeners and pollers start after the worker and stop before it, like the HTTP server.
        let services: [any Service] =
            [IndexLoader(intel: intel, logger: logger), FeedScheduler(feeds: feeds), enrichmentWorker, worker] + syslogListeners
            + pollers as [any Service] + [server]
        let group = ServiceGroup(services: services, logger: logger)
        let alreadyStopped = lifecycle.withLock { state -> Bool in
            if case .stopRequested = state { return true }
            state = .running(group)
            return false
        }
        if alreadyStopped {
            await server.shutdown()
            await store.close()
            return
        }
        do {
            try await group.run()
        } catch {
            await store.close()
            throw error
        }
        await store.close()
    }

    private enum Lifecycle {
        case idle
        case running(ServiceGroup)
        case stopRequested
    }

    private let lifecycle = Mutex(Lifecycle.idle)

    /// Stops serving as SIGTERM would: in-flight requests finish, then `run()` returns. Called
    /// before `run()`, it makes `run()` return at once.
    package func shutdown() async {
        let group = lifecycle.withLock { state -> ServiceGroup? in
            switch state {
            case .running(let group): return group
            case .idle, .stopRequested:
                state = .stopRequested
                return nil
            }
        }
        await group?.shutdown()
    }
}

/// Polls the feeds that are due, every second, until shutdown.
private final class FeedScheduler: Service {
    let name = "feeds"
    let feeds: FeedService
    private let task = Mutex<(running: Task<Void, Never>?, stopped: Bool)>((nil, false))

    init(feeds: FeedService) { self.feeds = feeds }

    func run() async throws {
        let feeds = self.feeds
        let running = task.withLock { state -> Task<Void, Never>? in
            guard !state.stopped else { return nil }
            state.running = Task { await feeds.schedule() }
            return state.running
        }
        await running?.value
    }

    func shutdown() async {
        task.withLock { state in
            state.stopped = true
            state.running?.cancel()
        }
    }
}

/// Lets the intake wake the worker that is created after it.
private final class WorkerBox: Sendable {
    private let slot = Mutex<JobWorker?>(nil)
    var worker: JobWorker? {
        get { slot.withLock { $0 } }
        set { slot.withLock { $0 = newValue } }
    }
}

/// Loads the intel index once at start, in the background so the server answers at once.
/// Then rebuilds it whenever an indicator's validity window opens or closes, until shutdown.
private final class IndexLoader: Service {
    let name = "intel-index"
    let intel: IntelService
    let logger: Logger
    private let sweep = Mutex<(task: Task<Void, Never>?, stopped: Bool)>((nil, false))

    init(intel: IntelService, logger: Logger) {
        self.intel = intel
        self.logger = logger
    }

    func run() async throws {
        do {
            try await intel.reload()
        } catch {
            logger.error("intel index load failed; matching with an empty index", ["error": String(reflecting: error)])
            intel.markLoaded()
        }
        let intel = self.intel
        let task = sweep.withLock { state -> Task<Void, Never>? in
            guard !state.stopped else { return nil }
            state.task = Task { await intel.lifecycleSweep() }
            return state.task
        }
        await task?.value
    }

    func shutdown() async {
        sweep.withLock { state in
            state.stopped = true
            state.task?.cancel()
        }
    }
}
