// TestServer: starts an HTTPServer on 127.0.0.1 port 0 with recording log sinks and always shuts it down.

import Foundation
import RiposteHTTP
import Synchronization

/// Collects lines from a log sink.
final class LineRecorder: Sendable {
    private let storage = Mutex<[String]>([])

    var sink: @Sendable (String) -> Void { { line in self.storage.withLock { $0.append(line) } } }
    var lines: [String] { storage.withLock { $0 } }
}

/// A counter shared across threads.
final class TestCounter: Sendable {
    private let storage = Mutex(0)
    func increment() { storage.withLock { $0 += 1 } }
    var value: Int { storage.withLock { $0 } }
}

/// A one-shot event tasks can wait for, with a timeout.
final class TestEvent: Sendable {
    private let state = Mutex<(fired: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func fire() {
        let waiters = state.withLock { state in
            state.fired = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    var isFired: Bool { state.withLock { $0.fired } }

    /// Waits until fired; returns false if `timeout` passes first.
    func wait(timeout: Duration = .seconds(5)) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while !isFired {
            if ContinuousClock.now >= deadline { return false }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return true
    }
}

struct RunningServer {
    let server: HTTPServer
    let port: Int
    let accessLog: LineRecorder
    let diagnostics: LineRecorder
}

/// Starts a server on an ephemeral loopback port, runs `body`, then shuts the server down.
func withTestServer(
    configure: (inout HTTPServerConfiguration) -> Void = { _ in },
    responder: any Responder,
    _ body: (RunningServer) async throws -> Void
) async throws {
    var configuration = HTTPServerConfiguration()
    configuration.port = 0
    configuration.threadCount = 2
    configure(&configuration)
    let accessLog = LineRecorder()
    let diagnostics = LineRecorder()
    let server = HTTPServer(
        configuration: configuration, responder: responder, accessLog: accessLog.sink, diagnostics: diagnostics.sink)
    let port = try await server.start()
    do {
        try await body(RunningServer(server: server, port: port, accessLog: accessLog, diagnostics: diagnostics))
    } catch {
        await server.shutdown()
        throw error
    }
    await server.shutdown()
}

/// Waits until `condition` holds, polling; returns false after `timeout`.
func eventually(timeout: Duration = .seconds(5), _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while !condition() {
        if ContinuousClock.now >= deadline { return false }
        try? await Task.sleep(for: .milliseconds(5))
    }
    return true
}
