// Reading and working an incident through the API: filters, paging, changes, notes, tasks, timeline.
import Foundation
import RiposteCore
import Testing

@Suite("Incident API")
struct IncidentAPITests {
    /// Posts `count` unrelated generic alerts (each opens its own incident) and returns their incident ids.
    static func seed(_ server: TestServer, count: Int, severity: String = "medium", prefix: String = "seed") async throws
        -> [String]
    {
        let alerts = (0..<count).map { index -> [String: Any] in
            [
                "title": "\(prefix) alert \(index)", "source_ref": "\(prefix)-\(index)", "rule": ["uid": "\(prefix)-\(index)"],
                "severity": severity, "src_ip": "192.0.2.\(index % 250 + 1)",
            ]
        }
        let response = try await server.request("POST", "/api/v1/alerts?source=generic", body: jsonBody(alerts))
        #expect(response.status == 202)
        return response.json.array("alerts").compactMap { $0.string("incident_id") }
    }

    @Test("The list pages newest first with a cursor and filters by status, severity and text")
    func listing() async throws {
        try await TestServer.with { server in
            let medium = try await Self.seed(server, count: 25)
            let critical = try await Self.seed(server, count: 3, severity: "critical", prefix: "crit")
            var seen: [String] = []
            var cursor: String?
            repeat {
                let path = "/api/v1/incidents?limit=10" + (cursor.map { "&cursor=\($0)" } ?? "")
                let page = try await server.request("GET", path, role: .viewer).json
                seen += page.array("items").compactMap { $0.string("id") }
                cursor = page.string("next_cursor")
            } while cursor != nil
            #expect(seen == (medium + critical).reversed())

            let onlyCritical = try await server.request("GET", "/api/v1/incidents?severity=critical").json.array("items")
            #expect(Set(onlyCritical.compactMap { $0.string("id") }) == Set(critical))
            let text = try await server.request("GET", "/api/v1/incidents?q=crit%20alert%201").json.array("items")
            #expect(text.compactMap { $0.string("id") } == [critical[1]])
            let byObservable = try await server.request("GET", "/api/v1/incidents?q=192.0.2.3").json.array("items")
            #expect(Set(byObservable.compactMap { $0.string("id") }) == [medium[2], critical[2]])

            _ = try await server.request("PATCH", "/api/v1/incidents/\(medium[0])", body: jsonBody(["status": "resolved"]))
            let resolved = try await server.request("GET", "/api/v1/incidents?status=resolved").json.array("items")
            #expect(resolved.compactMap { $0.string("id") } == [medium[0]])
            let bad = try await server.request("GET", "/api/v1/incidents?status=finished")
            #expect(bad.status == 400)
            #expect(try await server.request("GET", "/api/v1/incidents?cursor=garbage").status == 400)
            #expect(try await server.request("GET", "/api/v1/incidents?limit=0").status == 400)
        }
    }

    @Test("Changes, notes and tasks each leave a timeline entry")
    func workingAnIncident() async throws {
        try await TestServer.with { server in
            let id = try #require(try await Self.seed(server, count: 1).first)
            let patched = try await server.request(
                "PATCH", "/api/v1/incidents/\(id)",
                body: jsonBody(["status": "in_progress", "severity": "high", "owner": "alice"]),
                role: .analyst)
            #expect(patched.status == 200)
            #expect(patched.json.string("status") == "in_progress")
            #expect(patched.json.string("severity") == "high")
            #expect(patched.json.string("owner") == "alice")

            let note = try await server.request(
                "POST", "/api/v1/incidents/\(id)/notes", body: jsonBody(["body": "Checked the proxy logs."]))
            #expect(note.status == 201)
            #expect(note.json.string("author") == "token:test-admin")
            let task = try await server.request(
                "POST", "/api/v1/incidents/\(id)/tasks", body: jsonBody(["title": "Reset the password"]))
            #expect(task.status == 201)
            let taskID = try #require(task.json.string("id"))
            let done = try await server.request(
                "PATCH", "/api/v1/incidents/\(id)/tasks/\(taskID)", body: jsonBody(["status": "done"]))
            #expect(done.json.string("status") == "done")

            let notes = try await server.request("GET", "/api/v1/incidents/\(id)/notes").json.array("items")
            #expect(notes.map { $0.string("body") } == ["Checked the proxy logs."])
            let tasks = try await server.request("GET", "/api/v1/incidents/\(id)/tasks").json.array("items")
            #expect(tasks.map { $0.string("status") } == ["done"])
            let kinds = try await server.request("GET", "/api/v1/incidents/\(id)/timeline").json.array("items").compactMap {
                $0.string("kind")
            }
            #expect(kinds.first == "incident.created")
            for kind in ["status.changed", "severity.changed", "owner.changed", "note.added", "task.added", "task.updated"] {
                #expect(kinds.contains(kind), "timeline lacks \(kind): \(kinds)")
            }
            let status = try await server.request("GET", "/api/v1/incidents/\(id)/timeline").json.array("items")
                .first { $0.string("kind") == "status.changed" }
            #expect(status?.string("actor") == "token:test-analyst")
            let details = status?["details"] as? [String: Any]
            #expect(details?.string("from") == "new" && details?.string("to") == "in_progress")
        }
    }

    @Test("Bad changes are refused with clear errors and change nothing")
    func badChanges() async throws {
        try await TestServer.with { server in
            let id = try #require(try await Self.seed(server, count: 1).first)
            let cases: [(Data, String)] = [
                (jsonBody(["status": "finished"]), "unknown status"),
                (jsonBody(["colour": "red"]), "unknown field"),
                (jsonBody([String: String]()), "nothing to change"),
                (Data("[1,2]".utf8), "JSON object"),
                (Data("{".utf8), "not valid JSON"),
            ]
            for (body, message) in cases {
                let response = try await server.request("PATCH", "/api/v1/incidents/\(id)", body: body)
                #expect(response.status == 400)
                #expect(response.errorCode == "invalid")
                let text = (response.json["error"] as? [String: Any])?.string("message") ?? ""
                #expect(text.contains(message), "\(text)")
            }
            let missing = try await server.request("GET", "/api/v1/incidents/inc_01ZZZZZZZZZZZZZZZZZZZZZZZZ")
            #expect(missing.status == 404 && missing.errorCode == "not_found")
            let timeline = try await server.request("GET", "/api/v1/incidents/\(id)/timeline").json.array("items")
            #expect(timeline.count == 1)
        }
    }

    @Test("Every response carries a request id and the security headers")
    func headers() async throws {
        try await TestServer.with { server in
            let response = try await server.request("GET", "/api/v1/incidents", headers: ["X-Request-ID": "trace-42"])
            #expect(response.headers["x-request-id"] == "trace-42")
            #expect(response.headers["x-content-type-options"] == "nosniff")
            let notFound = try await server.request("GET", "/api/v1/nothing-here")
            #expect(notFound.status == 404)
            #expect((notFound.json["error"] as? [String: Any])?.string("request_id") == notFound.headers["x-request-id"])
        }
    }
}
