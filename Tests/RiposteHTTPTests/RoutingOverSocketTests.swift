// Routing, 404/405 and request IDs exercised over real sockets.

import Foundation
import RiposteHTTP
import Testing

@Suite("Routing over sockets")
struct RoutingOverSocketTests {
    static func router() -> Router {
        var router = Router()
        router.get("/api/v1/incidents/{id}/notes") { request, context in
            let body = try JSONSerialization.data(withJSONObject: [
                "id": context.parameters["id"] ?? "", "q": request.queryValue("q") ?? "",
                "request_id": context.requestID,
            ])
            return .json(body)
        }
        router.post("/api/v1/incidents/{id}/notes") { request, _ in
            .text("posted \(request.body.count)", status: .created)
        }
        router.get("/health") { _, _ in .text("ok") }
        return router
    }

    @Test("A route with a path parameter receives it percent-decoded, and the query too")
    func pathParameters() async throws {
        try await withTestServer(responder: Self.router()) { running in
            let response = try await fetch(port: running.port, "GET", "/api/v1/incidents/inc%201/notes?q=a+b%21")
            #expect(response.status == 200)
            #expect(response.header("Content-Type") == "application/json")
            #expect(response.json?["id"] as? String == "inc 1")
            #expect(response.json?["q"] as? String == "a b!")
            let posted = try await fetch(port: running.port, "POST", "/api/v1/incidents/7/notes", body: "hello")
            #expect(posted.status == 201)
            #expect(posted.text == "posted 5")
        }
    }

    @Test("An unknown path answers 404 with the JSON error body")
    func notFound() async throws {
        try await withTestServer(responder: Self.router()) { running in
            let response = try await fetch(port: running.port, "GET", "/nope")
            #expect(response.status == 404)
            #expect(response.header("Content-Type") == "application/json")
            let error = response.errorFields
            #expect(error.code == "not_found")
            #expect(error.message == "Not found")
            #expect(error.requestID == response.header("X-Request-ID"))
        }
    }

    @Test("A known path with another method answers 405 with an Allow header")
    func methodNotAllowed() async throws {
        try await withTestServer(responder: Self.router()) { running in
            let response = try await fetch(port: running.port, "DELETE", "/api/v1/incidents/1/notes")
            #expect(response.status == 405)
            #expect(response.header("Allow") == "GET, HEAD, POST")
            #expect(response.errorFields.code == "method_not_allowed")
        }
    }

    @Test("A HEAD request uses the GET route and gets no body")
    func headFallsBackToGet() async throws {
        try await withTestServer(responder: Self.router()) { running in
            let response = try await fetch(port: running.port, "HEAD", "/health")
            #expect(response.status == 200)
            #expect(response.header("Content-Length") == "2")
            #expect(response.body.isEmpty)
        }
    }

    @Test("A valid incoming X-Request-ID is echoed in the header, the body and the context")
    func requestIDEcho() async throws {
        try await withTestServer(responder: Self.router()) { running in
            let response = try await fetch(
                port: running.port, "GET", "/api/v1/incidents/1/notes", headers: [("X-Request-ID", "abc-123.x:y_z")])
            #expect(response.header("X-Request-ID") == "abc-123.x:y_z")
            #expect(response.json?["request_id"] as? String == "abc-123.x:y_z")
        }
    }

    @Test("A missing, too long or unsafe X-Request-ID is replaced by a generated one")
    func requestIDGeneration() async throws {
        try await withTestServer(responder: Self.router()) { running in
            let candidates: [[(String, String)]] = [
                [], [("X-Request-ID", String(repeating: "a", count: 65))], [("X-Request-ID", "bad id<script>")],
                [("X-Request-ID", "")],
            ]
            var seen = Set<String>()
            for headers in candidates {
                let response = try await fetch(port: running.port, "GET", "/api/v1/incidents/1/notes", headers: headers)
                let id = try #require(response.header("X-Request-ID"))
                #expect(id.count == 26)
                #expect(id.allSatisfy { $0.isLowercase || $0.isNumber })
                #expect(response.json?["request_id"] as? String == id)
                seen.insert(id)
            }
            #expect(seen.count == candidates.count)
            let exactly64 = String(repeating: "b", count: 64)
            let response = try await fetch(port: running.port, "GET", "/health", headers: [("x-request-id", exactly64)])
            #expect(response.header("X-Request-ID") == exactly64)
        }
    }
}
