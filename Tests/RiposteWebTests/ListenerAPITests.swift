// GET /api/v1/listeners over the running app: a syslog listener's counts as an operator reads them.
import Foundation
import RiposteCore
import RiposteTesting
import Testing

@Suite("Syslog listener status API")
struct ListenerAPITests {
    @Test("A UDP listener's received, rejected and stored counts and its drops by reason; viewers may read, no one else")
    func listenerStatus() async throws {
        try await TestServer.with(environment: ["RIPOSTE_SYSLOG": "udp://127.0.0.1:0/cef"]) { server in
            let before = try await server.request("GET", "/api/v1/listeners", role: .viewer)
            #expect(before.status == 200)
            let listener = try #require(before.json.array("listeners").first)
            #expect(listener.string("transport") == "udp" && listener.string("format") == "cef")
            #expect(listener.string("host") == "127.0.0.1")
            let port = try #require(listener["port"] as? Int)
            #expect(port > 0, "the bound port, not the 0 asked for")
            #expect(listener.string("name") == "udp:\(port)")
            #expect(listener["received"] as? Int == 0 && listener["last_message_at"] == nil)

            let client = try LoopbackUDPClient(port: port)
            try client.send(
                "<13>Sep 19 08:26:10 fw01 CEF:0|security|threatmanager|1.0|100|worm stopped|10|src=10.0.0.1 dst=2.1.2.2")
            try client.send("<13>Sep 19 08:26:11 fw01 CEF:0|security|threatmanager|1.0|101|worm seen|7|src=10.0.0.3 dst=2.1.2.2")
            try client.send("this is not CEF")
            let settled = try await server.eventually {
                let row = try await server.request("GET", "/api/v1/listeners", role: .viewer).json.array("listeners").first
                return row?["stored"] as? Int == 2 && row?["received"] as? Int == 3
            }
            #expect(settled)
            let after = try #require(
                try await server.request("GET", "/api/v1/listeners", role: .viewer).json.array("listeners").first)
            #expect(after["rejected"] as? Int == 1)
            #expect(
                after["dropped"] as? [String: Int] == ["kernel": 0, "queue_full": 0, "oversized": 0, "store_failed": 0],
                "every reason is listed, zero included")
            #expect(after.string("last_message_at") != nil && after["last_store_error"] == nil)

            #expect(try await server.request("GET", "/api/v1/listeners", role: nil).status == 401)
        }
    }
}
