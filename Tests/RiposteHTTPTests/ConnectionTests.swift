// Concurrency, keep-alive, IPv6 and the access log, over real sockets.

import Foundation
import RiposteHTTP
import Synchronization
import Testing

@Suite("Connections")
struct ConnectionTests {
    static func echoRouter() -> Router {
        var router = Router()
        router.get("/items/{n}") { _, context in
            try await Task.sleep(for: .milliseconds(1))  // make requests overlap on the handler side
            return .text("item \(context.parameters["n"] ?? "?")")
        }
        router.post("/echo") { request, _ in .json(request.body) }
        return router
    }

    @Test("200 requests over 16 concurrent keep-alive connections are all answered correctly")
    func concurrentRequests() async throws {
        try await withTestServer(responder: Self.echoRouter()) { running in
            let results = try await withThrowingTaskGroup(of: [Bool].self) { group in
                for connectionIndex in 0..<16 {
                    group.addTask {
                        try await offPool {
                            let connection = try TestConnection(port: running.port)
                            var outcomes: [Bool] = []
                            for n in stride(from: connectionIndex, to: 200, by: 16) {
                                try connection.send(requestText("GET", "/items/\(n)"))
                                let response = try connection.readResponse()
                                outcomes.append(response.status == 200 && response.text == "item \(n)")
                            }
                            return outcomes
                        }
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(results.count == 200)
            #expect(results.allSatisfy { $0 })
            #expect(await eventually { running.server.inFlightRequests == 0 })
            #expect(await eventually { running.accessLog.lines.count == 200 })
        }
    }

    @Test("Two requests on one connection both succeed (keep-alive), also when pipelined")
    func keepAlive() async throws {
        try await withTestServer(responder: Self.echoRouter()) { running in
            let (first, second, third, fourth) = try await offPool {
                let connection = try TestConnection(port: running.port)
                try connection.send(requestText("GET", "/items/1"))
                let first = try connection.readResponse()
                try connection.send(requestText("POST", "/echo", body: #"{"a":1}"#))
                let second = try connection.readResponse()
                // Pipelined: both requests in one write.
                try connection.send(requestText("GET", "/items/3") + requestText("GET", "/items/4"))
                return (first, second, try connection.readResponse(), try connection.readResponse())
            }
            #expect(first.status == 200 && first.text == "item 1")
            #expect(first.header("Connection")?.lowercased() != "close")
            #expect(second.status == 200 && second.text == #"{"a":1}"#)
            #expect(third.text == "item 3")
            #expect(fourth.text == "item 4")
        }
    }

    @Test("The opt-in epoll event loop serves requests too")
    func epollEventLoop() async throws {
        try await withTestServer(configure: { $0.eventLoop = .epoll }, responder: Self.echoRouter()) { running in
            let response = try await fetch(port: running.port, "POST", "/echo", body: "[1,2]")
            #expect(response.status == 200)
            #expect(response.text == "[1,2]")
        }
    }

    @Test("The server binds an IPv6 loopback address")
    func ipv6() async throws {
        try await withTestServer(configure: { $0.host = "::1" }, responder: Self.echoRouter()) { running in
            let response = try await offPool {
                let connection = try TestConnection(port: running.port, host: "::1")
                try connection.send(requestText("GET", "/items/6"))
                return try connection.readResponse()
            }
            #expect(response.text == "item 6")
            #expect(await eventually { running.accessLog.lines.contains { $0.contains(#""remote":"::1""#) } })
        }
    }

    @Test("The access log has one JSON line per request, without the query string")
    func accessLog() async throws {
        try await withTestServer(responder: Self.echoRouter()) { running in
            _ = try await fetch(
                port: running.port, "GET", "/items/9?token=s3cret", headers: [("X-Request-ID", "log-test-1")])
            #expect(await eventually { !running.accessLog.lines.isEmpty })
            let line = try #require(running.accessLog.lines.first)
            #expect(!line.contains("s3cret"))
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(object["request_id"] as? String == "log-test-1")
            #expect(object["method"] as? String == "GET")
            #expect(object["path"] as? String == "/items/9")
            #expect(object["status"] as? Int == 200)
            #expect(object["bytes"] as? Int == 6)
            #expect(object["remote"] as? String == "127.0.0.1")
            #expect((object["duration_ms"] as? Double).map { $0 >= 0 } == true)
            let time = try #require(object["time"] as? String)
            #expect(time.count == 24 && time.hasSuffix("Z"))
            #expect(Set(object.keys) == ["time", "request_id", "method", "path", "status", "bytes", "duration_ms", "remote"])
        }
    }
}
