// Assembles the HTTP responder: middleware and every controller's routes.
package import RiposteCore
package import RiposteHTTP
package import RiposteIngest
package import RiposteRuntime

/// What the web layer needs from the composition root.
package struct WebDependencies: Sendable {
    package var store: any RiposteStore
    package var intake: AlertIntake
    package var intel: IntelService
    package var access: AccessService
    package var metrics: Metrics
    package var clock: WallClock
    package var logger: Logger
    /// Shared secrets of the sources that may post signed bodies instead of presenting a token.
    package var signatures: SourceSignatureVerifier
    package var feeds: FeedService
    /// The pollers this process runs, listed by `GET /api/v1/pollers` even before their first poll.
    package var pollers: [ConfiguredPoller]
    /// Grouping and suppression rules.
    package var rules: RuleService
    /// The syslog listeners' counts, listed by `GET /api/v1/listeners`.
    package var listeners: @Sendable () -> [SyslogListenerStatus]

    package init(
        store: any RiposteStore, intake: AlertIntake, intel: IntelService, access: AccessService, metrics: Metrics,
        clock: WallClock, logger: Logger, feeds: FeedService,
        signatures: SourceSignatureVerifier = SourceSignatureVerifier(secrets: [:]), pollers: [ConfiguredPoller] = [],
        rules: RuleService, listeners: @escaping @Sendable () -> [SyslogListenerStatus] = { [] }
    ) {
        self.rules = rules
        self.listeners = listeners
        self.feeds = feeds
        self.signatures = signatures
        self.pollers = pollers
        self.store = store
        self.intake = intake
        self.intel = intel
        self.access = access
        self.metrics = metrics
        self.clock = clock
        self.logger = logger
    }
}

/// Builds the responder `riposte serve` hands to the HTTP server.
package enum WebApplication {
    package static func responder(_ dependencies: WebDependencies) -> any Responder {
        var api = APIRouteBuilder(router: Router(), access: dependencies.access, logger: dependencies.logger)
        OperationsController(store: dependencies.store, metrics: dependencies.metrics).register(on: &api)
        AlertController(intake: dependencies.intake, store: dependencies.store, signatures: dependencies.signatures)
            .register(on: &api)
        IncidentController(store: dependencies.store, clock: dependencies.clock).register(on: &api)
        IntelController(intel: dependencies.intel, enrichments: dependencies.store).register(on: &api)
        FeedController(feeds: dependencies.feeds, clock: dependencies.clock).register(on: &api)
        MappingController(
            mappings: AlertMappingService(store: dependencies.store, intake: dependencies.intake, clock: dependencies.clock)
        ).register(on: &api)
        AccessController(access: dependencies.access).register(on: &api)
        PollerController(store: dependencies.store, pollers: dependencies.pollers).register(on: &api)
        RuleController(rules: dependencies.rules, clock: dependencies.clock).register(on: &api)
        ListenerController(listeners: dependencies.listeners).register(on: &api)
        dependencies.metrics.describeCounter("riposte_http_requests_total", help: "HTTP requests by route, method and status.")
        return api.router.wrapped(in: [
            RequestMetricsMiddleware(metrics: dependencies.metrics),
            SecurityHeadersMiddleware(),
        ])
    }
}
