// Syslog listeners inside `riposte serve`: messages become incidents the API shows, with counts in /metrics.
import Foundation
import RiposteApp
import RiposteCore
import RiposteIngest
import RiposteTesting
import Testing

@Suite("Syslog ingest end to end")
struct SyslogIngestTests {
    @Test("CEF over UDP and plain syslog over TCP open incidents; the listeners stop with the server")
    func listenersFeedIncidents() async throws {
        let environment = ["RIPOSTE_SYSLOG": "udp://127.0.0.1:0/cef, tcp://127.0.0.1:0/syslog"]
        try await TestServer.with(environment: environment) { server in
            let ports = server.app.syslogListeners.map(\.port)
            #expect(ports.count == 2 && ports.allSatisfy { $0 > 0 })
            let udp = try LoopbackUDPClient(port: ports[0])
            try udp.send(
                "<13>Sep 19 08:26:10 fw01 CEF:0|security|threatmanager|1.0|100|worm successfully stopped|10|src=10.0.0.1 dst=203.0.113.9 spt=1232"
            )
            let tcp = try LoopbackTCPClient(port: ports[1])
            try tcp.send(
                Array("<34>1 2026-12-04T10:00:00Z mail01 sshd 4242 - - Failed password for root from 198.51.100.23\n".utf8))

            let arrived = try await server.eventually {
                let list = try await server.request("GET", "/api/v1/incidents", role: .viewer)
                return list.json.array("items").count == 2
            }
            #expect(arrived)
            let titles = try await server.request("GET", "/api/v1/incidents", role: .viewer).json.array("items")
                .compactMap { $0.string("title") }
            #expect(Set(titles) == ["worm successfully stopped", "sshd Failed password for root from 198.51.100.23"])
            let metrics = try await server.request("GET", "/metrics").text
            #expect(metrics.contains("riposte_alerts_ingested_total{source=\"cef\"} 1"))
            #expect(metrics.contains("riposte_alerts_ingested_total{source=\"syslog\"} 1"))
            #expect(metrics.contains("riposte_syslog_messages_total{listener=\"udp:\(ports[0])\"} 1"))
            tcp.close()
        }
    }
}
