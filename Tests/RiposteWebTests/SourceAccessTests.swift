// Per-source credentials (signed bodies, source-scoped ingest tokens) and ingest back-pressure (429).
import Foundation
import RiposteApp
import RiposteCore
import RiposteIngest
import RiposteRuntime
import RiposteTesting
import RiposteWeb
import Synchronization
import Testing

@Suite("Source credentials and back-pressure")
struct SourceAccessTests {
    static let secret = "correct-horse-battery-staple-42"

    static func signature(_ body: Data, timestamp: String? = nil, secret: String = secret) -> String {
        var message = [UInt8](body)
        if let timestamp { message = Array((timestamp + ".").utf8) + message }
        return "sha256=" + Crypto.hex(Crypto.hmacSHA256(key: Array(secret.utf8), message: message))
    }

    static func ingested(_ server: TestServer, source: String) async throws -> String? {
        let text = try await server.request("GET", "/metrics").text
        let prefix = "riposte_alerts_ingested_total{source=\"\(source)\"} "
        return text.split(separator: "\n").first { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) }
    }

    @Test("A body signed with the source's secret needs no token; a wrong, foreign or stale signature is 401 and stores nothing")
    func signedBodies() async throws {
        try await TestServer.with(environment: ["RIPOSTE_INGEST_HMAC_GENERIC": Self.secret]) { server in
            let body = jsonBody(["title": "signed", "source_ref": "s-1"])
            let signed = try await server.request(
                "POST", "/api/v1/alerts?source=generic", body: body, role: nil,
                headers: ["X-Riposte-Signature": Self.signature(body)])
            #expect(signed.status == 202, "\(signed.text)")

            let now = String(Int(Date().timeIntervalSince1970))
            let withTime = jsonBody(["title": "signed", "source_ref": "s-2"])
            let timed = try await server.request(
                "POST", "/api/v1/alerts?source=generic", body: withTime, role: nil,
                headers: ["X-Riposte-Signature": Self.signature(withTime, timestamp: now), "X-Riposte-Timestamp": now])
            #expect(timed.status == 202, "\(timed.text)")

            let other = jsonBody(["title": "forged", "source_ref": "s-3"])
            let stale = String(Int(Date().timeIntervalSince1970) - 3600)
            let rejected: [(String, String, [String: String])] = [
                ("wrong secret", "generic", ["X-Riposte-Signature": Self.signature(other, secret: "another-secret-of-length")]),
                ("signature of another body", "generic", ["X-Riposte-Signature": Self.signature(body)]),
                ("not hex", "generic", ["X-Riposte-Signature": "sha256=" + String(repeating: "zz", count: 32)]),
                ("no sha256= prefix", "generic", ["X-Riposte-Signature": String(Self.signature(other).dropFirst(7))]),
                ("source without a secret", "suricata", ["X-Riposte-Signature": Self.signature(other)]),
                (
                    "stale timestamp", "generic",
                    ["X-Riposte-Signature": Self.signature(other, timestamp: stale), "X-Riposte-Timestamp": stale]
                ),
                ("timestamp not signed", "generic", ["X-Riposte-Signature": Self.signature(other), "X-Riposte-Timestamp": now]),
            ]
            for (label, source, headers) in rejected {
                let response = try await server.request(
                    "POST", "/api/v1/alerts?source=\(source)", body: other, role: nil, headers: headers)
                #expect(response.status == 401, "\(label): \(response.status) \(response.text)")
                #expect(response.errorCode == "unauthorized", "\(label)")
                #expect(!response.text.contains(Self.secret), "\(label)")
            }
            let stale401 = try await server.request(
                "POST", "/api/v1/alerts?source=generic", body: other, role: nil,
                headers: ["X-Riposte-Signature": Self.signature(other, timestamp: stale), "X-Riposte-Timestamp": stale])
            #expect(stale401.text.contains("away from the server's clock"))
            #expect(try await Self.ingested(server, source: "generic") == "2")
            // A signature authenticates only the ingest route: it is no token for anything else.
            let read = try await server.request(
                "GET", "/api/v1/incidents", role: nil, headers: ["X-Riposte-Signature": Self.signature(Data())])
            #expect(read.status == 401)
        }
    }

    @Test("An ingest token limited to a source posts that source only and reads nothing")
    func sourceScopedTokens() async throws {
        try await TestServer.with { server in
            let created = try await server.request(
                "POST", "/api/v1/tokens", body: jsonBody(["name": "suricata-sensor", "role": "ingest", "source": "suricata"]))
            #expect(created.status == 201, "\(created.text)")
            #expect(created.json.string("source") == "suricata")
            let token = try #require(created.json.string("token"))
            let eve = try Corpus.contents("pcaps/expected-alerts/chrissanders_cryptowall4_c2.eve-alerts.jsonl")
            let firstLine = Data(eve.split(separator: UInt8(ascii: "\n"))[0])

            let posted = try await TestHTTP.request(
                "POST", server.baseURL + "/api/v1/alerts?source=suricata", body: firstLine, token: token)
            #expect(posted.status == 202, "\(posted.text)")
            let foreign = try await TestHTTP.request(
                "POST", server.baseURL + "/api/v1/alerts?source=generic", body: jsonBody(["title": "x"]), token: token)
            #expect(foreign.status == 403)
            #expect(foreign.text.contains("may only post alerts of source 'suricata'"))
            let read = try await TestHTTP.request("GET", server.baseURL + "/api/v1/incidents", token: token)
            #expect(read.status == 403)
            #expect(try await Self.ingested(server, source: "generic") == nil)

            let scopedAnalyst = try await server.request(
                "POST", "/api/v1/tokens", body: jsonBody(["name": "bad", "role": "analyst", "source": "suricata"]))
            #expect(scopedAnalyst.status == 400)
            #expect(scopedAnalyst.text.contains("only 'ingest' tokens can be limited to a source"))
        }
    }

    @Test("A full ingest queue answers 429 with Retry-After; every 202 is stored and no 429 is")
    func backPressureOverHTTP() async throws {
        let environment = ["RIPOSTE_INGEST_MAX_PENDING_BYTES": String(1 << 20), "RIPOSTE_INGEST_RETRY_AFTER": "3"]
        try await TestServer.with(environment: environment) { server in
            // 24 concurrent bodies of ~900 KB against a 1 MiB limit: only one fits at a time.
            let bodies = (0..<24).map { request in
                let lines = (0..<3000).map { index in
                    "{\"title\":\"burst \(request)\",\"source_ref\":\"b-\(request)-\(index)\",\"description\":\"\(String(repeating: "x", count: 240))\"}"
                }
                return Data(lines.joined(separator: "\n").utf8)
            }
            let statuses = try await withThrowingTaskGroup(of: TestResponse.self) { group in
                for body in bodies {
                    group.addTask {
                        try await server.request("POST", "/api/v1/alerts?source=generic", body: body, role: .analyst)
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let accepted = statuses.filter { $0.status == 202 }
            let refused = statuses.filter { $0.status == 429 }
            #expect(accepted.count + refused.count == bodies.count, "\(statuses.map(\.status))")
            #expect(!accepted.isEmpty)
            #expect(!refused.isEmpty, "24 concurrent 900 KB bodies never overlapped under a 1 MiB limit")
            for response in refused {
                #expect(response.headers["retry-after"] == "3")
                #expect(response.errorCode == "overloaded")
            }
            #expect(try await Self.ingested(server, source: "generic") == String(accepted.count * 3000))
            let metrics = try await server.request("GET", "/metrics").text
            #expect(metrics.contains("riposte_alerts_overloaded_total{source=\"generic\"} \(refused.count)"))
            #expect(metrics.contains("riposte_ingest_pending_bytes 0"))
        }
    }

    @Test("Admission holds a request while an earlier one waits for the writer, and frees it after")
    func admissionWhileWriterIsBusy() async throws {
        let store = GatedIngestStore()
        let intake = AlertIntake(
            store: store, ids: ULIDGenerator(), clock: .system, fingerprinter: .default, grouping: GroupingPolicy(),
            limits: IngestLimits(), metrics: Metrics(),
            admission: IngestAdmission(maxPendingBytes: 1 << 20, retryAfterSeconds: 7))
        // 5,000 records of 120 bytes: 600 KB, so two do not fit under 1 MiB.
        let line = "{\"title\":\"\(String(repeating: "t", count: 80))\",\"source_ref\":\"r\"}\n"
        let big = Array(String(repeating: line, count: 5000).utf8)
        let first = Task { try await intake.ingest(body: big, source: "generic") }
        await store.waitUntilEntered()
        do {
            _ = try await intake.ingest(body: big, source: "generic")
            Issue.record("a second body was admitted while the first waited at the writer")
        } catch let error as RiposteError {
            #expect(error.code == .overloaded)
            #expect(error.retryAfterSeconds == 7)
        }
        store.release()
        #expect(try await first.value.count == 5000)
        #expect(try await intake.ingest(body: big, source: "generic").count == 5000)
    }
}

/// An ingest store whose first call waits until released, so a test can hold a request "at the writer".
final class GatedIngestStore: AlertIngestStore {
    private let state = Mutex<(entered: Bool, released: Bool)>((false, false))

    func ingest(_ alerts: [PreparedAlert], policy: GroupingPolicy, now: Date) async throws -> [IngestOutcome] {
        state.withLock { $0.entered = true }
        while !state.withLock({ $0.released }) { try await Task.sleep(for: .milliseconds(5)) }
        return alerts.map {
            IngestOutcome(alertID: $0.id, incidentID: IncidentID(rawValue: "inc_1"), duplicate: false, createdIncident: true)
        }
    }

    func waitUntilEntered() async {
        while !state.withLock({ $0.entered }) { try? await Task.sleep(for: .milliseconds(5)) }
    }

    func release() { state.withLock { $0.released = true } }
}

@Suite("Ingest configuration")
struct IngestConfigurationTests {
    @Test("Source secrets come from RIPOSTE_INGEST_HMAC_<SOURCE>, inline, from a file or a variable, and are never echoed")
    func sourceSecrets() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("riposte-secret-\(UUID().uuidString)")
        try Data("from-a-file-0123456789\n".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let configuration = try AppConfiguration(
            flags: [
                "RIPOSTE_INGEST_HMAC_SPLUNK": "inline-secret-0123456789", "RIPOSTE_INGEST_HMAC_QRADAR": "file:" + file.path,
                "RIPOSTE_INGEST_HMAC_WAZUH": "env:WAZUH_HMAC",
            ],
            environment: Environment(["WAZUH_HMAC": "from-the-environment-0123"]), configFile: nil)
        #expect(
            configuration.sourceSecrets.mapValues(\.value) == [
                "splunk": "inline-secret-0123456789", "qradar": "from-a-file-0123456789",
                "wazuh": "from-the-environment-0123",
            ])
        #expect(configuration.ingestMaxPendingBytes == 256 << 20)
        #expect(configuration.ingestRetryAfterSeconds == 1)

        #expect {
            _ = try AppConfiguration(
                flags: ["RIPOSTE_INGEST_HMAC_SPLUNK": "short-secret"], environment: Environment([:]), configFile: nil)
        } throws: { error in
            let message = "\(error)"
            return message.contains("RIPOSTE_INGEST_HMAC_SPLUNK must be at least 16 characters")
                && !message.contains("short-secret")
        }
        #expect(throws: RiposteError.self) {
            _ = try AppConfiguration(
                flags: ["RIPOSTE_INGEST_MAX_PENDING_BYTES": "10"], environment: Environment([:]), configFile: nil)
        }
    }
}
