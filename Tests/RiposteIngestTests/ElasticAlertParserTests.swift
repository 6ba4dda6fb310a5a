// ElasticAlertParser on alert documents written from Elastic's published alert schema (the corpus has no Elastic sample).
import Foundation
import RiposteCore
import RiposteIngest
import Testing

/// There is no Elastic Security alert in the corpus, so these fixtures are written by hand from
/// Elastic's documentation of the alert schema (elastic.co/guide/en/security/current/alert-schema.html:
/// `kibana.alert.*` fields, ECS fields copied from the source event) and the Kibana webhook
/// connector's `{{context.alerts}}` action variable. Values are invented; field names are Elastic's.
@Suite("Elastic")
struct ElasticAlertParserTests {
    static let flat = #"""
        {"@timestamp":"2024-03-21T14:38:06.512Z","event.kind":"signal","kibana.alert.uuid":"9a1f0c3e5b7d2e4f6a8c0b1d3e5f7a9c",
        "kibana.alert.rule.name":"Malware Detected via Hash Match","kibana.alert.rule.uuid":"5b1c7d20-e7a3-11ee-9f3c-1b2c3d4e5f60",
        "kibana.alert.rule.category":"Custom Query Rule","kibana.alert.severity":"high","kibana.alert.risk_score":73,
        "kibana.alert.workflow_status":"open","kibana.alert.reason":"process event on ws-042 created high alert",
        "kibana.alert.original_time":"2024-03-21T14:38:05.123Z","host.name":"ws-042","host.ip":["10.20.30.40","fe80::1"],
        "user.name":"alice","source.ip":"10.20.30.40","source.port":51234,"destination.ip":"203.0.113.80","destination.port":443,
        "destination.domain":"cdn.evil.example","url.full":"https://cdn.evil.example/payload.bin",
        "file.hash.sha256":"E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855","file.hash.md5":"44d88612fea8a8f36de82e1278abb02f"}
        """#

    static let nested = #"""
        {"@timestamp":"2024-03-21T15:00:00.000Z","kibana":{"alert":{"uuid":"b2","rule":{"name":"Suspicious DNS","uuid":"r-2"},
        "risk_score":21}},"dns":{"question":{"name":"c2.evil.example"}},"user":{"name":"bob"},"host":{"name":"srv-1"},
        "email":{"from":{"address":"x@evil.example"}},"process":{"hash":{"sha1":"da39a3ee5e6b4b0d3255bfef95601890afd80709"}}}
        """#

    @Test("A dotted-flat alert document maps every field")
    func flatDocument() throws {
        let body = bytes(Self.flat.replacingOccurrences(of: "\n", with: ""))
        let draft = try #require(try ElasticAlertParser().parse(body: body).first)
        #expect(draft.title == "Malware Detected via Hash Match")
        #expect(draft.severity == .high)
        #expect(draft.time == EventTime.parse("2024-03-21T14:38:05.123Z"))
        #expect(draft.sourceRef == "9a1f0c3e5b7d2e4f6a8c0b1d3e5f7a9c")
        #expect(
            draft.rule
                == DetectionRule(
                    uid: "5b1c7d20-e7a3-11ee-9f3c-1b2c3d4e5f60", name: "Malware Detected via Hash Match",
                    category: "Custom Query Rule"))
        #expect(draft.sourceEndpoint == Endpoint(ip: "10.20.30.40", port: 51234))
        #expect(draft.destinationEndpoint == Endpoint(ip: "203.0.113.80", port: 443, hostname: "cdn.evil.example"))
        #expect(draft.hostName == "ws-042")
        #expect(draft.userName == "alice")
        #expect(
            draft.observables.map { "\($0.type.rawValue):\($0.value)" } == [
                "ipv4:10.20.30.40", "ipv4:203.0.113.80", "domain:cdn.evil.example", "ipv6:fe80::1", "hostname:ws-042",
                "username:alice", "url:https://cdn.evil.example/payload.bin", "md5:44d88612fea8a8f36de82e1278abb02f",
                "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            ])
        #expect(draft.raw == body)
    }

    @Test("A nested document and a webhook envelope of several documents")
    func nestedAndEnvelope() throws {
        let nested = Self.nested.replacingOccurrences(of: "\n", with: "")
        let flat = Self.flat.replacingOccurrences(of: "\n", with: "")
        let drafts = try ElasticAlertParser().parse(body: bytes(#"{"alerts":["# + flat + "," + nested + "]}"))
        #expect(drafts.map(\.sourceRef) == ["9a1f0c3e5b7d2e4f6a8c0b1d3e5f7a9c", "b2"])
        let draft = drafts[1]
        #expect(draft.title == "Suspicious DNS")
        #expect(draft.severity == .low, "risk score 21 is Elastic's low band")
        #expect(draft.time == EventTime.parse("2024-03-21T15:00:00Z"))
        #expect(draft.rule.uid == "r-2")
        #expect(draft.observables.map(\.type) == [.hostname, .username, .domain, .sha1, .email])
        #expect(try JSONParser.parse(draft.raw) == (try JSONParser.parse(bytes(nested))))
        let context = try ElasticAlertParser().parse(body: bytes(#"{"context":{"alerts":["# + nested + "]}}"))
        #expect(context.map(\.sourceRef) == ["b2"])
    }

    @Test("Risk score bands, and bad documents named by envelope index")
    func bandsAndErrors() throws {
        for (score, severity) in [
            (0, Severity.low), (22, .medium), (47, .medium), (48, .high), (74, .critical), (100, .critical),
        ] {
            let body = #"{"kibana.alert.rule.name":"r","kibana.alert.risk_score":\#(score)}"#
            #expect(try ElasticAlertParser().parse(body: bytes(body)).first?.severity == severity)
        }
        let error = #expect(throws: RiposteError.self) {
            try ElasticAlertParser().parse(body: bytes(#"{"alerts":[{"kibana.alert.rule.name":"a"},{"host.name":"x"}]}"#))
        }
        #expect(error?.message == "record 1 (line 1): alerts[1]: missing 'kibana.alert.rule.name'; not an Elastic Security alert")
        let severity = #expect(throws: RiposteError.self) {
            try ElasticAlertParser().parse(body: bytes(#"{"kibana.alert.rule.name":"a","kibana.alert.severity":"severe"}"#))
        }
        #expect(severity?.message == "record 1 (line 1): kibana.alert.severity 'severe' is not low, medium, high or critical")
    }
}
