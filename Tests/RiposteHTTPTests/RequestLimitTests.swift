// Body limits, malformed requests and NUL bytes: what the server rejects on its own.

import Foundation
import RiposteHTTP
import Synchronization
import Testing

@Suite("Request limits and rejections")
struct RequestLimitTests {
    /// Echoes the body size; counts calls so tests can prove a rejected request never reached it.
    final class CountingEcho: Responder {
        let calls = Mutex(0)
        func respond(to request: HTTPRequest, context: RequestContext) async throws -> HTTPResponse {
            calls.withLock { $0 += 1 }
            return .text("got \(request.body.count) bytes: \(String(decoding: request.body.prefix(16), as: UTF8.self))")
        }
    }

    @Test("A Content-Length over the limit gets 413 at once, before any body byte is sent")
    func contentLengthTooLarge() async throws {
        let echo = CountingEcho()
        try await withTestServer(configure: { $0.maxBodyBytes = 1024 }, responder: echo) { running in
            let response = try await offPool {
                let connection = try TestConnection(port: running.port)
                // Headers only: the server must answer without waiting for the announced body.
                try connection.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1048576\r\n\r\n")
                return try connection.readResponse()
            }
            #expect(response.status == 413)
            #expect(response.errorFields.code == "payload_too_large")
            #expect(response.errorFields.requestID == response.header("X-Request-ID"))
            #expect(response.header("Connection")?.lowercased() == "close")
            #expect(echo.calls.withLock { $0 } == 0)
        }
    }

    @Test("A body exactly at the limit is accepted")
    func bodyAtLimit() async throws {
        try await withTestServer(configure: { $0.maxBodyBytes = 1024 }, responder: CountingEcho()) { running in
            let response = try await fetch(port: running.port, "POST", "/x", body: String(repeating: "z", count: 1024))
            #expect(response.status == 200)
            #expect(response.text.hasPrefix("got 1024 bytes"))
        }
    }

    @Test("A chunked upload that crosses the limit gets 413 and never reaches the handler")
    func chunkedTooLarge() async throws {
        let echo = CountingEcho()
        try await withTestServer(configure: { $0.maxBodyBytes = 2048 }, responder: echo) { running in
            let response = try await offPool {
                let connection = try TestConnection(port: running.port)
                var text = "POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                for _ in 0..<4 { text += "400\r\n" + String(repeating: "q", count: 1024) + "\r\n" }
                text += "0\r\n\r\n"
                try connection.send(text)
                return try connection.readResponse()
            }
            #expect(response.status == 413)
            #expect(response.errorFields.code == "payload_too_large")
            #expect(echo.calls.withLock { $0 } == 0)
        }
    }

    @Test("A chunked upload within the limit arrives whole")
    func chunkedWithinLimit() async throws {
        try await withTestServer(configure: { $0.maxBodyBytes = 2048 }, responder: CountingEcho()) { running in
            let response = try await offPool {
                let connection = try TestConnection(port: running.port)
                try connection.send(
                    "POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
                )
                return try connection.readResponse()
            }
            #expect(response.status == 200)
            #expect(response.text == "got 11 bytes: hello world")
        }
    }

