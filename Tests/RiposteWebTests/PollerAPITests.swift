// Pollers end to end: the whole app on a real port polls a local QRadar simulator (and a Sentinel
// one), stores the offenses as alerts through ingest (dedup, grouping), shows its status on
// GET /api/v1/pollers, and resumes from its stored cursor after a restart.
import Foundation
import RiposteApp
import RiposteCore
import RiposteHTTP
import RiposteIngest
import RiposteTesting
import Testing

@Suite("Pollers API")
struct PollerAPITests {
    static let qradarToken = "qradar-sec-token-0b6e7d58-aa41-4c1b-9d3e-77e0f5a3c2d1"
    static let sentinelSecret = "sentinel-secret~Zq8.Xw7_vU6"
    static let addresses = [10: "198.51.100.10", 1: "192.0.2.1", 2: "203.0.113.2"]

    static func environment(qradar: URL, sentinel: URL) -> [String: String] {
        [
            "RIPOSTE_QRADAR_URL": qradar.absoluteString, "RIPOSTE_QRADAR_TOKEN": qradarToken, "RIPOSTE_QRADAR_LOOKBACK": "0",
            "RIPOSTE_QRADAR_INTERVAL": "3600", "RIPOSTE_SENTINEL_TENANT_ID": "tenant-1", "RIPOSTE_SENTINEL_CLIENT_ID": "client-1",
            "RIPOSTE_SENTINEL_CLIENT_SECRET": sentinelSecret,
            "RIPOSTE_SENTINEL_SUBSCRIPTION_ID": "d0cfe6b2-9ac0-4464-9919-dccaee2e48c0",
            "RIPOSTE_SENTINEL_RESOURCE_GROUP": "myRg", "RIPOSTE_SENTINEL_WORKSPACE": "myWorkspace",
            "RIPOSTE_SENTINEL_LOGIN_URL": sentinel.absoluteString, "RIPOSTE_SENTINEL_MANAGEMENT_URL": sentinel.absoluteString,
            "RIPOSTE_SENTINEL_LOOKBACK": "0", "RIPOSTE_SENTINEL_INTERVAL": "3600",
        ]
    }

    /// Both simulators on loopback ports, with the corpus samples.
    static func withSimulators(_ body: (QRadarSimulator, URL, SentinelSimulator, URL) async throws -> Void) async throws {
        let qradar = QRadarSimulator(
            token: qradarToken, offenses: try QRadarSimulator.corpusOffenses(), sourceAddresses: addresses)
        let sentinel = try SentinelSimulator(tenantID: "tenant-1", clientID: "client-1", clientSecret: sentinelSecret)
        try sentinel.upsert([
            try SentinelSimulator.corpusIncident(
                name: "73e01a99-5cd7-4139-a149-9f2736ff2ab5", lastModified: "2019-01-01T13:15:30Z")
        ])
        try await withLoopbackServer(responder: qradar) { (qradarURL: URL) async throws in
            try await withLoopbackServer(responder: sentinel) { (sentinelURL: URL) async throws in
                sentinel.setBaseURL(sentinelURL)
                try await body(qradar, qradarURL, sentinel, sentinelURL)
            }
        }
    }

    static func poller(_ response: TestResponse, _ name: String) -> [String: Any]? {
        response.json.array("pollers").first { $0.string("name") == name }
    }

    @Test("Polled offenses and incidents become alerts, the status shows it, and a re-poll adds no duplicate")
    func pollsIntoIncidents() async throws {
        try await Self.withSimulators { qradar, qradarURL, _, sentinelURL in
            try await TestServer.with(environment: Self.environment(qradar: qradarURL, sentinel: sentinelURL)) { server in
                let polled = try await server.eventually {
                    let status = try await server.request("GET", "/api/v1/pollers", role: .viewer)
                    return Self.poller(status, "qradar")?["last_success_at"] is String
                        && Self.poller(status, "sentinel")?["last_success_at"] is String
                }
                #expect(polled)
                let status = try await server.request("GET", "/api/v1/pollers", role: .viewer)
                #expect(status.status == 200)
                let q = try #require(Self.poller(status, "qradar"))
                #expect(q.string("kind") == "qradar")
                #expect(q["enabled"] as? Bool == true)
                #expect(q["items_last_poll"] as? Int == 2)
                #expect(q["items_total"] as? Int == 2)
                #expect(q.string("cursor") == "1613399051536")
                #expect(q["last_error"] is NSNull)
                let s = try #require(Self.poller(status, "sentinel"))
                #expect(s["items_total"] as? Int == 1)
                #expect(s.string("cursor") == "2019-01-01T13:15:30.0000000Z")
                #expect(!status.text.contains(Self.qradarToken) && !status.text.contains(Self.sentinelSecret))

                // Three alerts (two offenses, one incident) on three incidents.
                let incidents = try await server.request("GET", "/api/v1/incidents", role: .viewer)
                #expect(incidents.json.array("items").count == 3)
                let titles = Set(incidents.json.array("items").compactMap { $0.string("title") })
                #expect(titles.contains("Session Closed"))
                #expect(titles.contains("My incident"))
                let session = try #require(incidents.json.array("items").first { $0.string("title") == "Session Closed" })
                let detail = try await server.request("GET", "/api/v1/incidents/\(session.string("id")!)", role: .viewer)
                let values = Set(detail.json.array("observables").compactMap { $0.string("value") })
                #expect(values.isSuperset(of: ["39.116.161.122", "198.51.100.10"]))

                // QRadar persists a change to offense 16: polled again, stored as a duplicate.
                var changed = try #require(try QRadarSimulator.corpusOffenses().first { $0["id"] as? Int == 16 })
                changed["last_persisted_time"] = 1_613_400_000_000
                changed["event_count"] = 2
                qradar.upsert([changed])
                let service = try #require(server.app.pollers.first { $0.name == "qradar" })
                #expect(try await service.pollOnce() == 1)
                let after = try await server.request("GET", "/api/v1/incidents", role: .viewer)
                #expect(after.json.array("items").count == 3)
                let sameSession = try #require(after.json.array("items").first { $0.string("title") == "Session Closed" })
                #expect(sameSession["alert_count"] as? Int == 1)
                let polledAgain = try await server.request("GET", "/api/v1/pollers", role: .viewer)
                #expect(Self.poller(polledAgain, "qradar")?["items_total"] as? Int == 3)
                #expect(Self.poller(polledAgain, "qradar")?.string("cursor") == "1613400000000")
            }
        }
    }

