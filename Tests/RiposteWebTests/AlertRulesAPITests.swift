// Grouping and suppression rules end to end: rules created over the API change how real Suricata
// alerts from the corpus group and which are suppressed, on a real server on port 0.
import Foundation
import RiposteCore
import RiposteRuntime
import RiposteTesting
import Synchronization
import Testing

@Suite("Alert rules API")
struct AlertRulesAPITests {
    static func lines(_ file: String) throws -> [String] {
        String(decoding: try Corpus.contents("pcaps/expected-alerts/\(file)"), as: UTF8.self)
            .split(separator: "\n").map(String.init)
    }

    /// The same alerts a year later: new source refs (Suricata's include the timestamp), same fields.
    static func replayed(_ lines: [String]) -> [String] {
        lines.map { $0.replacingOccurrences(of: "\"timestamp\":\"2017-", with: "\"timestamp\":\"2018-") }
    }

    static func post(_ server: TestServer, _ lines: [String]) async throws -> [[String: Any]] {
        let response = try await server.request(
            "POST", "/api/v1/alerts?source=suricata", body: Data(lines.joined(separator: "\n").utf8), role: .analyst)
        #expect(response.status == 202, "\(response.text)")
        return response.json.array("alerts")
    }

    @Test("A grouping rule makes a burst of related Suricata alerts one incident, and caps it with linked overflow incidents")
    func groupingRule() async throws {
        try await TestServer.with { server in
            let created = try await server.request(
                "POST", "/api/v1/grouping-rules",
                body: jsonBody([
                    "name": "suricata host pair", "position": 10,
                    "conditions": [["field": "source", "op": "equals", "value": "suricata"]],
                    "group_by": ["src_ip", "dst_ip"], "window_seconds": 3600,
                ]))
            #expect(created.status == 201, "\(created.text)")
            let ruleID = try #require(created.json.string("id"))
            #expect(ruleID.hasPrefix("grp_"))
            #expect(created.json["group_by"] as? [String] == ["src_ip", "dst_ip"])

            // 352 WinRM alerts of two signatures between one host pair: one incident (the default
            // fingerprint, which includes the rule, would make two).
            let winrm = try Self.lines("elcabezzonn_winrm_psremote_05-16.eve-alerts.jsonl")
            let burst = try await Self.post(server, winrm)
            #expect(burst.count == 352)
            let burstIncidents = Set(burst.compactMap { $0.string("incident_id") })
            #expect(burstIncidents.count == 1)
            let incidentID = try #require(burstIncidents.first)
            let incident = try await server.request("GET", "/api/v1/incidents/\(incidentID)", role: .viewer).json
            #expect(incident["alert_count"] as? Int == 352)

            // Unrelated alerts (other hosts, both directions) open their own incidents.
            let sqli = try await Self.post(server, try Self.lines("chrissanders_http_dvwa_sqlinjection.eve-alerts.jsonl"))
            let sqliIncidents = Set(sqli.compactMap { $0.string("incident_id") })
            #expect(sqliIncidents.count == 2, "10.2.2.101→104 and 104→101")
            #expect(sqliIncidents.isDisjoint(with: burstIncidents))

            // At most 100 alerts per incident: the full incident's group continues in linked overflow incidents.
            let capped = try await server.request(
                "PATCH", "/api/v1/grouping-rules/\(ruleID)", body: jsonBody(["max_alerts": 100]))
            #expect(capped.status == 200 && capped.json["max_alerts"] as? Int == 100, "\(capped.text)")
            let more = try await Self.post(server, Self.replayed(winrm))
            var counts: [String: Int] = [:]
            for alert in more { counts[try #require(alert.string("incident_id")), default: 0] += 1 }
            #expect(counts.values.sorted() == [52, 100, 100, 100])
            var chain: [String] = []
            for id in counts.keys {
                let json = try await server.request("GET", "/api/v1/incidents/\(id)", role: .viewer).json
                chain.append(try #require(json.string("overflow_of")))
            }
            #expect(chain.contains(incidentID), "the first overflow links to the full incident")
            #expect(Set(chain).count == 4, "each overflow links to the one before")
            let timeline = try await server.request("GET", "/api/v1/incidents/\(incidentID)/timeline", role: .viewer).json
            #expect(timeline.array("items").contains { $0.string("kind") == "incident.overflow" })

            let listed = try await server.request("GET", "/api/v1/grouping-rules", role: .viewer)
            #expect(listed.json.array("items").map { $0.string("id") } == [ruleID])
            #expect(try await server.request("DELETE", "/api/v1/grouping-rules/\(ruleID)").status == 204)
            #expect(try await server.request("GET", "/api/v1/grouping-rules/\(ruleID)").status == 404)
        }
    }

    @Test("A suppression rule created over the API stores matching alerts without incidents, counts them, and stops at expiry")
    func suppressionRule() async throws {
        let offset = Mutex<TimeInterval>(0)
        let clock = WallClock { Date().addingTimeInterval(offset.withLock { $0 }) }
        try await TestServer.with(clock: clock) { server in
            let expiresAt = RFC3339.format(clock.now().addingTimeInterval(3600))
            let created = try await server.request(
                "POST", "/api/v1/suppression-rules",
                body: jsonBody([
                    "name": "smb share access from the admin subnet",
                    "conditions": [
                        ["field": "src_ip", "op": "cidr", "value": "192.168.1.0/24"],
                        ["field": "rule_uid", "op": "in", "value": ["1:2102471", "1:2102465"]],
                    ],
                    "reason": "Admin share use by the patch server", "expires_at": expiresAt,
                ]))
            #expect(created.status == 201, "\(created.text)")
            let ruleID = try #require(created.json.string("id"))
            #expect(created.json.string("owner") == "test-admin", "the owner defaults to the caller")
            #expect(created.json["active"] as? Bool == true)

            // smbexec: 31 GPL NETBIOS share-access alerts (suppressed) and 18 others.
            let smb = try Self.lines("elcabezzonn_smbexec.eve-alerts.jsonl")
            let outcomes = try await Self.post(server, smb)
            let suppressed = outcomes.filter { $0["incident_id"] is NSNull }
            #expect(suppressed.count == 31)
            #expect(suppressed.allSatisfy { $0.string("suppressed_by") == ruleID })
            let grouped = outcomes.filter { $0["incident_id"] is String }
            #expect(grouped.count == 18 && grouped.allSatisfy { $0["suppressed_by"] == nil })
            var total = 0
            for id in Set(grouped.compactMap { $0.string("incident_id") }) {
                let incident = try await server.request("GET", "/api/v1/incidents/\(id)", role: .viewer).json
                total += incident["alert_count"] as? Int ?? 0
            }
            #expect(total == 18, "suppressed alerts join no incident")

            // Stored, readable, counted.
            let rule = try await server.request("GET", "/api/v1/suppression-rules/\(ruleID)", role: .viewer).json
            #expect(rule["hit_count"] as? Int == 31)
            #expect(rule.string("last_hit_at") != nil)
            let stored = try await server.request(
                "GET", "/api/v1/suppression-rules/\(ruleID)/alerts?limit=500", role: .analyst
            ).json.array("items")
            #expect(stored.count == 31)
            #expect(Set(stored.compactMap { ($0["rule"] as? [String: Any])?["uid"] as? String }) == ["1:2102471", "1:2102465"])
            #expect(stored.allSatisfy { ($0.string("raw") ?? "").contains("\"event_type\":\"alert\"") }, "raw payload kept")
            // The alert's own members sit at the top level, as in a stored alert, not under a `draft` key.
            let first = try #require(stored.first)
            #expect(first.string("source") == "suricata" && first["draft"] == nil)
            for member in ["source_ref", "title", "severity", "received_at", "suppressed_by"] {
                #expect(first.string(member)?.isEmpty == false, "\(member) in \(first.keys.sorted())")
            }
            #expect((first["src_endpoint"] as? [String: Any])?["ip"] as? String != nil)

            // A repeat is a duplicate of the suppressed alert, not a second hit.
            let again = try await Self.post(server, [try #require(smb.first)])
            #expect(again.first?["duplicate"] as? Bool == true)
            let recount = try await server.request("GET", "/api/v1/suppression-rules/\(ruleID)", role: .viewer).json
            #expect(recount["hit_count"] as? Int == 31)

            // After expiry the same kind of alerts open incidents again.
            offset.withLock { $0 = 7200 }
            let after = try await Self.post(server, Self.replayed(smb))
            #expect(after.allSatisfy { $0["incident_id"] is String && $0["suppressed_by"] == nil })
            let expired = try await server.request("GET", "/api/v1/suppression-rules/\(ruleID)", role: .viewer).json
            #expect(expired["active"] as? Bool == false)
            #expect(expired["hit_count"] as? Int == 31)
        }
    }

    @Test(
        "Bad rule bodies are 400 with the member named",
        arguments: [
            ("/api/v1/grouping-rules", #"{"name":"x","group_by":["colour"]}"#, "group_by[0] must be one of"),
            ("/api/v1/grouping-rules", #"{"name":"x"}"#, "group_by is required"),
            (
                "/api/v1/grouping-rules",
                #"{"name":"x","group_by":["rule"],"conditions":[{"field":"src_ip","op":"cidr","value":"1.2.3.4/8"}]}"#,
                "conditions[0].value '1.2.3.4/8' is not a CIDR block"
            ),
            (
                "/api/v1/grouping-rules", #"{"name":"x","group_by":["rule"],"window_seconds":0}"#,
                "window_seconds must be an integer"
            ),
            ("/api/v1/grouping-rules", #"{"name":"x","group_by":["rule"],"colour":1}"#, "unknown field 'colour'"),
            ("/api/v1/grouping-rules", #"{"name":"x",#"#, "invalid JSON"),
            (
                "/api/v1/suppression-rules", #"{"name":"x","conditions":[],"reason":"r","expires_at":"2999-01-01T00:00:00Z"}"#,
                "at least one clause"
            ),
            (
                "/api/v1/suppression-rules",
                #"{"name":"x","conditions":[{"field":"source","op":"equals","value":"a"}],"reason":"r","expires_at":"2001-01-01T00:00:00Z"}"#,
                "expires_at must be in the future"
            ),
            (
                "/api/v1/suppression-rules",
                #"{"name":"x","conditions":[{"field":"source","op":"equals","value":"a"}],"reason":"r"}"#,
                "expires_at is required"
            ),
        ])
    func badBodies(_ path: String, _ body: String, _ message: String) async throws {
        try await TestServer.with { server in
            let response = try await server.request("POST", path, body: Data(body.utf8))
            #expect(response.status == 400)
            #expect(response.errorCode == "invalid")
            let text = (response.json["error"] as? [String: Any])?["message"] as? String ?? ""
            #expect(text.contains(message), "\(text)")
        }
    }

    @Test("A taken name is 409 and an unknown id 404")
    func conflictsAndMissing() async throws {
        try await TestServer.with { server in
            let body = jsonBody(["name": "dup", "group_by": ["rule"]])
            #expect(try await server.request("POST", "/api/v1/grouping-rules", body: body).status == 201)
            let again = try await server.request("POST", "/api/v1/grouping-rules", body: body)
            #expect(again.status == 409 && again.errorCode == "conflict")
            let missing = try await server.request("PATCH", "/api/v1/suppression-rules/sup_nope", body: jsonBody(["reason": "r"]))
            #expect(missing.status == 404 && missing.errorCode == "not_found")
        }
    }
}
