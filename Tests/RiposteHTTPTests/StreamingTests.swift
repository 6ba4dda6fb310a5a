// Server-Sent Events: delivery, heartbeats, suspend/resume while idle, and client disconnects.

import Foundation
import RiposteHTTP
import Testing

@Suite("Server-Sent Events")
struct StreamingTests {
    /// Reads chunks until `done` says the collected text is complete.
    static func readStream(_ connection: TestConnection, until done: (String) -> Bool) throws -> String {
        var text = ""
        while !done(text) {
            guard let chunk = try connection.readChunk() else { break }
            text += String(decoding: chunk, as: UTF8.self)
        }
        return text
    }

    @Test("An event stream delivers events and heartbeats with SSE headers")
    func eventsAndHeartbeats() async throws {
        var router = Router()
        router.get("/events") { _, _ in
            .eventStream(heartbeatInterval: .milliseconds(50)) { stream in
                try stream.send(event: "run", id: "1", data: "line one\nline two")
                try stream.send(data: "second")
                try await Task.sleep(for: .seconds(30))
            }
        }
        try await withTestServer(responder: router) { running in
            let (head, text) = try await offPool {
                let connection = try TestConnection(port: running.port)
                try connection.send(requestText("GET", "/events"))
                let head = try connection.readHead()
                let text = try Self.readStream(connection) { $0.contains(": heartbeat\n\n") && $0.contains("second") }
                connection.close()
                return (head, text)
            }
            #expect(head.status == 200)
            #expect(head.header("Content-Type") == "text/event-stream")
            #expect(head.header("Cache-Control") == "no-cache")
            #expect(head.header("Transfer-Encoding")?.lowercased() == "chunked")
            #expect(head.header("X-Request-ID") != nil)
            #expect(text.hasPrefix("id: 1\nevent: run\ndata: line one\ndata: line two\n\ndata: second\n\n"))
            #expect(text.contains(": heartbeat\n\n"))
        }
    }

    @Test("Events written after idle gaps arrive in order, and the stream ends when the producer returns")
    func idleGapsAndEnd() async throws {
        var router = Router()
        router.get("/events") { _, _ in
            .eventStream(heartbeatInterval: .seconds(60)) { stream in
                for n in 1...5 {
                    try await Task.sleep(for: .milliseconds(20))  // the connection suspends meanwhile
                    try stream.send(id: String(n), data: "event \(n)")
                }
            }
        }
        router.get("/after") { _, _ in .text("after") }
        try await withTestServer(responder: router) { running in
            let (text, after) = try await offPool {
                let connection = try TestConnection(port: running.port)
                try connection.send(requestText("GET", "/events"))
                _ = try connection.readHead()
                let text = try Self.readStream(connection) { _ in false }  // until the final chunk
                // The connection stays usable after the stream ends.
                try connection.send(requestText("GET", "/after"))
                return (text, try connection.readResponse())
            }
            let expected = (1...5).map { "id: \($0)\ndata: event \($0)\n\n" }.joined()
            #expect(text == expected)
            #expect(after.text == "after")
            #expect(
                await eventually {
                    running.accessLog.lines.contains {
                        $0.contains(#""path":"/events""#) && $0.contains(#""bytes":\#(expected.utf8.count)"#)
                    }
                })
        }
    }

    @Test("The server notices a client disconnect and cancels the producer")
    func clientDisconnect() async throws {
        let cancelled = TestEvent()
        var router = Router()
        router.get("/events") { _, _ in
            .eventStream(heartbeatInterval: .milliseconds(50)) { stream in
                try stream.send(data: "hello")
                do {
                    try await Task.sleep(for: .seconds(60))
                } catch {
                    cancelled.fire()
                    throw error
                }
            }
        }
        try await withTestServer(responder: router) { running in
            let first = try await offPool {
                let connection = try TestConnection(port: running.port)
                try connection.send(requestText("GET", "/events"))
                _ = try connection.readHead()
                let first = try connection.readChunk()
                connection.close()
                return first
            }
            #expect(first.map { String(decoding: $0, as: UTF8.self) } == "data: hello\n\n")
            #expect(await cancelled.wait(timeout: .seconds(5)))
            #expect(await eventually { running.server.inFlightRequests == 0 })
        }
    }

    @Test("A client that stops reading stops the producer at the buffer limit and is closed by the idle timeout")
    func slowConsumer() async throws {
        let stopped = TestEvent()
        var router = Router()
        router.get("/flood") { _, _ in
            HTTPResponse(
                status: .ok, headers: ["Content-Type": "application/octet-stream"],
                body: .stream(
                    HTTPBodyStream { writer in
                        let block = [UInt8](repeating: 120, count: 64 << 10)
                        do {
                            while true {
                                try writer.write(block)
                                try await Task.sleep(for: .milliseconds(1))
                            }
                        } catch {
                            stopped.fire()
                            throw error
                        }
                    }))
        }
        try await withTestServer(
            configure: {
                $0.maxStreamBufferBytes = 256 << 10
                $0.connectionTimeout = .seconds(1)
            }, responder: router
        ) { running in
            let connection = try await offPool {
                let connection = try TestConnection(port: running.port)
                try connection.send(requestText("GET", "/flood"))
                return connection  // never read: the kernel buffers fill, then ours
            }
            #expect(await stopped.wait(timeout: .seconds(5)))
            #expect(await eventually(timeout: .seconds(5)) { running.server.inFlightRequests == 0 })
            connection.close()
        }
    }
}
