// The first real path end to end: real Suricata alerts and real blocklists over real HTTP.
import Foundation
import RiposteCore
import RiposteTesting
import Testing

@Suite("Alert ingest over HTTP")
struct IngestAPITests {
    /// Every EVE alert record of the corpus, one NDJSON body per corpus file.
    static func corpusAlertBodies() throws -> [(file: String, body: Data, count: Int)] {
        var bodies: [(String, Data, Int)] = []
        var files = try Corpus.files(in: "pcaps/expected-alerts", suffix: ".eve-alerts.jsonl")
        files += try Corpus.files(in: "siem_alerts/suricata", suffix: ".json")
        files += try Corpus.files(in: "siem_alerts/suricata/generated", suffix: ".json")
        for file in files {
            let data = try Corpus.contents(file)
            var records: [[String: Any]]
            if let array = try? JSONSerialization.jsonObject(with: data) as? [[String: Any]] {
                records = array
            } else {
                records = try data.split(separator: UInt8(ascii: "\n")).map {
                    try #require(JSONSerialization.jsonObject(with: Data($0)) as? [String: Any])
                }
            }
            records = records.filter { $0["event_type"] as? String == "alert" }
            let lines = try records.map { try JSONSerialization.data(withJSONObject: $0) }
            bodies.append((file, Data(lines.joined(separator: Data("\n".utf8))), records.count))
        }
        return bodies
    }

    @Test("Every Suricata alert in the corpus is stored with its addresses as observables")
    func corpusSuricataAlerts() async throws {
        try await TestServer.with { server in
            var total = 0
            for (file, body, count) in try Self.corpusAlertBodies() where count > 0 {
                let response = try await server.request("POST", "/api/v1/alerts?source=suricata", body: body, role: .analyst)
                #expect(response.status == 202, "\(file): \(response.text)")
                #expect(response.json["accepted"] as? Int == count, "\(file)")
                let alerts = response.json.array("alerts")
                #expect(alerts.count == count)
                for item in alerts where item["duplicate"] as? Bool == false {
                    let alert = try await server.request("GET", "/api/v1/alerts/\(item.string("id")!)", role: .viewer)
                    #expect(alert.status == 200)
                    let json = alert.json
                    let values = Set(json.array("observables").compactMap { $0.string("value") })
                    let src = (json["src_endpoint"] as? [String: Any])?.string("ip")
                    let dst = (json["dst_endpoint"] as? [String: Any])?.string("ip")
                    let srcIP = try #require(src, "\(file): alert without src ip")
                    let dstIP = try #require(dst, "\(file): alert without dst ip")
                    #expect(values.contains(srcIP) && values.contains(dstIP), "\(file): \(values)")
                    #expect(json.string("source") == "suricata")
                    #expect(json.string("raw")?.contains("\"signature_id\"") == true)
                    total += 1
                }
            }
            #expect(total > 800)
        }
    }