    @Test("A client that keeps streaming far past the limit is disconnected")
    func endlessChunkedUploadIsCut() async throws {
        try await withTestServer(configure: { $0.maxBodyBytes = 1024 }, responder: CountingEcho()) { running in
            let cut = try await offPool { () -> Bool in
                let connection = try TestConnection(port: running.port, timeout: 5)
                try connection.send("POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
                let chunk = Array(("4000\r\n" + String(repeating: "q", count: 0x4000) + "\r\n").utf8)
                for _ in 0..<64 {  // 1 MiB, far past 1 KiB + the 64 KiB discard allowance
                    do { try connection.send(chunk) } catch { return true }
                }
                return connection.isClosedByPeer()
            }
            #expect(cut)
        }
    }

    @Test(
        "A NUL byte in the request head gets 400 and never reaches the handler",
        arguments: [
            "GET /x HTTP/1.1\r\nHost: x\r\nX-Evil: a\u{0}b\r\n\r\n",  // in a header value
            "GET /x HTTP/1.1\r\nX-Evil: \u{0}tail\r\nHost: x\r\n\r\n",  // at the start of a value
            "GET /x HTTP/1.1\r\nHost: x\r\nX-Evil: a\u{0}\u{0}b\r\n\r\n",  // two, in the last header
            "GET /x\u{0}y HTTP/1.1\r\nHost: x\r\n\r\n",  // in the target
            "GE\u{0}T /x HTTP/1.1\r\nHost: x\r\n\r\n",  // in the method
        ])
    func nulInHead(request: String) async throws {
        let echo = CountingEcho()
        try await withTestServer(responder: echo) { running in
            let response = try await offPool {
                let connection = try TestConnection(port: running.port)
                try connection.send(request)
                return try connection.readResponse()
            }
            #expect(response.status == 400)
            #expect(response.errorFields.code == "invalid")
            #expect(echo.calls.withLock { $0 } == 0)
        }
    }

    @Test(
        "Ambiguous framing gets 400: two Content-Lengths, or Content-Length with Transfer-Encoding",
        arguments: [
            "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
            "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            "POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n",
        ])
    func ambiguousFraming(request: String) async throws {
        let echo = CountingEcho()
        try await withTestServer(responder: echo) { running in
            let response = try await offPool {
                let connection = try TestConnection(port: running.port)
                try connection.send(request)
                return try connection.readResponse()
            }
            #expect(response.status == 400)
            #expect(echo.calls.withLock { $0 } == 0)
        }
    }

    @Test(
        "Malformed request lines get a 4xx",
        arguments: [
            "GET / HTTP/1.1 extra\r\nHost: x\r\n\r\n",  // extra token after the version
            "GET / FOO/1.1\r\nHost: x\r\n\r\n",  // not HTTP
            "G@T / HTTP/1.1\r\nHost: x\r\n\r\n",  // method is not a token
            "GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n",  // header without colon
            "GET / HTTP/1.1\r\nHost : x\r\n\r\n",  // space before the colon
            "GET / HTTP/1.1\r\n\r\n",  // HTTP/1.1 without Host
            "GET / HTTP/1.1\r\nHost: x\r\nX: a\r\n folded\r\n\r\n",  // obsolete line folding
        ])
    func malformed(request: String) async throws {
        let echo = CountingEcho()
        try await withTestServer(responder: echo) { running in
            let response = try await offPool {
                let connection = try TestConnection(port: running.port)
                try connection.send(request)
                return try connection.readResponse()
            }
            #expect((400...499).contains(response.status), "got \(response.status) for \(request.debugDescription)")
            #expect(echo.calls.withLock { $0 } == 0)
        }
    }

    @Test(
        "A request line MHD cannot parse at all closes the connection without reaching the handler",
        arguments: [
            "GET /a b HTTP/1.1\r\nHost: x\r\n\r\n",  // space in the target (strict mode)
            "GARBAGE\r\n\r\n",
            "GET\r\n\r\n",
        ])
    func unparseable(request: String) async throws {
        let echo = CountingEcho()
        try await withTestServer(responder: echo) { running in
            let closed = try await offPool {
                let connection = try TestConnection(port: running.port, timeout: 5)
                try connection.send(request)
                return connection.isClosedByPeer()
            }
            #expect(closed)
            #expect(echo.calls.withLock { $0 } == 0)
        }
    }

    @Test("An unsupported HTTP version gets 505")
    func unsupportedVersion() async throws {
        try await withTestServer(responder: CountingEcho()) { running in
            let response = try await offPool {
                let connection = try TestConnection(port: running.port)
                try connection.send("GET / HTTP/9.9\r\nHost: x\r\n\r\n")
                return try connection.readResponse()
            }
            #expect(response.status == 505)
        }
    }

    @Test("Headers larger than the connection memory limit are refused with a 4xx")
    func oversizedHeaders() async throws {
        try await withTestServer(configure: { $0.connectionMemoryLimit = 8192 }, responder: CountingEcho()) { running in
            let response = try await offPool {
                let connection = try TestConnection(port: running.port)
                try connection.send("GET / HTTP/1.1\r\nHost: x\r\nX-Big: \(String(repeating: "a", count: 16384))\r\n\r\n")
                return try connection.readResponse()
            }
            #expect((400...499).contains(response.status))
        }
    }
}
