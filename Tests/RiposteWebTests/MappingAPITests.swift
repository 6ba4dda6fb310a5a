// Named alert mappings over the API: a new sender's format becomes a source without code or restart.
import Foundation
import RiposteCore
import RiposteTesting
import Testing

@Suite("Alert mappings over HTTP")
struct MappingAPITests {
    /// Sysmon events as SigmaHQ's regression data renders EVTX to JSON.
    static let sysmon = #"""
        {
          "title": {"path": ["Event.EventData.RuleName_", "Event.System.Provider.#attributes.Name"], "default": "Windows event"},
          "severity": {"path": "Event.System.Level", "map": {"1": "critical", "2": "high", "3": "medium"},
                       "ranges": [{"min": 4, "max": 5, "severity": "informational"}], "default": "unknown"},
          "time": {"path": "Event.System.TimeCreated.#attributes.SystemTime", "format": "rfc3339"},
          "source_ref": {"hash": ["Event.System.Computer", "Event.System.EventRecordID"]},
          "rule_uid": "Event.System.EventID", "rule_category": "Event.System.Channel",
          "host_name": "Event.System.Computer", "user_name": "Event.EventData.User",
          "observables": [{"path": "Event.EventData.CommandLine", "type": "text"},
                          {"path": "Event.EventData.DestinationIp", "type": "ip"}]
        }
        """#

    @Test("An admin defines a mapping; alerts of that source are parsed by it at once, and it can be replaced and removed")
    func defineUseReplaceDelete() async throws {
        try await TestServer.with { server in
            let event = try Corpus.contents("siem_alerts/sigma-matched-events/proc_creation_win_certutil_download.event.json")
            let unknown = try await server.request("POST", "/api/v1/alerts?source=sysmon", body: event, role: .analyst)
            #expect(unknown.status == 400)

            let forbidden = try await server.request(
                "PUT", "/api/v1/mappings/sysmon", body: Data(Self.sysmon.utf8), role: .analyst)
            #expect(forbidden.status == 403)
            let created = try await server.request("PUT", "/api/v1/mappings/sysmon", body: Data(Self.sysmon.utf8))
            #expect(created.status == 201, "\(created.text)")

            let posted = try await server.request("POST", "/api/v1/alerts?source=sysmon", body: event, role: .analyst)
            #expect(posted.status == 202, "\(posted.text)")
            let alertID = try #require(posted.json.array("alerts").first?.string("id"))
            let alert = try await server.request("GET", "/api/v1/alerts/\(alertID)", role: .viewer)
            let parsed = try JSONSerialization.jsonObject(with: event) as? [String: Any]
            let system = ((parsed?["Event"] as? [String: Any])?["System"] as? [String: Any]) ?? [:]
            #expect(alert.json.string("source") == "sysmon")
            #expect(alert.json.string("host_name") == system["Computer"] as? String, "\(alert.text)")
            #expect(alert.text.contains("certutil"), "the command line's observables come from the mapping")

            let replaced = try await server.request(
                "PUT", "/api/v1/mappings/sysmon",
                body: Data(Self.sysmon.replacingOccurrences(of: "Windows event", with: "Sysmon").utf8))
            #expect(replaced.status == 200)
            let list = try await server.request("GET", "/api/v1/mappings", role: .viewer)
            #expect(list.json.array("items").map { $0.string("name") } == ["sysmon"])

            #expect(try await server.request("DELETE", "/api/v1/mappings/sysmon").status == 204)
            #expect(try await server.request("POST", "/api/v1/alerts?source=sysmon", body: event).status == 400)
        }
    }

    @Test("Bad mappings and names are refused with the reason; built-in names cannot be taken")
    func refusals() async throws {
        try await TestServer.with { server in
            let builtIn = try await server.request("PUT", "/api/v1/mappings/suricata", body: Data(Self.sysmon.utf8))
            #expect(builtIn.status == 409)
            let badName = try await server.request("PUT", "/api/v1/mappings/Bad%20Name", body: Data(Self.sysmon.utf8))
            #expect(badName.status == 400)
            #expect(badName.text.contains("lowercase letters"))
            let noTitle = try await server.request("PUT", "/api/v1/mappings/edr", body: Data(#"{"severity": "x"}"#.utf8))
            #expect(noTitle.status == 400, "\(noTitle.text)")
            let notJSON = try await server.request("PUT", "/api/v1/mappings/edr", body: Data("{".utf8))
            #expect(notJSON.status == 400)
            #expect(try await server.request("GET", "/api/v1/mappings", role: .viewer).json.array("items").isEmpty)
        }
    }
}
