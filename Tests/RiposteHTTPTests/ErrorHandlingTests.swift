// Handler failures and response validation: what clients see when a responder misbehaves.

import Foundation
import RiposteHTTP
import Testing

@Suite("Handler errors")
struct ErrorHandlingTests {
    struct SecretError: Error, CustomStringConvertible {
        var description: String { "database password is hunter2" }
    }

    @Test("A handler that throws becomes a 500 with the JSON error shape and no error text")
    func throwingHandler() async throws {
        let responder = ClosureResponder { _, _ in throw SecretError() }
        try await withTestServer(responder: responder) { running in
            let response = try await fetch(port: running.port, "GET", "/boom", headers: [("X-Request-ID", "req-500")])
            #expect(response.status == 500)
            #expect(response.header("Content-Type") == "application/json")
            #expect(response.text == #"{"error":{"code":"internal","message":"Internal error","request_id":"req-500"}}"#)
            #expect(!response.text.contains("hunter2"))
            // Operators still learn what happened, on the diagnostics sink only.
            #expect(await eventually { running.diagnostics.lines.contains { $0.contains("req-500") && $0.contains("hunter2") } })
            #expect(await eventually { running.accessLog.lines.contains { $0.contains(#""status":500"#) } })
        }
    }

    @Test("Response headers with CR or LF are dropped, not sent")
    func headerInjection() async throws {
        let responder = ClosureResponder { _, _ in
            var headers = HTTPHeaders()
            headers.add(name: "X-Good", value: "yes")
            headers.add(name: "X-Bad", value: "a\r\nSet-Cookie: evil=1")
            return .text("ok", headers: headers)
        }
        try await withTestServer(responder: responder) { running in
            let response = try await fetch(port: running.port, "GET", "/")
            #expect(response.status == 200)
            #expect(response.header("X-Good") == "yes")
            #expect(response.header("X-Bad") == nil)
            #expect(response.header("Set-Cookie") == nil)
        }
    }

    @Test("A large response body arrives intact")
    func largeBody() async throws {
        let payload = Data((0..<(3 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        let responder = ClosureResponder { _, _ in HTTPResponse(body: payload) }
        try await withTestServer(responder: responder) { running in
            let response = try await fetch(port: running.port, "GET", "/big")
            #expect(response.status == 200)
            #expect(Data(response.body) == payload)
        }
    }
}
