// `riposte ingest` against a server that pushes back: Retry-After is honoured, back-off grows, attempts are bounded.
import Foundation
import RiposteCore
import RiposteRuntime
import RiposteTesting
import Synchronization
import Testing

@testable import RiposteApp

@Suite("riposte ingest retries")
struct IngestRetryTests {
    final class Sleeps: Sendable {
        private let recorded = Mutex<[Duration]>([])
        var all: [Duration] { recorded.withLock { $0 } }
        func record(_ duration: Duration) { recorded.withLock { $0.append(duration) } }
    }

    static func sink(_ client: ScriptedHTTPClient, attempts: Int, sleeps: Sleeps) throws -> HTTPAlertSink {
        var policy = RetryPolicy(attempts: attempts)
        policy.sleep = { sleeps.record($0) }
        return try HTTPAlertSink(
            server: "http://127.0.0.1:9", token: "rpt_test", source: "generic", retry: policy, client: client)
    }

    @Test("429 with Retry-After, then 503, then 202: the batch is sent three times and counted once")
    func retriesUntilAccepted() async throws {
        let client = ScriptedHTTPClient()
        client.on("POST", path: "/api/v1/alerts", times: 1, status: 429, headers: ["Retry-After": "2"])
        client.on("POST", path: "/api/v1/alerts", times: 1, status: 503)
        client.on("POST", path: "/api/v1/alerts", status: 202, body: Array(#"{"accepted":1,"duplicates":0}"#.utf8))
        let sleeps = Sleeps()
        let result = try await Self.sink(client, attempts: 9, sleeps: sleeps).send(
            Array(#"{"title":"t"}"#.utf8), source: "generic")
        #expect(result.accepted == 1 && result.duplicates == 0)
        #expect(client.requests.count == 3)
        #expect(client.requests.allSatisfy { $0.body == Array(#"{"title":"t"}"#.utf8) })
        #expect(sleeps.all.count == 2)
        #expect(sleeps.all.first == .seconds(2), "Retry-After is honoured")
        let backoff = try #require(sleeps.all.last)
        #expect(backoff >= .milliseconds(800) && backoff <= .milliseconds(1200), "second wait: 500 ms doubled, ±20 %: \(backoff)")
    }

    @Test("A server that never recovers: the attempts are bounded and the error says how many were made")
    func boundedAttempts() async throws {
        let client = ScriptedHTTPClient()
        client.on(
            "POST", path: "/api/v1/alerts", status: 429, headers: ["Retry-After": "3600"],
            body: Array(#"{"error":{"code":"overloaded","message":"ingest queue is full; retry after 1 s"}}"#.utf8))
        let sleeps = Sleeps()
        await #expect {
            _ = try await Self.sink(client, attempts: 3, sleeps: sleeps).send(Array("{}".utf8), source: "generic")
        } throws: { error in
            "\(error)".contains("server answered 429 (after 3 attempts): ingest queue is full")
        }
        #expect(client.requests.count == 3)
        #expect(sleeps.all == [.seconds(30), .seconds(30)], "Retry-After is capped at 30 s")
    }

    @Test("No connection is retried; a 400 is not")
    func transportErrorsRetryClientErrorsDoNot() async throws {
        let client = ScriptedHTTPClient()
        client.on(times: 2, { _ in true }) { _ in throw RiposteError(.unavailable, "POST http://127.0.0.1:9 connection refused") }
        client.on("POST", path: "/api/v1/alerts", status: 400, body: Array(#"{"error":{"message":"record 1: bad"}}"#.utf8))
        let sleeps = Sleeps()
        await #expect {
            _ = try await Self.sink(client, attempts: 9, sleeps: sleeps).send(Array("{}".utf8), source: "generic")
        } throws: { error in
            "\(error)".contains("server answered 400 (after 3 attempts): record 1: bad")
        }
        #expect(client.requests.count == 3)
        #expect(sleeps.all.count == 2)
    }
}
