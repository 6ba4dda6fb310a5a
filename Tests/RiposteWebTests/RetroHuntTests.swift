// Retro-hunt: an indicator that arrives after the alert still finds it, raises the verdict and says so on the timeline.
import Foundation
import RiposteCore
import Testing

@Suite("Retro-hunt")
struct RetroHuntTests {
    @Test("A list imported after an alert matches its observable: verdict raised, intel.retro_matched on the timeline, once")
    func laterIndicatorFindsPastObservable() async throws {
        try await TestServer.with { server in
            let alert = jsonBody([
                "title": "Beacon to unknown host", "source_ref": "retro-1", "src_ip": "10.1.1.5", "dst_ip": "203.0.113.66",
            ])
            let posted = try await server.request("POST", "/api/v1/alerts?source=generic", body: alert, role: .analyst)
            let incident = try #require(posted.json.array("alerts").first?.string("incident_id"))
            // The intel worker has matched the alert against an empty index: nothing known yet.
            let before = try await server.request("GET", "/api/v1/incidents/\(incident)/observables", role: .viewer)
            #expect(before.json.array("items").first { $0.string("value") == "203.0.113.66" }?.string("verdict") == "unknown")

            let list = Data("203.0.113.66\n198.51.100.200\n".utf8)
            let imported = try await server.request(
                "POST", "/api/v1/indicators?format=plaintext&feed=late-list", body: list, role: .analyst)
            #expect(imported.status == 200, "\(imported.text)")
            let retro = try #require(imported.json["retro_hunt"] as? [String: Any])
            #expect(retro["matched"] as? Int == 1)
            #expect((retro["scanned"] as? Int ?? 0) >= 2)

            let after = try await server.request("GET", "/api/v1/incidents/\(incident)/observables", role: .viewer)
            let observable = try #require(after.json.array("items").first { $0.string("value") == "203.0.113.66" })
            #expect(observable.string("verdict") == "malicious")
            #expect(after.json.array("items").first { $0.string("value") == "10.1.1.5" }?.string("verdict") == "unknown")
            let timeline = try await server.request("GET", "/api/v1/incidents/\(incident)/timeline", role: .viewer)
            let events = timeline.json.array("items").filter { $0.string("kind") == "intel.retro_matched" }
            #expect(events.count == 1)
            #expect(events.first?.string("message") == "Retro-hunt: ipv4 203.0.113.66 matched 203.0.113.66 from late-list")

            // Importing the same list again finds nothing new and writes nothing.
            let again = try await server.request(
                "POST", "/api/v1/indicators?format=plaintext&feed=late-list", body: list, role: .analyst)
            #expect((again.json["retro_hunt"] as? [String: Any])?["matched"] as? Int == 0)
            let unchanged = try await server.request("GET", "/api/v1/incidents/\(incident)/timeline", role: .viewer)
            #expect(unchanged.json.array("items").filter { $0.string("kind") == "intel.retro_matched" }.count == 1)
        }
    }

    @Test("Observables older than the window are not scanned")
    func windowIsHonoured() async throws {
        try await TestServer.with(environment: ["RIPOSTE_RETRO_HUNT_DAYS": "0"]) { server in
            let alert = jsonBody(["title": "old", "source_ref": "retro-2", "dst_ip": "203.0.113.67"])
            #expect(try await server.request("POST", "/api/v1/alerts?source=generic", body: alert).status == 202)
            let imported = try await server.request(
                "POST", "/api/v1/indicators?format=plaintext&feed=late", body: Data("203.0.113.67\n".utf8))
            let retro = try #require(imported.json["retro_hunt"] as? [String: Any])
            #expect(retro["scanned"] as? Int == 0 && retro["matched"] as? Int == 0, "RIPOSTE_RETRO_HUNT_DAYS=0 turns it off")
        }
    }
}