    @Test("A failing poll shows a safe last_error; only readers of metrics may see the status")
    func errorsAndAccess() async throws {
        try await Self.withSimulators { qradar, qradarURL, _, sentinelURL in
            qradar.faults.inject(.status(401, body: #"{"message": "Invalid token"}"#), whenPathContains: "/offenses")
            try await TestServer.with(environment: Self.environment(qradar: qradarURL, sentinel: sentinelURL)) { server in
                let failed = try await server.eventually {
                    let status = try await server.request("GET", "/api/v1/pollers", role: .viewer)
                    return Self.poller(status, "qradar")?["last_error"] is String
                }
                #expect(failed)
                let status = try await server.request("GET", "/api/v1/pollers", role: .viewer)
                let q = try #require(Self.poller(status, "qradar"))
                let message = try #require(q.string("last_error"))
                #expect(message.contains("HTTP 401") && message.contains("RIPOSTE_QRADAR_TOKEN"))
                #expect(q["last_success_at"] is NSNull)
                #expect(!status.text.contains(Self.qradarToken))

                #expect(try await server.request("GET", "/api/v1/pollers", role: nil).status == 401)
                #expect(try await server.request("GET", "/api/v1/pollers", role: .ingest).status == 403)
                #expect(try await server.request("GET", "/api/v1/pollers", role: .analyst).status == 200)
            }
        }
    }

    @Test("After a restart the pollers resume from the stored cursor and store nothing twice")
    func resumesAfterRestart() async throws {
        try await Self.withSimulators { qradar, qradarURL, _, sentinelURL in
            let environment = Self.environment(qradar: qradarURL, sentinel: sentinelURL)
            let first = try await TestServer.start(environment: environment)
            let directory = first.dataDirectory
            do {
                #expect(
                    try await first.eventually {
                        let status = try await first.request("GET", "/api/v1/pollers", role: .viewer)
                        return Self.poller(status, "qradar")?["items_total"] as? Int == 2
                    })
                try await first.stop(keepingData: true)
            } catch {
                try? await first.stop()
                throw error
            }

            let before = qradar.requests.count
            let second = try await TestServer.start(environment: environment, dataDirectory: directory)
            do {
                #expect(
                    try await second.eventually {
                        let status = try await second.request("GET", "/api/v1/pollers", role: .viewer)
                        return (Self.poller(status, "qradar")?.string("last_poll_at")).map { !$0.isEmpty } == true
                            && qradar.requests.count > before
                    })
                // The restarted poller asked only for what changed after the stored cursor.
                let resumed = try #require(qradar.requests.dropFirst(before).first { $0.path == "/api/siem/offenses" })
                #expect(resumed.queryValue("filter") == "last_persisted_time > 1613399051536")
                #expect(
                    try await second.eventually {
                        let status = try await second.request("GET", "/api/v1/pollers", role: .viewer)
                        return Self.poller(status, "qradar")?["items_last_poll"] as? Int == 0
                            && Self.poller(status, "qradar")?["last_success_at"] is String
                    })
                let status = try await second.request("GET", "/api/v1/pollers", role: .viewer)
                #expect(Self.poller(status, "qradar")?["items_total"] as? Int == 2)
                let incidents = try await second.request("GET", "/api/v1/incidents", role: .viewer)
                #expect(incidents.json.array("items").count == 3)
                try await second.stop()
            } catch {
                try? await second.stop()
                throw error
            }
        }
    }
}
