// Graceful shutdown: draining in-flight requests, ending streams, refusing new connections, run().

import Foundation
import RiposteHTTP
import Testing

@Suite("Graceful shutdown")
struct ShutdownTests {
    static func connectionRefused(port: Int) async -> Bool {
        do {
            _ = try await offPool { try TestConnection(port: port, timeout: 1) }
            return false
        } catch {
            return "\(error)".contains("errno \(ECONNREFUSED)")
        }
    }

    @Test("A slow in-flight request completes with 200 after shutdown() is called; new connections are refused")
    func drainsInFlight() async throws {
        let started = TestEvent()
        let release = TestEvent()
        let finished = TestEvent()
        let responder = ClosureResponder { _, _ in
            started.fire()
            _ = await release.wait(timeout: .seconds(10))  // held until the test has checked refusal
            try await Task.sleep(for: .milliseconds(300))
            finished.fire()
            return .text("done")
        }
        try await withTestServer(responder: responder) { running in
            async let response = fetch(port: running.port, "GET", "/slow")
            #expect(await started.wait())
            let shutdown = Task { await running.server.shutdown() }
            // New connections are refused while the slow request is still in flight…
            var refused = false
            let deadline = ContinuousClock.now + .seconds(5)
            while !refused, ContinuousClock.now < deadline { refused = await Self.connectionRefused(port: running.port) }
            #expect(refused)
            #expect(!finished.isFired)
            #expect(running.server.inFlightRequests == 1)
            release.fire()
            // …which still completes normally, and is told the connection will close.
            let answer = try await response
            #expect(answer.status == 200)
            #expect(answer.text == "done")
            #expect(answer.header("Connection")?.lowercased() == "close")
            await shutdown.value
            #expect(finished.isFired)
            #expect(await Self.connectionRefused(port: running.port))
        }
    }

    @Test("Requests still running at the drain timeout get 503 and their handlers are cancelled")
    func drainTimeout() async throws {
        let cancelled = TestEvent()
        let started = TestEvent()
        let responder = ClosureResponder { _, _ in
            started.fire()
            do {
                try await Task.sleep(for: .seconds(60))
            } catch {
                cancelled.fire()
                throw error
            }
            return .text("never")
        }
        try await withTestServer(configure: { $0.drainTimeout = .milliseconds(200) }, responder: responder) { running in
            async let response = fetch(port: running.port, "GET", "/stuck")
            #expect(await started.wait())
            let clock = ContinuousClock()
            let elapsed = await clock.measure { await running.server.shutdown() }
            let answer = try await response
            #expect(answer.status == 503)
            #expect(answer.errorFields.code == "unavailable")
            #expect(await cancelled.wait())
            #expect(elapsed < .seconds(3))
        }
    }

    @Test("Shutdown ends open event streams promptly and cleanly")
    func endsStreams() async throws {
        let streaming = TestEvent()
        var router = Router()
        router.get("/events") { _, _ in
            .eventStream(heartbeatInterval: .seconds(60)) { stream in
                try stream.send(data: "open")
                streaming.fire()
                try await Task.sleep(for: .seconds(60))
            }
        }
        try await withTestServer(configure: { $0.drainTimeout = .seconds(5) }, responder: router) { running in
            async let text = offPool { () throws -> String in
                let connection = try TestConnection(port: running.port)
                try connection.send(requestText("GET", "/events"))
                _ = try connection.readHead()
                return try StreamingTests.readStream(connection) { _ in false }  // until the final chunk
            }
            #expect(await streaming.wait())
            let elapsed = await ContinuousClock().measure { await running.server.shutdown() }
            let received = try await text
            #expect(received == "data: open\n\n")
            #expect(elapsed < .seconds(4))  // well inside the 5 s drain timeout
        }
    }

    @Test("Shutdown racing with a burst of requests and streams neither crashes nor hangs")
    func shutdownRace() async throws {
        var router = Router()
        router.get("/fast") { _, _ in .text("fast") }
        router.get("/slow") { _, _ in
            try await Task.sleep(for: .milliseconds(Int.random(in: 0...50)))
            return .text("slow")
        }
        router.get("/events") { _, _ in
            .eventStream(heartbeatInterval: .milliseconds(10)) { stream in
                for n in 0..<1000 {
                    try stream.send(data: "\(n)")
                    try await Task.sleep(for: .milliseconds(1))
                }
            }
        }
        let served = TestCounter()
        try await withTestServer(configure: { $0.drainTimeout = .milliseconds(100) }, responder: router) { running in
            let clients = (0..<12).map { index in
                Task {
                    // Each client keeps going until the server is gone; every outcome is acceptable
                    // except a hang (the 5 s read timeout) or a crash.
                    try? await offPool {
                        let targets = ["/fast", "/slow", "/events"]
                        while served.value < 100_000 {
                            guard let connection = try? TestConnection(port: running.port, timeout: 5) else { return }
                            for _ in 0..<20 {
                                guard (try? connection.send(requestText("GET", targets[index % 3]))) != nil,
                                    let response = try? connection.readResponse()
                                else { break }
                                served.increment()
                                if response.header("Connection")?.lowercased() == "close" { break }
                            }
                        }
                    }
                }
            }
            // Shut down only once traffic is flowing on every kind of route. The wait is generous: with
            // the whole suite running in parallel on 2 cores, the clients may start slowly.
            #expect(await eventually(timeout: .seconds(30)) { served.value >= 60 })
            let elapsed = await ContinuousClock().measure { await running.server.shutdown() }
            for client in clients { await client.value }
            #expect(elapsed < .seconds(5))
            #expect(running.server.inFlightRequests == 0)
        }
    }

    @Test("run() serves until cancelled, then shuts down and returns")
    func runUntilCancelled() async throws {
        var configuration = HTTPServerConfiguration()
        configuration.port = 0
        let server = HTTPServer(
            configuration: configuration, responder: ClosureResponder { _, _ in .text("up") },
            accessLog: { _ in }, diagnostics: { _ in })
        let port = try await server.start()
        let run = Task { try await server.run() }
        #expect(try await fetch(port: port, "GET", "/").text == "up")
        run.cancel()
        try await run.value
        #expect(server.port == nil)
        #expect(await Self.connectionRefused(port: port))
        await server.shutdown()  // a second shutdown is a no-op
    }

    @Test("run() returns when shutdown() is called from elsewhere; start() is idempotent, then refused")
    func runUntilShutdown() async throws {
        var configuration = HTTPServerConfiguration()
        configuration.port = 0
        let server = HTTPServer(
            configuration: configuration, responder: ClosureResponder { _, _ in .text("up") },
            accessLog: { _ in }, diagnostics: { _ in })
        let run = Task { try await server.run() }
        #expect(await eventually { server.port != nil })
        let port = try #require(server.port)
        #expect(try await server.start() == port)
        async let first: Void = server.shutdown()
        async let second: Void = server.shutdown()
        _ = await (first, second)
        try await run.value
        await #expect(throws: HTTPServerError.self) { try await server.start() }
    }

    @Test("Binding a port that is already in use is a clear start error")
    func portInUse() async throws {
        try await withTestServer(responder: ClosureResponder { _, _ in .text("a") }) { running in
            var configuration = HTTPServerConfiguration()
            configuration.port = UInt16(running.port)
            let second = HTTPServer(
                configuration: configuration, responder: ClosureResponder { _, _ in .text("b") },
                accessLog: { _ in }, diagnostics: { _ in })
            let error = await #expect(throws: HTTPServerError.self) { try await second.start() }
            #expect(error?.code == .startFailed)
            #expect(error?.message.contains("\(running.port)") == true)
        }
    }
}
