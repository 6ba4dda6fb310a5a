// OCSFDetectionFinding: an alert rendered as an OCSF 1.8.0 Detection Finding (class 2004).
import FoundationEssentials
import RiposteCore
import Testing

@Suite("OCSF Detection Finding")
struct OCSFDetectionFindingTests {
    static let incident = IncidentID(rawValue: "inc_01JZ0000000000000000000000")
    static let seen = Date(timeIntervalSince1970: 1_733_241_600.25)

    static func alert(time: Date? = seen, host: String? = "ws-17", user: String? = "alice") -> Alert {
        let draft = AlertDraft(
            source: "suricata", sourceRef: "flow-42", title: "ET MALWARE Cobalt Strike Beacon", severity: .high, time: time,
            rule: DetectionRule(uid: "1:2032749:3", name: "ET MALWARE Cobalt Strike Beacon", category: "A Network Trojan"),
            sourceEndpoint: Endpoint(ip: "10.0.0.5", port: 49_152), destinationEndpoint: Endpoint(ip: "203.0.113.9", port: 443),
            hostName: host, userName: user, observables: [], raw: Array("{}".utf8), parserVersion: 1)
        return Alert(
            id: AlertID(rawValue: "alert_01JZ0000000000000000000001"), incidentID: incident, draft: draft, fingerprint: "fp",
            receivedAt: Date(timeIntervalSince1970: 1_733_241_700))
    }

    static func observable(_ type: ObservableType, _ value: String, _ verdict: Verdict, _ intel: [IntelHit] = []) -> Observable {
        Observable(
            id: ObservableID(rawValue: "obs_\(value)"), incidentID: incident, type: type, value: value, verdict: verdict,
            intel: intel, firstSeen: seen)
    }

    @Test("Class, category, activity and type_uid agree; time is epoch milliseconds; the required base fields are there")
    func baseEvent() throws {
        let event = OCSFDetectionFinding.event(for: Self.alert(), observables: [], raw: "{}")
        #expect(event["class_uid"] == .number(2004))
        #expect(event["category_uid"] == .number(2))
        #expect(event["activity_id"] == .number(1))
        #expect(event["type_uid"] == .number(2004 * 100 + 1))
        #expect(event["severity_id"] == .number(4) && event["severity"] == .string("High"))
        #expect(event["time"] == .number(1_733_241_600_250))
        #expect(event["status_id"] == .number(1))
        #expect(event[path: "metadata.version"] == .string("1.8.0"))
        #expect(event[path: "metadata.product.name"] == .string("Riposte"))
        #expect(event[path: "metadata.uid"] == .string("alert_01JZ0000000000000000000001"))
        #expect(event[path: "metadata.correlation_uid"] == .string(Self.incident.rawValue))
        #expect(event[path: "metadata.logged_time"] == .number(1_733_241_700_000))
        #expect(event[path: "finding_info.uid"] == .string("flow-42"))
        #expect(event[path: "finding_info.title"] == .string("ET MALWARE Cobalt Strike Beacon"))
        #expect(event[path: "finding_info.analytic.uid"] == .string("1:2032749:3"))
        #expect(event[path: "finding_info.analytic.type_id"] == .number(1))
        #expect(event[path: "src_endpoint.ip"] == .string("10.0.0.5") && event[path: "src_endpoint.port"] == .number(49_152))
        #expect(event[path: "dst_endpoint.ip"] == .string("203.0.113.9"))
        #expect(event[path: "device.hostname"] == .string("ws-17") && event[path: "device.type_id"] == .number(0))
        #expect(event[path: "actor.user.name"] == .string("alice"))
        #expect(event["raw_data"] == .string("{}"))
    }

    @Test("Without a source time the event time is when Riposte received it; absent parts are left out, not null")
    func absentParts() {
        let event = OCSFDetectionFinding.event(for: Self.alert(time: nil, host: nil, user: nil), observables: [])
        #expect(event["time"] == .number(1_733_241_700_000))
        #expect(event["device"] == nil && event["actor"] == nil && event["observables"] == nil && event["raw_data"] == nil)
    }

    @Test("Observables carry OCSF type ids, the event field they come from, and verdicts as reputation")
    func observables() throws {
        let hit = IntelHit(
            feed: "feodo", indicator: "203.0.113.9", match: .exact, firstSeen: Self.seen, confidence: 80, reliability: .b)
        let event = OCSFDetectionFinding.event(
            for: Self.alert(),
            observables: [
                Self.observable(.ipv4, "203.0.113.9", .malicious, [hit]), Self.observable(.ipv4, "10.0.0.5", .unknown),
                Self.observable(.hostname, "ws-17", .unknown), Self.observable(.username, "alice", .unknown),
                Self.observable(.domain, "evil.example", .suspicious), Self.observable(.url, "http://evil.example/a", .unknown),
                Self.observable(.email, "x@evil.example", .unknown),
                Self.observable(.sha256, String(repeating: "a", count: 64), .unknown),
            ])
        let list = try #require(event["observables"]?.arrayValue)
        #expect(list.map { $0["type_id"] } == [2, 2, 1, 4, 1, 6, 5, 8].map { .number($0) })
        #expect(
            list.map { $0["name"] }
                == [
                    "dst_endpoint.ip", "src_endpoint.ip", "device.hostname", "actor.user.name", "hostname", "url.url_string",
                    "email_address", "file.hashes.value",
                ].map { .string($0) })
        #expect(list[0][path: "reputation.score_id"] == .number(10))
        #expect(list[0][path: "reputation.base_score"] == .number(72), "80 × 0.9 for reliability B")
        #expect(list[1]["reputation"] == nil, "no verdict, no reputation")
        #expect(list[4][path: "reputation.score_id"] == .number(7))
    }
}
