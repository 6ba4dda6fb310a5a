// STIX bundles and MISP events through POST /api/v1/indicators: real corpus files, lifecycle honoured by lookups.
import Foundation
import RiposteCore
import RiposteTesting
import Testing

@Suite("Intel formats over HTTP")
struct IntelFormatsAPITests {
    @Test("A STIX bundle and a MISP event from the corpus import; their values are then looked up as malicious")
    func corpusSTIXAndMISP() async throws {
        try await TestServer.with { server in
            let stix = try Corpus.contents("threat_intel/stix/oasis-indicator-for-c2-ip-address.json")
            let imported = try await server.request(
                "POST", "/api/v1/indicators?format=stix&feed=oasis", body: stix, role: .analyst)
            #expect(imported.status == 200, "\(imported.text)")
            #expect(imported.json["added"] as? Int == 1)
            #expect(imported.json["inactive"] as? Int == 0)
            let stixHit = try await server.request("GET", "/api/v1/intel/lookup?value=10.0.0.0", role: .viewer)
            #expect(stixHit.json.string("verdict") == "malicious" || stixHit.json.string("verdict") == "suspicious")
            #expect(stixHit.json.array("hits").first?.string("feed") == "oasis")

            let misp = try Corpus.contents("threat_intel/misp/misp-event-osint-qakbot-emotet.json")
            let event = try await server.request("POST", "/api/v1/indicators?format=misp&feed=circl", body: misp, role: .analyst)
            #expect(event.status == 200, "\(event.text)")
            #expect((event.json["added"] as? Int ?? 0) >= 16)
            for value in ["104.236.252.178", "da00823090dae3dae452ddc8a4c2a3c087389b4aacf1f0c12d13c83c9fcaef9c"] {
                let hit = try await server.request("GET", "/api/v1/intel/lookup?value=\(value)", role: .viewer)
                #expect(hit.json.array("hits").first?.string("feed") == "circl", "\(value): \(hit.text)")
            }

            let broken = try await server.request(
                "POST", "/api/v1/indicators?format=stix&feed=oasis", body: Data("{\"type\":\"bundle\",\"objects\":[".utf8),
                role: .analyst)
            #expect(broken.status == 400)
            #expect(broken.errorCode == "invalid")
        }
    }

    @Test("A TLP:RED STIX indicator: lookups, the incident's observable and the timeline carry its marking and the reason")
    func tlpMarkedHit() async throws {
        try await TestServer.with { server in
            let bundle: [String: Any] = [
                "type": "bundle", "id": "bundle--0d1bc2a4-66f1-4dbb-9ac1-7a6d5f0c4f11",
                "objects": [
                    [
                        "type": "indicator", "spec_version": "2.1", "id": "indicator--7b1e2bd4-52a9-4ac1-b5d4-cc5fbb3ec3a1",
                        "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
                        "pattern": "[ipv4-addr:value = '198.51.100.66']", "pattern_type": "stix",
                        "valid_from": "2026-01-01T00:00:00.000Z", "confidence": 85,
                        // The OASIS TLP 2.0 RED marking definition.
                        "object_marking_refs": ["marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"],
                    ]
                ],
            ]
            let imported = try await server.request(
                "POST", "/api/v1/indicators?format=stix&feed=partner", body: jsonBody(bundle), role: .analyst)
            #expect(imported.status == 200, "\(imported.text)")
            let lookup = try await server.request("GET", "/api/v1/intel/lookup?value=198.51.100.66", role: .viewer).json
            #expect(lookup.string("tlp") == "red")
            #expect(lookup.array("hits").first?.string("tlp") == "red")
            #expect(lookup.string("reason")?.contains("TLP:RED") == true, "\(lookup)")

            let alert = jsonBody(["title": "Beacon", "source_ref": "tlp-1", "src_ip": "10.0.0.5", "dst_ip": "198.51.100.66"])
            let response = try await server.request("POST", "/api/v1/alerts?source=generic", body: alert, role: .analyst)
            let incident = try #require(response.json.array("alerts").first?.string("incident_id"))
            func marked() async throws -> [String: Any]? {
                let json = try await server.request("GET", "/api/v1/incidents/\(incident)").json
                return json.array("observables").first { $0.string("value") == "198.51.100.66" && $0.string("tlp") != nil }
            }
            #expect(try await server.eventually { try await marked() != nil })
            let observable = try #require(try await marked())
            #expect(observable.string("tlp") == "red")
            #expect(observable.string("verdict") == "malicious")
            #expect(observable.string("verdict_reason")?.contains("feed partner (confidence 85") == true, "\(observable)")
            let timeline = try await server.request("GET", "/api/v1/incidents/\(incident)/timeline").json.array("items")
            let matched = try #require(timeline.first { $0.string("kind") == "intel.matched" })
            let details = try #require(matched["details"] as? [String: Any])
            #expect((details["reason"] as? String)?.contains("TLP:RED") == true, "\(details)")
            #expect((details["hits"] as? [[String: Any]])?.first?.string("tlp") == "red")
        }
    }

