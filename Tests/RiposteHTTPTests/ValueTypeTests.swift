// Headers, request parsing helpers, request IDs, SSE framing, middleware and the access-log format.

import Foundation
import RiposteHTTP
import Synchronization
import Testing

@Suite("Value types and middleware")
struct ValueTypeTests {
    @Test("Header names compare case-insensitively; replaceOrAdd keeps one field in place")
    func headers() {
        var headers: HTTPHeaders = ["Content-Type": "text/plain", "X-A": "1"]
        headers.add(name: "x-a", value: "2")
        #expect(headers["content-type"] == "text/plain")
        #expect(headers.values(for: "X-A") == ["1", "2"])
        headers.replaceOrAdd(name: "X-a", value: "3")
        #expect(headers.values(for: "x-A") == ["3"])
        #expect(headers.fields.map(\.name) == ["Content-Type", "X-A"])
        headers["CONTENT-TYPE"] = nil
        #expect(!headers.contains("content-type"))
        #expect(!HTTPHeaders.namesEqual("a-b", "a_b"))
        #expect(!HTTPHeaders.namesEqual("[", "{"))
    }

    @Test("Query items are split and percent-decoded, with + as space")
    func queryItems() {
        let request = HTTPRequest(method: .get, target: "/s?q=a+b%26c&flag&empty=&x=%zz")
        #expect(request.path == "/s")
        #expect(request.query == "q=a+b%26c&flag&empty=&x=%zz")
        #expect(
            request.queryItems == [
                .init(name: "q", value: "a b&c"), .init(name: "flag", value: ""), .init(name: "empty", value: ""),
                .init(name: "x", value: "%zz"),
            ])
        #expect(request.queryValue("q") == "a b&c")
        #expect(HTTPRequest(method: .get, target: "/plain").queryItems.isEmpty)
    }

    @Test("Request IDs: safe incoming IDs are kept, generated ones are 26 base-32 characters and unique")
    func requestIDs() {
        #expect(RequestID.validated("abc-123_x.y:z") == "abc-123_x.y:z")
        #expect(RequestID.validated("") == nil)
        #expect(RequestID.validated("a b") == nil)
        #expect(RequestID.validated("é") == nil)
        #expect(RequestID.validated(String(repeating: "x", count: 65)) == nil)
        let ids = (0..<1000).map { _ in RequestID.generate() }
        #expect(Set(ids).count == 1000)
        #expect(ids.allSatisfy { $0.count == 26 && RequestID.validated($0) == $0 })
    }

    @Test("SSE frames split multi-line data and strip line breaks from id and event")
    func sseFrames() {
        #expect(SSEStream.frame(event: nil, id: nil, data: "x") == "data: x\n\n")
        #expect(
            SSEStream.frame(event: "a\nb", id: "1\r2", data: "l1\r\nl2\rl3\nl4")
                == "id: 12\nevent: ab\ndata: l1\ndata: l2\ndata: l3\ndata: l4\n\n")
        #expect(SSEStream.frame(event: nil, id: nil, data: "") == "data: \n\n")
    }

    @Test("SSE streams write through any body writer and report closure")
    func sseWriter() throws {
        final class Collecting: HTTPBodyWriter {
            let bytes = Mutex<[UInt8]>([])
            let closed = Mutex(false)
            func write(_ data: [UInt8]) throws {
                if closed.withLock({ $0 }) { throw HTTPStreamClosedError() }
                bytes.withLock { $0 += data }
            }
            var isClosed: Bool { closed.withLock { $0 } }
        }
        let writer = Collecting()
        let stream = SSEStream(writer: writer)
        try stream.retry(milliseconds: 1500)
        try stream.send(event: "e", data: "d")
        try stream.comment("hi")
        try stream.heartbeat()
        #expect(
            String(decoding: writer.bytes.withLock { $0 }, as: UTF8.self)
                == "retry: 1500\n\nevent: e\ndata: d\n\n: hi\n\n: heartbeat\n\n")
        writer.closed.withLock { $0 = true }
        #expect(stream.isClosed)
        #expect(throws: HTTPStreamClosedError.self) { try stream.send(data: "late") }
    }

    @Test("Security headers are added by default, never override a handler's, and no-store applies to API paths")
    func securityHeaders() async throws {
        let handler = ClosureResponder { request, _ in
            var headers = HTTPHeaders()
            if request.path == "/custom" { headers.add(name: "X-Frame-Options", value: "SAMEORIGIN") }
            return .text("ok", headers: headers)
        }
        let chain = handler.wrapped(in: [SecurityHeadersMiddleware()])
        func respond(_ path: String) async throws -> HTTPHeaders {
            try await chain.respond(to: HTTPRequest(method: .get, target: path), context: RequestContext(requestID: "r"))
                .headers
        }
        let api = try await respond("/api/v1/incidents")
        #expect(api["X-Content-Type-Options"] == "nosniff")
        #expect(api["X-Frame-Options"] == "DENY")
        #expect(api["Referrer-Policy"] == "no-referrer")
        #expect(api["Content-Security-Policy"] == "default-src 'self'")
        #expect(api["Cache-Control"] == "no-store")
        #expect(api["Strict-Transport-Security"] == nil)
        #expect(try await respond("/page")["Cache-Control"] == nil)
        #expect(try await respond("/custom")["X-Frame-Options"] == "SAMEORIGIN")

        var configuration = SecurityHeadersMiddleware.Configuration()
        configuration.contentSecurityPolicy = nil
        configuration.strictTransportSecurity = "max-age=63072000"
        let custom = try await handler.wrapped(in: [SecurityHeadersMiddleware(configuration: configuration)])
            .respond(to: HTTPRequest(method: .get, target: "/x"), context: RequestContext(requestID: "r"))
        #expect(custom.headers["Content-Security-Policy"] == nil)
        #expect(custom.headers["Strict-Transport-Security"] == "max-age=63072000")
    }

    @Test("Middleware run outermost first and can pass typed values through the context")
    func middlewareOrder() async throws {
        enum Trail: RequestContextKey { typealias Value = [String] }
        struct Mark: Middleware {
            let name: String
            func respond(to request: HTTPRequest, context: RequestContext, next: any Responder) async throws
                -> HTTPResponse
            {
                var context = context
                context[Trail.self, default: []].append(name)
                var response = try await next.respond(to: request, context: context)
                response.headers.add(name: "X-After", value: name)
                return response
            }
        }
        let handler = ClosureResponder { _, context in .text((context[Trail.self] ?? []).joined(separator: ",")) }
        let response = try await handler.wrapped(in: [Mark(name: "outer"), Mark(name: "inner")])
            .respond(to: HTTPRequest(method: .get, target: "/"), context: RequestContext(requestID: "r"))
        #expect(String(decoding: response.bodyBytes!, as: UTF8.self) == "outer,inner")
        #expect(response.headers.values(for: "X-After") == ["inner", "outer"])
    }

    @Test("Access-log lines are JSON with RFC 3339 millisecond UTC times")
    func accessLogLine() throws {
        let line = AccessLog.line(
            time: Date(timeIntervalSince1970: 1_700_000_000.1234), requestID: "r\"1", method: "GET",
            path: "/a\\b", status: 204, bytes: 0, duration: .microseconds(1234), remote: "::1")
        #expect(
            line
                == #"{"time":"2023-11-14T22:13:20.123Z","request_id":"r\"1","method":"GET","path":"/a\\b","status":204,"bytes":0,"duration_ms":1.234,"remote":"::1"}"#
        )
        #expect(try JSONSerialization.jsonObject(with: Data(line.utf8)) is [String: Any])
    }
}
