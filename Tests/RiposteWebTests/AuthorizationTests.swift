// Every route × every role, in one table: who may do what, and that 401/403 carry the JSON error shape.
import Foundation
import RiposteCore
import Testing

@Suite("Authorization matrix")
struct AuthorizationTests {
    struct Route: Sendable, CustomTestStringConvertible {
        var method: String
        var path: String
        var body: Data?
        /// The least role allowed.
        var minimum: Role
        /// Roles below `minimum` that are allowed too (`ingest` posts alerts and does nothing else).
        var alsoAllowed: [Role] = []
        var testDescription: String { "\(method) \(path)" }
    }

    /// `{incident}` and `{alert}` are replaced with real ids.
    static let routes: [Route] = [
        Route(method: "GET", path: "/api/v1/incidents", minimum: .viewer),
        Route(method: "GET", path: "/api/v1/incidents/{incident}", minimum: .viewer),
        Route(method: "GET", path: "/api/v1/incidents/{incident}/alerts", minimum: .viewer),
        Route(method: "GET", path: "/api/v1/incidents/{incident}/observables", minimum: .viewer),
        Route(method: "GET", path: "/api/v1/incidents/{incident}/timeline", minimum: .viewer),
        Route(method: "GET", path: "/api/v1/incidents/{incident}/notes", minimum: .viewer),
        Route(method: "GET", path: "/api/v1/incidents/{incident}/tasks", minimum: .viewer),
        Route(method: "GET", path: "/api/v1/alerts/{alert}", minimum: .viewer),
        Route(method: "GET", path: "/api/v1/intel/lookup?value=1.2.3.4", minimum: .viewer),
        Route(method: "GET", path: "/api/v1/enrichment?type=ipv4&value=1.2.3.4", minimum: .viewer),
        Route(method: "GET", path: "/metrics", minimum: .viewer),
        Route(method: "GET", path: "/api/v1/pollers", minimum: .viewer),
        Route(method: "GET", path: "/api/v1/listeners", minimum: .viewer),
        Route(method: "PATCH", path: "/api/v1/incidents/{incident}", body: jsonBody(["severity": "low"]), minimum: .analyst),
        Route(method: "POST", path: "/api/v1/incidents/{incident}/notes", body: jsonBody(["body": "n"]), minimum: .analyst),
        Route(method: "POST", path: "/api/v1/incidents/{incident}/tasks", body: jsonBody(["title": "t"]), minimum: .analyst),
        Route(
            method: "POST", path: "/api/v1/alerts?source=generic", body: jsonBody(["title": "a"]), minimum: .analyst,
            alsoAllowed: [.ingest]),
        Route(
            method: "POST", path: "/api/v1/indicators?format=plaintext&feed=f", body: Data("203.0.113.9\n".utf8),
            minimum: .analyst),
        Route(method: "POST", path: "/api/v1/tokens", body: jsonBody(["name": "n", "role": "viewer"]), minimum: .admin),
        Route(method: "GET", path: "/api/v1/feeds", minimum: .viewer),
        Route(method: "POST", path: "/api/v1/feeds", minimum: .admin),
        Route(method: "GET", path: "/api/v1/grouping-rules", minimum: .viewer),
        Route(method: "GET", path: "/api/v1/suppression-rules", minimum: .viewer),
        Route(
            method: "POST", path: "/api/v1/grouping-rules", body: jsonBody(["name": "n", "group_by": ["rule"]]),
            minimum: .admin),
        Route(
            method: "POST", path: "/api/v1/suppression-rules",
            body: jsonBody([
                "name": "n", "conditions": [["field": "source", "op": "equals", "value": "none"]], "reason": "r",
                "expires_at": "2999-01-01T00:00:00Z",
            ]), minimum: .admin),
    ]

    @Test("Each role reaches exactly the routes its permissions allow")
    func matrix() async throws {
        try await TestServer.with { server in
            let seeded = try await server.request(
                "POST", "/api/v1/alerts?source=generic", body: jsonBody(["title": "seed", "source_ref": "seed"]))
            let alert = try #require(seeded.json.array("alerts").first)
            var tokenNames = 0
            for route in Self.routes {
                for role in Role.allCases {
                    var path = route.path.replacingOccurrences(of: "{incident}", with: alert.string("incident_id")!)
                        .replacingOccurrences(of: "{alert}", with: alert.string("id")!)
                    var body = route.body
                    if path == "/api/v1/tokens" {
                        tokenNames += 1
                        body = jsonBody(["name": "matrix-\(tokenNames)", "role": "viewer"])
                    }
                    if path == "/api/v1/feeds" && route.method == "POST" {
                        tokenNames += 1
                        body = jsonBody([
                            "name": "matrix-\(tokenNames)", "kind": "plaintext", "url": "https://feed.example/l",
                            "enabled": false,
                        ])
                    }
                    if route.method == "POST", path.hasSuffix("-rules"),
                        var object = route.body.flatMap({
                            try? JSONSerialization.jsonObject(with: $0) as? [String: Any]
                        })
                    {
                        tokenNames += 1
                        object["name"] = "matrix-\(tokenNames)"
                        body = jsonBody(object)
                    }
                    if path.hasPrefix("/api/v1/alerts?") {
                        body = jsonBody(["title": "a", "source_ref": "matrix-\(role.rawValue)"])
                    }
                    path = path.replacingOccurrences(of: " ", with: "%20")
                    let response = try await server.request(route.method, path, body: body, role: role)
                    if role >= route.minimum || route.alsoAllowed.contains(role) {
                        #expect(response.status < 400, "\(role) \(route.method) \(path): \(response.status) \(response.text)")
                    } else {
                        #expect(response.status == 403, "\(role) \(route.method) \(path): \(response.status)")
                        #expect(response.errorCode == "forbidden")
                    }
                }
                let anonymous = try await server.request(route.method, route.path, body: route.body, role: nil)
                #expect(anonymous.status == 401, "anonymous \(route.method) \(route.path)")
                #expect(anonymous.errorCode == "unauthorized")
            }
        }
    }

    @Test("Health probes answer without credentials")
    func probes() async throws {
        try await TestServer.with { server in
            #expect(try await server.request("GET", "/healthz", role: nil).status == 200)
            #expect(try await server.request("GET", "/readyz", role: nil).status == 200)
            let metrics = try await server.request("GET", "/metrics", role: .viewer)
            #expect(metrics.text.contains("riposte_http_requests_total{"))
            #expect(metrics.text.contains("riposte_job_queue_depth"))
        }
    }

    @Test("Metrics count ingested alerts, duplicates and incidents")
    func metricsCount() async throws {
        try await TestServer.with { server in
            let body = jsonBody([["title": "m", "source_ref": "m1"], ["title": "m", "source_ref": "m1"]])
            #expect(try await server.request("POST", "/api/v1/alerts?source=generic", body: body).status == 202)
            let text = try await server.request("GET", "/metrics").text
            #expect(text.contains("riposte_alerts_ingested_total{source=\"generic\"} 1"))
            #expect(text.contains("riposte_alerts_duplicate_total{source=\"generic\"} 1"))
            #expect(text.contains("riposte_incidents_created_total 1"))
            #expect(text.contains("riposte_http_requests_total{method=\"POST\",route=\"/api/v1/alerts\",status=\"202\"} 1"))
        }
    }
}