    @Test("A repeated alert answers duplicate with the ids already stored")
    func duplicates() async throws {
        try await TestServer.with { server in
            let line = try #require(
                String(
                    decoding: try Corpus.contents("pcaps/expected-alerts/chrissanders_cryptowall4_c2.eve-alerts.jsonl"),
                    as: UTF8.self
                )
                .split(separator: "\n").first)
            let first = try await server.request("POST", "/api/v1/alerts?source=suricata", body: Data(line.utf8))
            let second = try await server.request("POST", "/api/v1/alerts?source=suricata", body: Data(line.utf8))
            #expect(first.status == 202 && second.status == 202)
            let a = try #require(first.json.array("alerts").first)
            let b = try #require(second.json.array("alerts").first)
            #expect(a["duplicate"] as? Bool == false)
            #expect(b["duplicate"] as? Bool == true)
            #expect(a.string("id") == b.string("id"))
            #expect(a.string("incident_id") == b.string("incident_id"))
            let incident = try await server.request("GET", "/api/v1/incidents/\(a.string("incident_id")!)")
            #expect(incident.json["alert_count"] as? Int == 1)
        }
    }

    @Test("A stored alert reads as an OCSF Detection Finding; an unknown format is a 400")
    func ocsfView() async throws {
        try await TestServer.with { server in
            let line = try #require(
                String(
                    decoding: try Corpus.contents("pcaps/expected-alerts/chrissanders_cryptowall4_c2.eve-alerts.jsonl"),
                    as: UTF8.self
                )
                .split(separator: "\n").first)
            let eve = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let posted = try await server.request("POST", "/api/v1/alerts?source=suricata", body: Data(line.utf8))
            let id = try #require(posted.json.array("alerts").first?.string("id"))
            let response = try await server.request("GET", "/api/v1/alerts/\(id)?format=ocsf", role: .viewer)
            #expect(response.status == 200, "\(response.text)")
            let event = response.json
            #expect(event["class_uid"] as? Int == 2004 && event["type_uid"] as? Int == 200_401)
            #expect((event["time"] as? Int ?? 0) > 1_000_000_000_000, "epoch milliseconds")
            #expect((event["src_endpoint"] as? [String: Any])?.string("ip") == eve.string("src_ip"))
            #expect((event["dst_endpoint"] as? [String: Any])?.string("ip") == eve.string("dest_ip"))
            let analytic = (event["finding_info"] as? [String: Any])?["analytic"] as? [String: Any]
            #expect(analytic?.string("name") == (eve["alert"] as? [String: Any])?.string("signature"))
            #expect(event.array("observables").allSatisfy { $0["type_id"] is Int && $0.string("value") != nil })
            #expect(event.string("raw_data") == String(line))

            let unknown = try await server.request("GET", "/api/v1/alerts/\(id)?format=stix", role: .viewer)
            #expect(unknown.status == 400 && unknown.errorCode == "invalid")
        }
    }

    @Test("Related alerts join one incident; unrelated ones open their own")
    func grouping() async throws {
        try await TestServer.with { server in
            func alert(_ ref: String, rule: String, src: String) -> [String: Any] {
                [
                    "title": "Rule \(rule)", "source_ref": ref, "rule": ["uid": rule], "src_ip": src, "dst_ip": "198.51.100.7",
                    "severity": "high",
                ]
            }
            let burst = (0..<5).map { alert("burst-\($0)", rule: "1001", src: "203.0.113.5") }
            let response = try await server.request("POST", "/api/v1/alerts?source=generic", body: jsonBody(burst))
            #expect(response.status == 202)
            let incidents = Set(response.json.array("alerts").compactMap { $0.string("incident_id") })
            #expect(incidents.count == 1)
            let other = try await server.request(
                "POST", "/api/v1/alerts?source=generic",
                body: jsonBody([
                    alert("other-rule", rule: "2002", src: "203.0.113.5"), alert("other-host", rule: "1001", src: "203.0.113.9"),
                ]))
            let otherIncidents = Set(other.json.array("alerts").compactMap { $0.string("incident_id") })
            #expect(otherIncidents.count == 2)
            #expect(otherIncidents.isDisjoint(with: incidents))
            let incident = try await server.request("GET", "/api/v1/incidents/\(incidents.first!)")
            #expect(incident.json["alert_count"] as? Int == 5)
            // The four alerts that joined arrived in one request: one timeline line says so.
            let added = incident.json.array("timeline").filter { $0.string("kind") == "alert.added" }
            #expect(added.count == 1)
            #expect((added.first?["details"] as? [String: Any])?["count"] as? Int == 4)
        }
    }

    @Test("Feodo Tracker and Spamhaus DROP make matching observables malicious, with the reason on the timeline")
    func blocklistMatches() async throws {
        try await TestServer.with { server in
            let feodo = try Corpus.contents("threat_intel/blocklists/abusech-feodotracker-ipblocklist.csv")
            let imported = try await server.request(
                "POST", "/api/v1/indicators?format=csv&preset=feodotracker&feed=feodo", body: feodo, role: .analyst)
            #expect(imported.status == 200, "\(imported.text)")
            #expect((imported.json["added"] as? Int ?? 0) > 0)
            let drop = try Corpus.contents("threat_intel/blocklists/spamhaus-drop.txt")
            let dropImport = try await server.request(
                "POST", "/api/v1/indicators?format=plaintext&feed=spamhaus-drop", body: drop)
            #expect(dropImport.status == 200, "\(dropImport.text)")

            // A Feodo C2 address (first data row of the file) and an address inside DROP's first CIDR.
            let feodoIP = try #require(
                String(decoding: feodo, as: UTF8.self).split(separator: "\n").first {
                    !$0.hasPrefix("#") && !$0.contains("first_seen")
                }?
                .split(separator: ",")[1].trimmingCharacters(in: CharacterSet(charactersIn: "\"")))
            let firstCIDR = try #require(
                String(decoding: drop, as: UTF8.self).split(separator: "\n").first { !$0.hasPrefix(";") && $0.contains("/") }?
                    .split(separator: " ").first)
            let network = firstCIDR.split(separator: "/")[0].split(separator: ".").map { Int($0)! }
            let insideDrop = "\(network[0]).\(network[1]).\(network[2]).\(network[3] + 1)"
            let body = jsonBody([
                ["title": "Beacon to C2", "source_ref": "c2-1", "src_ip": "10.0.0.5", "dst_ip": feodoIP],
                ["title": "Traffic from DROP space", "source_ref": "drop-1", "src_ip": insideDrop, "dst_ip": "10.0.0.6"],
                ["title": "Clean traffic", "source_ref": "clean-1", "src_ip": "10.0.0.7", "dst_ip": "10.0.0.8"],
            ])
            let response = try await server.request("POST", "/api/v1/alerts?source=generic", body: body, role: .analyst)
            #expect(response.status == 202)
            let incidentIDs = response.json.array("alerts").compactMap { $0.string("incident_id") }
            #expect(incidentIDs.count == 3)

            func observable(_ incident: String, _ value: String) async throws -> [String: Any]? {
                let json = try await server.request("GET", "/api/v1/incidents/\(incident)").json
                return json.array("observables").first { $0.string("value") == value }
            }
            let matched = try await server.eventually {
                let c2 = try await observable(incidentIDs[0], feodoIP)?.string("verdict")
                let drop = try await observable(incidentIDs[1], insideDrop)?.string("verdict")
                return c2 == "malicious" && drop == "malicious"
            }
            #expect(matched)
            let c2 = try #require(try await observable(incidentIDs[0], feodoIP))
            let hit = try #require((c2["intel"] as? [[String: Any]])?.first)
            #expect(hit.string("feed") == "feodo")
            #expect(hit.string("match") == "exact")
            let dropHit = try #require((try await observable(incidentIDs[1], insideDrop)?["intel"] as? [[String: Any]])?.first)
            #expect(dropHit.string("feed") == "spamhaus-drop")
            #expect(dropHit.string("match") == "cidr")
            #expect(dropHit.string("indicator") == String(firstCIDR))
            let clean = try await observable(incidentIDs[2], "10.0.0.7")
            #expect(clean?.string("verdict") == "unknown")
            let timeline = try await server.request("GET", "/api/v1/incidents/\(incidentIDs[0])/timeline").json.array("items")
            #expect(timeline.contains { $0.string("kind") == "intel.matched" && ($0.string("message") ?? "").contains(feodoIP) })

            let lookup = try await server.request("GET", "/api/v1/intel/lookup?value=\(insideDrop)", role: .viewer).json
            #expect(lookup.string("verdict") == "malicious")
            #expect(lookup.string("type") == "ipv4")
            #expect(lookup.array("hits").first?.string("feed") == "spamhaus-drop")
        }
    }

    @Test("Bad input gets the right 4xx and stores nothing", arguments: BadInput.allCases)
    func badInput(_ input: BadInput) async throws {
        try await TestServer.with { server in
            let response = try await server.request(
                "POST", "/api/v1/alerts?source=\(input.source)", body: input.body, role: input.role,
                headers: input == .wrongToken ? ["Authorization": "Bearer rpt_wrong"] : [:])
            #expect(response.status == input.expectedStatus, "\(input): \(response.text)")
            #expect(response.errorCode != nil, "\(input): error body \(response.text)")
            #expect(response.json["error"].map { _ in true } == true)
            let incidents = try await server.request("GET", "/api/v1/incidents").json.array("items")
            #expect(incidents.isEmpty, "\(input) stored something")
        }
    }

    enum BadInput: String, CaseIterable, CustomTestStringConvertible {
        case malformedJSON, tenMebibytes, invalidUTF8, missingToken, wrongToken, viewerWrites, unknownSource, badRecordInBatch

        var testDescription: String { rawValue }
        var source: String { self == .unknownSource ? "nosuchformat" : "generic" }
        var body: Data {
            switch self {
            case .malformedJSON: Data(#"{"title": "x", "#.utf8)
            case .tenMebibytes: Data(repeating: UInt8(ascii: " "), count: 10 << 20 + 1)
            case .invalidUTF8: Data([0x7B, 0x22, 0x74, 0x69, 0x74, 0x6C, 0x65, 0x22, 0x3A, 0x22, 0xC3, 0x28, 0x22, 0x7D])
            case .badRecordInBatch: Data("{\"title\":\"ok\",\"source_ref\":\"1\"}\n{\"source_ref\":\"2\"}\n".utf8)
            default: Data(#"{"title": "Phish", "source_ref": "x1"}"#.utf8)
            }
        }
        var role: Role? {
            switch self {
            case .missingToken, .wrongToken: nil
            case .viewerWrites: .viewer
            default: .analyst
            }
        }
        var expectedStatus: Int {
            switch self {
            case .malformedJSON, .invalidUTF8, .unknownSource, .badRecordInBatch: 400
            case .tenMebibytes: 413
            case .missingToken, .wrongToken: 401
            case .viewerWrites: 403
            }
        }
    }

    @Test("A wrong token is refused like a missing one")
    func wrongToken() async throws {
        try await TestServer.with { server in
            let response = try await TestHTTP.request(
                "POST", server.baseURL + "/api/v1/alerts?source=generic", body: Data(#"{"title":"x"}"#.utf8),
                token: "rpt_not-a-real-token")
            #expect(response.status == 401)
            #expect(response.errorCode == "unauthorized")
            #expect(response.headers["www-authenticate"] != nil)
        }
    }
}
