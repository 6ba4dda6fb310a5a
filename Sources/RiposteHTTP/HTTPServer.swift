// HTTPServer: the Service that serves a Responder over libmicrohttpd, with start/run/shutdown.

import RiposteRuntime
import Synchronization

/// An HTTP/1.1 server (optionally HTTPS) that answers every request with a `Responder`.
///
/// ```swift
/// var router = Router()
/// router.get("/health") { _, _ in .text("ok") }
/// var configuration = HTTPServerConfiguration()
/// configuration.port = 0                        // any free port
/// let server = HTTPServer(configuration: configuration,
///                         responder: router.wrapped(in: [SecurityHeadersMiddleware()]))
/// let port = try await server.start()           // listening once this returns
/// // … serve; a ServiceGroup calls run() and, on SIGTERM, shutdown()
/// await server.shutdown()
/// ```
///
/// Lifecycle: `start()` binds and starts MHD's threads and returns the bound port (idempotent).
/// `run()` starts if needed, then returns only after shutdown has completed; cancelling `run()`
/// shuts down. `shutdown()` stops accepting connections, ends event streams, waits up to
/// `drainTimeout` for in-flight requests, answers any still unfinished with 503, and stops MHD;
/// concurrent callers all return when it is done. A server cannot be restarted.
///
/// What the server does on its own: it assigns the request ID (`RequestID`) and echoes it in
/// `X-Request-ID`; answers `413` for bodies over `maxBodyBytes`, `400` for NUL bytes in headers,
/// `500` when the responder throws, and `503` for requests cut off by shutdown, all with the JSON
/// error body; and writes one access-log line per response.
package final class HTTPServer: Service {
    /// `http`.
    package let name = "http"
    /// The configuration the server was created with.
    package let configuration: HTTPServerConfiguration

    private let core: MHDServer
    private let lifecycle = Mutex(Lifecycle())

    private struct Lifecycle {
        enum Phase {
            case idle
            case running(port: Int)
            case shuttingDown
            case stopped
        }
        var phase = Phase.idle
        var stopRequested = false
        var runWaiters: [CheckedContinuation<Void, Never>] = []
        var stopWaiters: [CheckedContinuation<Void, Never>] = []
    }

    /// Creates a server; nothing is bound until `start()` or `run()`.
    /// - Parameters:
    ///   - accessLog: receives one JSON line per response (see `AccessLog`), without a trailing
    ///     newline, possibly from several threads at once; default standard output.
    ///   - diagnostics: receives MHD's warnings and handler errors (for operators, never clients);
    ///     default standard error.
    package init(
        configuration: HTTPServerConfiguration = HTTPServerConfiguration(),
        responder: any Responder,
        accessLog: @escaping @Sendable (String) -> Void = AccessLog.standardOutput,
        diagnostics: @escaping @Sendable (String) -> Void = AccessLog.standardError
    ) {
        self.configuration = configuration
        self.core = MHDServer(
            configuration: configuration, responder: responder, accessLog: accessLog, diagnostics: diagnostics)
    }

    /// The bound port while running, else nil.
    package var port: Int? {
        lifecycle.withLock { state in
            if case .running(let port) = state.phase { return port }
            return nil
        }
    }

    /// Requests that MHD has begun and not yet completed (for tests and metrics).
    package var inFlightRequests: Int { core.inFlightCount }

    /// Binds the configured address and starts serving; returns the bound port (the real one when
    /// the configuration says port 0). Calling it again while running returns the same port.
    /// - Throws: `HTTPServerError` (address, TLS, or MHD could not start — e.g. port in use) or
    ///   `HTTPConfigurationError` (a limit out of range); `HTTPServerError(.shutDown)` after shutdown.
    @discardableResult
    package func start() async throws -> Int {
        try lifecycle.withLock { state in
            switch state.phase {
            case .running(let port):
                return port
            case .shuttingDown, .stopped:
                throw HTTPServerError(.shutDown, "the server was shut down and cannot be restarted")
            case .idle:
                // MHD_start_daemon only binds and spawns threads; holding the lock serialises starts.
                let port = Int(try core.start())
                state.phase = .running(port: port)
                return port
            }
        }
    }

    /// Starts (if needed) and serves until `shutdown()` is called or this task is cancelled; returns
    /// after the shutdown has completed.
    /// - Throws: what `start()` throws.
    package func run() async throws {
        if case .idle = lifecycle.withLock({ $0.phase }) { try await start() }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = lifecycle.withLock { state -> Bool in
                    if state.stopRequested { return true }
                    state.runWaiters.append(continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            requestStop()
        }
        await shutdown()
    }

    /// Graceful shutdown (see the type's documentation); returns when MHD has stopped.
    package func shutdown() async {
        enum Action {
            case perform
            case wait
            case done
        }
        let (action, runWaiters): (Action, [CheckedContinuation<Void, Never>]) = lifecycle.withLock { state in
            state.stopRequested = true
            let waiters = state.runWaiters
            state.runWaiters = []
            switch state.phase {
            case .idle:
                state.phase = .stopped
                return (.done, waiters)
            case .running:
                state.phase = .shuttingDown
                return (.perform, waiters)
            case .shuttingDown:
                return (.wait, waiters)
            case .stopped:
                return (.done, waiters)
            }
        }
        for waiter in runWaiters { waiter.resume() }
        switch action {
        case .perform:
            await core.shutdown()
            let stopWaiters = lifecycle.withLock { state in
                state.phase = .stopped
                defer { state.stopWaiters = [] }
                return state.stopWaiters
            }
            for waiter in stopWaiters { waiter.resume() }
        case .wait:
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = lifecycle.withLock { state -> Bool in
                    if case .stopped = state.phase { return true }
                    state.stopWaiters.append(continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        case .done:
            break
        }
    }

    /// Wakes `run()` so it performs the shutdown (used on cancellation, which cannot await).
    private func requestStop() {
        let waiters = lifecycle.withLock { state in
            state.stopRequested = true
            defer { state.runWaiters = [] }
            return state.runWaiters
        }
        for waiter in waiters { waiter.resume() }
    }
}