    @Test("A STIX pattern the index cannot reduce is evaluated against each new alert's observables together")
    func evaluatedPattern() async throws {
        try await TestServer.with { server in
            let pattern = "[ipv4-addr:value = '198.51.100.23'] AND [domain-name:value = 'update-check.example']"
            let bundle: [String: Any] = [
                "type": "bundle", "id": "bundle--6a1f0d5c-2f55-4a8e-9c55-3c2d1bb0a0e1",
                "objects": [
                    [
                        "type": "indicator", "spec_version": "2.1", "id": "indicator--0b8bcb2a-1f53-4f0e-9b6a-2f4a8e2d9f10",
                        "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
                        "pattern": pattern, "pattern_type": "stix", "valid_from": "2026-01-01T00:00:00.000Z",
                    ]
                ],
            ]
            let imported = try await server.request(
                "POST", "/api/v1/indicators?format=stix&feed=hunt", body: jsonBody(bundle), role: .analyst)
            #expect(imported.status == 200 && imported.json["added"] as? Int == 1, "\(imported.text)")

            let alerts = jsonBody([
                [
                    "title": "Beacon with lookup", "source_ref": "p-1", "src_ip": "10.0.0.5", "dst_ip": "198.51.100.23",
                    "observables": [["type": "domain", "value": "update-check.example"]],
                ],
                ["title": "Same address, no lookup", "source_ref": "p-2", "src_ip": "10.0.0.6", "dst_ip": "198.51.100.23"],
            ])
            let response = try await server.request("POST", "/api/v1/alerts?source=generic", body: alerts, role: .analyst)
            let incidents = response.json.array("alerts").compactMap { $0.string("incident_id") }
            #expect(incidents.count == 2 && incidents[0] != incidents[1], "\(response.text)")
            func observables(_ incident: String) async throws -> [[String: Any]] {
                try await server.request("GET", "/api/v1/incidents/\(incident)").json.array("observables")
            }
            let matched = try await server.eventually {
                try await observables(incidents[0]).contains { $0.string("verdict") == "malicious" }
            }
            #expect(matched)
            let first = try await observables(incidents[0])
            for value in ["198.51.100.23", "update-check.example"] {
                let observable = try #require(first.first { $0.string("value") == value }, "\(first)")
                let hit = (observable["intel"] as? [[String: Any]])?.first
                #expect(hit?.string("match") == "pattern" && hit?.string("indicator") == pattern, "\(observable)")
            }
            #expect(first.first { $0.string("value") == "10.0.0.5" }?.string("verdict") == "unknown")
            // The job that matched the first alert also ran over the second: the lone address is not named.
            let second = try await observables(incidents[1])
            #expect(second.allSatisfy { $0.string("verdict") == "unknown" }, "\(second)")
        }
    }

    @Test("Revoked and expired STIX indicators are stored but never match; a later valid_until expires on time")
    func lifecycle() async throws {
        try await TestServer.with { server in
            let soon = Date().addingTimeInterval(5)
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            func indicator(_ id: String, _ ip: String, extra: [String: Any]) -> [String: Any] {
                [
                    "type": "indicator", "spec_version": "2.1", "id": "indicator--\(id)",
                    "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
                    "pattern": "[ipv4-addr:value = '\(ip)']", "pattern_type": "stix",
                    "valid_from": "2026-01-01T00:00:00.000Z",
                ].merging(extra) { _, new in new }
            }
            let bundle: [String: Any] = [
                "type": "bundle", "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d",
                "objects": [
                    indicator("8e2e2d2b-17d4-4cbf-938f-98ee46b3cd31", "198.51.100.1", extra: [:]),
                    indicator("8e2e2d2b-17d4-4cbf-938f-98ee46b3cd32", "198.51.100.2", extra: ["revoked": true]),
                    indicator(
                        "8e2e2d2b-17d4-4cbf-938f-98ee46b3cd33", "198.51.100.3", extra: ["valid_until": "2026-02-01T00:00:00.000Z"]
                    ),
                    indicator(
                        "8e2e2d2b-17d4-4cbf-938f-98ee46b3cd34", "198.51.100.4",
                        extra: ["valid_until": formatter.string(from: soon)]),
                ],
            ]
            let imported = try await server.request(
                "POST", "/api/v1/indicators?format=stix&feed=lifecycle", body: jsonBody(bundle), role: .analyst)
            #expect(imported.status == 200, "\(imported.text)")
            #expect(imported.json["added"] as? Int == 4)
            #expect(imported.json["inactive"] as? Int == 2)
            func hits(_ ip: String) async throws -> Int {
                try await server.request("GET", "/api/v1/intel/lookup?value=\(ip)", role: .viewer).json.array("hits").count
            }
            #expect(try await hits("198.51.100.1") == 1)
            #expect(try await hits("198.51.100.2") == 0, "revoked")
            #expect(try await hits("198.51.100.3") == 0, "expired")
            #expect(try await hits("198.51.100.4") == 1, "valid until a moment from now")
            let expired = try await server.eventually(seconds: 20) { try await hits("198.51.100.4") == 0 }
            #expect(expired, "the sweep rebuilds the index when valid_until passes")
            #expect(try await hits("198.51.100.1") == 1)
        }
    }
}
