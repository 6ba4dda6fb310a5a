// Runs services together and turns SIGTERM/SIGINT into an orderly shutdown.
import Dispatch
import Foundation
import Synchronization

/// Runs a list of services until one fails, all finish, or a shutdown signal arrives.
///
/// Shutdown goes in reverse start order, so the HTTP server (started last) stops taking work
/// before the workers behind it stop.
package final class ServiceGroup: Sendable {
    private let services: [any Service]
    private let logger: Logger
    private let signals: [Int32]
    private let shuttingDown = Mutex(false)

    package init(services: [any Service], logger: Logger, shutdownSignals: [Int32] = [SIGTERM, SIGINT]) {
        self.services = services
        self.logger = logger
        self.signals = shutdownSignals
    }

    /// Runs every service; returns after all of them have returned.
    /// - Throws: the first service failure, after shutting the others down.
    package func run() async throws {
        let sources = installSignalHandlers()
        defer { sources.forEach { $0.cancel() } }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for service in services {
                group.addTask { try await service.run() }
            }
            do {
                try await group.waitForAll()
            } catch {
                logger.error("service failed; shutting down", ["error": String(describing: error)])
                await shutdown()
                try? await group.waitForAll()
                throw error
            }
        }
    }

    /// Asks every service to stop, newest first. Safe to call more than once.
    package func shutdown() async {
        let first = shuttingDown.withLock { state -> Bool in
            defer { state = true }
            return !state
        }
        guard first else { return }
        for service in services.reversed() {
            logger.info("stopping service", ["service": service.name])
            await service.shutdown()
        }
    }

    private func installSignalHandlers() -> [any DispatchSourceSignal] {
        signals.map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [self] in
                logger.notice("shutdown signal received", ["signal": String(number)])
                Task { await self.shutdown() }
            }
            source.resume()
            return source
        }
    }
}
