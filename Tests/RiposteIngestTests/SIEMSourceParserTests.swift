// The SIEM source parsers against every corpus sample of their formats, with values read from the files.
import Foundation
import RiposteCore
import RiposteIngest
import RiposteTesting
import Testing

/// The date of an RFC 3339 literal, for expectations.
func utc(_ text: String) -> Date? { EventTime.parse(text) }

/// The `responses.200.body` of an Azure REST API example file: what the API answers on the wire.
func azureExampleBody(_ path: String) throws -> JSONValue {
    let example = try JSONParser.parse(Array(try Corpus.contents(path)))
    return try #require(example[path: "responses.200.body"])
}

@Suite("Splunk")
struct SplunkAlertParserTests {
    let parser = SplunkAlertParser()

    @Test("The ES notable event maps title, urgency, time, event_id, rule and the CIM fields")
    func notable() throws {
        let body = Array(try Corpus.contents("siem_alerts/splunk/demisto-splunk-es-notable-event.json"))
        let drafts = try parser.parse(body: body)
        let draft = try #require(drafts.first)
        #expect(drafts.count == 1)
        #expect(draft.title == "Root user use")
        #expect(draft.severity == .informational)
        #expect(draft.time == utc("2024-06-05T09:15:24Z"))
        #expect(draft.sourceRef == "5E6DE97D-B137-47AB-8905-8C4F42998937@@notable@@e4f07602f507975e9f7ba47c4ae0c417")
        #expect(draft.rule == DetectionRule(uid: "Identity - Root sucess - Rule", name: "Root sucess", category: "identity"))
        #expect(draft.userName == "root")
        #expect(draft.hostName == "xx")
        // The sample is anonymised: `dest` "xxx.xxx.x.x" is not an address, so it is a host name, not an IP.
        #expect(draft.destinationEndpoint == Endpoint(hostname: "xxx.xxx.x.x"))
        #expect(
            draft.observables == [
                ObservableDraft(type: .hostname, normalizedValue: "xxx.xxx.x.x"),
                ObservableDraft(type: .username, normalizedValue: "root"),
                ObservableDraft(type: .username, normalizedValue: "xxx"),
            ])
        #expect(draft.raw == body.trimmedJSON)
    }

    @Test("The webhook payload with a null search_name is titled and keyed by its sid")
    func webhook() throws {
        let body = Array(try Corpus.contents("siem_alerts/splunk/splunk-docs-webhook-alert-payload.json"))
        let draft = try #require(try parser.parse(body: body).first)
        #expect(draft.title == "Splunk alert scheduler_admin_search_W2_at_14232356_132")
        #expect(draft.sourceRef == "scheduler_admin_search_W2_at_14232356_132")
        #expect(draft.severity == .unknown)
        #expect(draft.time == nil)
        #expect(draft.observables.isEmpty)
        #expect(draft.rule == DetectionRule())
    }

    @Test("A webhook whose result is a notable row takes the row's fields; _serial joins the sid")
    func webhookWithRow() throws {
        let body = #"""
            {"result":{"search_name":"Threat - Malware","rule_name":"Malware","urgency":"critical","_time":"1717578924.250",
            "src":"10.1.2.3","dest":"files.example.com","dest_port":"445","user":["alice","bob"],"file_hash":"44d88612fea8a8f36de82e1278abb02f",
            "url":"http://evil.example/x","_serial":"7"},"sid":"rt_1717","search_name":"Threat - Malware","app":"SA-ThreatIntelligence"}
            """#
        let draft = try #require(try parser.parse(body: bytes(body)).first)
        #expect(draft.title == "Malware")
        #expect(draft.severity == .critical)
        #expect(draft.time == EventTime.date(unixMilliseconds: 1_717_578_924_250))
        #expect(draft.sourceRef == "rt_1717:7")
        #expect(draft.sourceEndpoint == Endpoint(ip: "10.1.2.3"))
        #expect(draft.destinationEndpoint == Endpoint(port: 445, hostname: "files.example.com"))
        #expect(draft.userName == "alice")
        #expect(
            draft.observables.map(\.value) == [
                "10.1.2.3", "files.example.com", "alice", "bob", "http://evil.example/x", "44d88612fea8a8f36de82e1278abb02f",
            ])
    }

    @Test("A record that is neither shape, or a bad _time, is rejected with its record named")
    func rejected() {
        let error = #expect(throws: RiposteError.self) { try parser.parse(body: bytes("{\"host\":\"x\"}\n")) }
        #expect(error?.message.hasPrefix("record 1 (line 1): neither a webhook payload") == true)
        let time = #expect(throws: RiposteError.self) {
            try parser.parse(body: bytes("{\"sid\":\"1\",\"result\":{}}\n{\"sid\":\"2\",\"result\":{\"_time\":\"soon\"}}"))
        }
        #expect(time?.message == "record 2 (line 2): _time 'soon' is not an RFC 3339 time or Unix seconds")
    }
}

extension [UInt8] {
    /// The bytes without leading and trailing JSON whitespace: a single-object body's record.
    var trimmedJSON: [UInt8] {
        let isSpace: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return [] }
        return Array(self[first...last])
    }
}

@Suite("QRadar")
struct QRadarOffenseParserTests {
    @Test("The offense list response gives one draft per offense with id, magnitude, start time and offense source")
    func offenses() throws {
        let drafts = try QRadarOffenseParser().parse(
            body: Array(try Corpus.contents("siem_alerts/qradar/demisto-qradar-offenses-list-response.json")))
        #expect(drafts.map(\.sourceRef) == ["16", "15"])
        #expect(
            drafts.map(\.title) == [
                "Session Closed",
                "Multiple Login Failures for the Same User containing Failure Audit: The domain controller failed to validate the credentials for an account",
            ])
        #expect(drafts.map(\.severity) == [.low, .low])
        #expect(
            drafts.map(\.time) == [
                EventTime.date(unixMilliseconds: 1_613_399_051_536), EventTime.date(unixMilliseconds: 1_613_395_296_537),
            ])
        #expect(drafts[0].rule == DetectionRule(uid: "100405", category: "Session Closed"))
        #expect(drafts[1].rule == DetectionRule(uid: "100056", category: "General Authentication Failed, User Login Failure"))
        // offense_type 0 (source IP) and 3 (username).
        #expect(drafts[0].sourceEndpoint == Endpoint(ip: "39.116.161.122"))
        #expect(drafts[0].observables == [ObservableDraft(type: .ipv4, normalizedValue: "39.116.161.122")])
        #expect(drafts[1].userName == "yarden")
        #expect(drafts[1].observables == [ObservableDraft(type: .username, normalizedValue: "yarden")])
    }

    @Test("Magnitude bands, and an offense without an id or with a bad magnitude is rejected")
    func bandsAndErrors() throws {
        let body = #"[{"id":1,"magnitude":9,"description":"a"},{"id":2,"severity":5,"description":" \n"}]"#
        let drafts = try QRadarOffenseParser().parse(body: bytes(body))
        #expect(drafts.map(\.severity) == [.critical, .medium])
        #expect(drafts[1].title == "QRadar offense 2")
        let missing = #expect(throws: RiposteError.self) {
            try QRadarOffenseParser().parse(body: bytes(#"[{"id":1},{"magnitude":2}]"#))
        }
        #expect(missing?.message == "record 2 (line 1): missing field 'id'; not a QRadar offense")
        let magnitude = #expect(throws: RiposteError.self) {
            try QRadarOffenseParser().parse(body: bytes(#"{"id":1,"magnitude":11}"#))
        }
        #expect(magnitude?.message == "record 1 (line 1): magnitude 11 is not a number 0-10")
    }
}

@Suite("Wazuh")
struct WazuhAlertParserTests {
    @Test("The sshd brute-force alert maps rule, level, agent, source and user")
    func sshdBruteForce() throws {
        let body = Array(try Corpus.contents("siem_alerts/wazuh/wazuh-qa_sshd-bruteforce-5712-alert.json"))
        let draft = try #require(try WazuhAlertParser().parse(body: body).first)
        #expect(draft.title == "sshd: brute force trying to get access to the system. Non existent user.")
        #expect(draft.severity == .medium)
        #expect(draft.time == utc("2022-05-11T12:29:19.905Z"))
        #expect(draft.sourceRef == "1652272159.1549653")
        #expect(draft.rule.uid == "5712")
        #expect(draft.rule.category == "syslog,sshd,authentication_failures")
        #expect(draft.sourceEndpoint == Endpoint(ip: "172.17.1.1", port: 56404))
        #expect(draft.hostName == "localhost.localdomain")
        #expect(draft.userName == "paco")
        #expect(
            draft.observables == [
                ObservableDraft(type: .ipv4, normalizedValue: "172.17.1.1"),
                ObservableDraft(type: .username, normalizedValue: "paco"),
            ])
        #expect(draft.raw == body.trimmedJSON)
    }

    @Test("The NEGATIVE malformed alert line is rejected, naming record, line and byte")
    func negative() throws {
        let body = Array(try Corpus.contents("siem_alerts/wazuh/wazuh-qa_NEGATIVE-malformed-alert-line.txt"))
        let error = #expect(throws: RiposteError.self) { try WazuhAlertParser().parse(body: body) }
        #expect(error?.code == .invalid)
        #expect(error?.message == "record 1 (line 1): unexpected ':', expected a string key at byte 44 (line 1)")
    }

    @Test("The Shuffle integration envelope is unwrapped, syscheck hashes are observables, levels map to bands")
    func integrationAndLevels() throws {
        let alert =
            #"{"rule":{"id":"550","level":7,"description":"Integrity checksum changed."},"id":"1.2","#
            + #""syscheck":{"path":"/etc/passwd","sha256_after":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}}"#
        let draft = try #require(
            try WazuhAlertParser().parse(body: bytes(#"{"title":"x","all_fields":"# + alert + "}")).first)
        #expect(draft.title == "Integrity checksum changed.")
        #expect(draft.observables.map(\.type) == [.sha256])
        let levels = [0, 3, 4, 6, 7, 11, 12, 14, 15].map { level in
            try? WazuhAlertParser().parse(body: bytes(#"{"rule":{"level":\#(level),"description":"d"}}"#)).first?.severity
        }
        #expect(levels == [.informational, .informational, .low, .low, .medium, .medium, .high, .high, .critical])
        let error = #expect(throws: RiposteError.self) {
            try WazuhAlertParser().parse(body: bytes(#"{"rule":{"level":16,"description":"d"}}"#))
        }
        #expect(error?.message == "record 1 (line 1): rule.level 16 is not a level 0-15")
    }
}

@Suite("Sentinel")
struct SentinelAlertParserTests {
    let parser = SentinelAlertParser()

    @Test("GetIncidentById: title, severity, first activity, name, analytic rule and tactics")
    func incident() throws {
        let body = jsonBytes(try azureExampleBody("siem_alerts/sentinel/azure-rest-api-specs_GetIncidentById.json"))
        let draft = try #require(try parser.parse(body: body).first)
        #expect(draft.title == "My incident")
        #expect(draft.severity == .high)
        #expect(draft.time == utc("2019-01-01T13:00:30Z"))
        #expect(draft.sourceRef == "73e01a99-5cd7-4139-a149-9f2736ff2ab5")
        #expect(draft.rule == DetectionRule(uid: "fab3d2d4-747f-46a7-8ef0-9c0be8112bf7", category: "InitialAccess, Persistence"))
        #expect(draft.observables.isEmpty)
    }

    @Test("GetAllIncidentAlerts: the list response gives one draft per SecurityAlert")
    func alerts() throws {
        let body = jsonBytes(try azureExampleBody("siem_alerts/sentinel/azure-rest-api-specs_GetAllIncidentAlerts.json"))
        let drafts = try parser.parse(body: body)
        let draft = try #require(drafts.first)
        #expect(drafts.count == 1)
        #expect(draft.title == "myAlert")
        #expect(draft.severity == .low)
        #expect(draft.time == utc("2020-07-20T18:21:53.615Z"))
        #expect(draft.sourceRef == "baa8a239-6fde-4ab7-a093-d09f7b75c58c")
        #expect(draft.rule.uid == "myAlert")
        #expect(
            try JSONParser.parse(draft.raw)
                == (try azureExampleBody("siem_alerts/sentinel/azure-rest-api-specs_GetAllIncidentAlerts.json"))[path: "value"]?
                .arrayValue?.first)
    }

    @Test("A poller bundle of incident, alerts and GetEntities gives one draft with the entities' account and host")
    func bundle() throws {
        let incident = try azureExampleBody("siem_alerts/sentinel/azure-rest-api-specs_GetIncidentById.json")
        let alerts = try azureExampleBody("siem_alerts/sentinel/azure-rest-api-specs_GetAllIncidentAlerts.json")
        let entities = try azureExampleBody("siem_alerts/sentinel/azure-rest-api-specs_GetEntities.json")
        let body = jsonBytes(.object([("incident", incident), ("alerts", alerts), ("entities", entities)]))
        let drafts = try parser.parse(body: body)
        let draft = try #require(drafts.first)
        #expect(drafts.count == 1)
        #expect(draft.title == "My incident")
        #expect(draft.sourceRef == "73e01a99-5cd7-4139-a149-9f2736ff2ab5")
        #expect(draft.userName == "domain\\administrator")
        #expect(draft.hostName == "vm1")
        #expect(
            draft.observables == [
                ObservableDraft(type: .username, normalizedValue: "domain\\administrator"),
                ObservableDraft(type: .hostname, normalizedValue: "vm1"),
            ])
        // On their own, entities are not an alert: the error says how to send them.
        let error = #expect(throws: RiposteError.self) { try parser.parse(body: jsonBytes(entities)) }
        #expect(error?.message.hasPrefix("record 1 (line 1): value[0]: kind 'Account' is not an incident or alert") == true)
    }

    @Test(
        "A Logic App alert with the msticpy entities (as an object, an array or JSON text) yields host and account",
        arguments: [0, 1, 2])
    func msticpyEntities(_ form: Int) throws {
        let entities = try JSONParser.parse(Array(try Corpus.contents("siem_alerts/sentinel/msticpy-alert-entities.json")))
        let container: JSONValue =
            switch form {
            case 0: entities
            case 1: .array(entities.objectMembersForTest.map(\.1))
            default: .string(String(decoding: jsonBytes(entities), as: UTF8.self))
            }
        let alert = JSONValue.object([
            ("AlertDisplayName", .string("Mimikatz credential theft tool")), ("Severity", .string("High")),
            ("SystemAlertId", .string("2518368402999999999_b2a3e1d4")), ("StartTimeUtc", .string("2018-11-15T23:54:29.300019Z")),
            ("Entities", container),
        ])
        let draft = try #require(try parser.parse(body: jsonBytes(alert)).first)
        #expect(draft.title == "Mimikatz credential theft tool")
        #expect(draft.severity == .high)
        #expect(draft.time == utc("2018-11-15T23:54:29.300Z"))
        #expect(draft.hostName == "MSTICALERTSWIN1")
        #expect(draft.userName == "WORKGROUP\\MSTICAlertsWin1$")
        #expect(
            draft.observables == [
                ObservableDraft(type: .hostname, normalizedValue: "msticalertswin1"),
                ObservableDraft(type: .username, normalizedValue: "WORKGROUP\\MSTICAlertsWin1$"),
            ])
    }

    @Test("A Logic App incident trigger carries alerts and related entities of every kind")
    func logicAppIncident() throws {
        let body = #"""
            {"objectSchemaType":"Incident","objectEventType":"Create","object":{"name":"inc-1","properties":{
            "title":"Phish","severity":"Medium","createdTimeUtc":"2024-01-02T03:04:05Z","incidentNumber":7,
            "alerts":[{"kind":"SecurityAlert","properties":{"alertDisplayName":"a","compromisedEntity":"pc-9"}}],
            "relatedEntities":[{"kind":"Ip","properties":{"address":"203.0.113.9"}},{"kind":"Url","properties":{"url":"https://evil.example/p"}},
            {"kind":"FileHash","properties":{"algorithm":"SHA256","hashValue":"E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"}},
            {"kind":"DnsResolution","properties":{"domainName":"evil.example"}},{"kind":"Mailbox","properties":{"mailboxPrimaryAddress":"bob@corp.example"}},
            {"kind":"MailMessage","properties":{"sender":"x@evil.example","recipient":"bob@corp.example","urls":["http://evil.example/a"]}},
            {"kind":"Account","properties":{"accountName":"bob","upnSuffix":"corp.example"}}]}}}
            """#
        let draft = try #require(try parser.parse(body: bytes(body)).first)
        #expect(draft.sourceRef == "inc-1")
        #expect(draft.severity == .medium)
        #expect(draft.time == utc("2024-01-02T03:04:05Z"))
        #expect(draft.hostName == "pc-9")
        #expect(draft.userName == "bob@corp.example")
        #expect(draft.observables.map(\.type) == [.ipv4, .url, .sha256, .domain, .email, .email, .url, .username])
        #expect(draft.raw == bytes(body))
    }
}

extension JSONValue {
    var objectMembersForTest: [(String, JSONValue)] {
        if case .object(let members) = self { return members }
        return []
    }
}

/// Compact JSON bytes of a value (the test's own writer, so parsers are not checked against themselves).
func jsonBytes(_ value: JSONValue) -> [UInt8] { bytes(writeJSON(value)) }

@Suite("Zeek")
struct ZeekNoticeParserTests {
    static let expected: [String: [String]] = [
        "notice_base.frameworks.notice.file-info-multiple-conns.log": ["test"],
        "notice_policy.frameworks.intel.notice.log": [
            "Intel hit on 10.0.0.1 at Conn::IN_ORIG", "Intel hit on 10.0.0.2 at Conn::IN_RESP",
            "Intel hit on 10.0.0.3 at Conn::IN_RESP",
        ],
        "notice_policy.frameworks.software.vulnerable.log": [
            "1.2.3.4 is running Java 1.7.0.15 which is vulnerable.", "1.2.3.5 is running Java 1.6.0.43 which is vulnerable.",
        ],
        "notice_policy.protocols.http.sql-injection-plus-dvwa2.log": [
            "An SQL injection attacker was discovered!", "An SQL injection victim was discovered!",
        ],
        "notice_policy.protocols.ssh.detect-bruteforcing.log": [
            "192.168.56.1 appears to be guessing SSH passwords (seen in 10 connections)."
        ],
        "notice_policy.protocols.ssl.expiring-certs.log": [
            "Certificate CN=www.spidh.org,OU=COMODO SSL,OU=Domain Control Validated expired at 2014-03-04-23:59:59.000000000",
            "Certificate CN=www.tobu-estate.com,OU=Terms of use at www.verisign.com/rpa (c)05,O=TOBU RAILWAY Co.\\,Ltd.,L=Sumida-ku,ST=Tokyo,C=JP is going to expire at 2014-03-14-23:59:59.000000000",
        ],
    ]

    @Test(
        "All six corpus notice logs parse, one draft per notice line, titled by msg",
        arguments: try Corpus.files(in: "siem_alerts/zeek", suffix: ".log"))
    func corpusLogs(_ path: String) throws {
        let drafts = try ZeekNoticeParser().parse(body: Array(try Corpus.contents(path)))
        let name = String(path.split(separator: "/").last!)
        #expect(drafts.map(\.title) == Self.expected[name])
        for draft in drafts {
            #expect(draft.severity == .medium)
            #expect(draft.time == nil, "btest masks ts as XXXXXXXXXX.XXXXXX")
            #expect(draft.sourceRef.hasPrefix("sha256:"))
            #expect(draft.rule.uid != nil && draft.rule.uid == draft.rule.name)
            let raw = String(decoding: draft.raw, as: UTF8.self)
            #expect(raw.hasPrefix("#separator \\x09\n") && raw.contains("#fields\t"))
            // The raw payload parses on its own to the same draft.
            #expect(try ZeekNoticeParser().parse(body: draft.raw) == [draft])
        }
        #expect(Set(drafts.map(\.sourceRef)).count == drafts.count)
        #expect(Self.expected.count == 6)
    }

    @Test("Endpoints, notes and subjects of the corpus notices")
    func fields() throws {
        let ssl = try ZeekNoticeParser().parse(
            body: Array(try Corpus.contents("siem_alerts/zeek/notice_policy.protocols.ssl.expiring-certs.log")))
        #expect(ssl[0].sourceEndpoint == Endpoint(ip: "192.168.4.149", port: 60539))
        #expect(ssl[0].destinationEndpoint == Endpoint(ip: "87.98.220.10", port: 443))
        #expect(ssl[0].rule == DetectionRule(uid: "SSL::Certificate_Expired", name: "SSL::Certificate_Expired", category: "SSL"))
        #expect(
            ssl[0].observables.prefix(3) == [
                ObservableDraft(type: .ipv4, normalizedValue: "192.168.4.149"),
                ObservableDraft(type: .ipv4, normalizedValue: "87.98.220.10"),
                ObservableDraft(type: .domain, normalizedValue: "www.spidh.org"),
            ])
        let intel = try ZeekNoticeParser().parse(
            body: Array(try Corpus.contents("siem_alerts/zeek/notice_policy.frameworks.intel.notice.log")))
        #expect(
            intel.map(\.observables)
                == ["10.0.0.1", "10.0.0.2", "10.0.0.3"].map { [ObservableDraft(type: .ipv4, normalizedValue: $0)] })
        let ssh = try ZeekNoticeParser().parse(
            body: Array(try Corpus.contents("siem_alerts/zeek/notice_policy.protocols.ssh.detect-bruteforcing.log")))
        #expect(ssh[0].sourceEndpoint == Endpoint(ip: "192.168.56.1"))
        #expect(ssh[0].observables.map(\.value) == ["192.168.56.1", "192.168.56.103"])
    }

    @Test("Two header blocks in one body, JSON lines with the same notice, and a real ts")
    func blocksAndJSON() throws {
        let ssh = Array(try Corpus.contents("siem_alerts/zeek/notice_policy.protocols.ssh.detect-bruteforcing.log"))
        let intel = Array(try Corpus.contents("siem_alerts/zeek/notice_policy.frameworks.intel.notice.log"))
        let both = try ZeekNoticeParser().parse(body: ssh + intel)
        #expect(both.count == 4)
        #expect(
            both.map(\.sourceRef)
                == (try ZeekNoticeParser().parse(body: ssh) + ZeekNoticeParser().parse(body: intel)).map(\.sourceRef))

        let tsv =
            "#separator \\x09\n#fields\tts\tnote\tmsg\tsrc\tdst\tp\n1394747126.855035\tScan::Port_Scan\tscan seen\t10.0.0.5\t10.0.0.9\t22\n"
        let json =
            #"{"ts":1394747126.855035,"note":"Scan::Port_Scan","msg":"scan seen","src":"10.0.0.5","dst":"10.0.0.9","p":22}"#
        let fromTSV = try #require(try ZeekNoticeParser().parse(body: bytes(tsv)).first)
        let fromJSON = try #require(try ZeekNoticeParser().parse(body: bytes(json + "\n")).first)
        #expect(fromTSV.time == EventTime.date(unixMilliseconds: 1_394_747_126_855))
        #expect(fromTSV.sourceRef == fromJSON.sourceRef)
        #expect(fromJSON.destinationEndpoint == Endpoint(ip: "10.0.0.9", port: 22))
        #expect(fromJSON.raw == bytes(json))
    }

    @Test("TSV values are unescaped, '(empty)' is empty and '-' unset, with one- and two-byte separators")
    func tsvValues() throws {
        for separator in ["\t", "||"] {
            let escaped = separator == "\t" ? "\\x09" : "\\x7c\\x7c"
            let body =
                "#separator \(escaped)\n#fields\(separator)ts\(separator)note\(separator)msg\(separator)sub\(separator)src\n"
                + ["-", "Scan::Port_Scan", #"tab\x09and \\ backslash\x7c"#, "(empty)", "10.0.0.5"].joined(separator: separator)
                + "\n"
            let draft = try #require(try ZeekNoticeParser().parse(body: bytes(body)).first, "separator \(separator)")
            #expect(draft.title == "tab\tand \\ backslash|")
            #expect(draft.time == nil)
            #expect(draft.sourceEndpoint == Endpoint(ip: "10.0.0.5"))
            #expect(draft.rule.uid == "Scan::Port_Scan")
        }
    }

    @Test("Malformed TSV names the line: wrong value count, data before #fields, bad ts, bad address")
    func malformed() {
        let header = "#separator \\x09\n#fields\tts\tnote\tmsg\tsrc\n"
        let cases: [(String, String)] = [
            (header + "1.0\tN\tm\n", "line 3 (notice 1): 3 values for 4 fields at byte 40"),
            ("1.0\tN\tm\n", "line 1: data before a '#fields' header at byte 0"),
            (header + "1.0\tN\tm\t-\nsoon\tN\tm\t-\n", "line 4 (notice 2): ts 'soon' is not a time"),
            (header + "1.0\tN\tm\t10.0.0.300\n", "line 3 (notice 1): src '10.0.0.300' is not an IP address"),
            (header + "1.0\t-\t-\t-\n", "line 3 (notice 1): notice without 'msg' or 'note'"),
            ("#separator \\x09\n#fields\ta\tb\n#types\tstring\n", "line 3: '#types' lists 1 types for 2 fields"),
        ]
        for (body, message) in cases {
            let error = #expect(throws: RiposteError.self) { try ZeekNoticeParser().parse(body: bytes(body)) }
            #expect(error?.message == message)
        }
        let utf8 = #expect(throws: RiposteError.self) { try ZeekNoticeParser().parse(body: bytes(header) + [0x31, 0xFF, 0x0A]) }
        #expect(utf8?.message == "line 3: invalid UTF-8 at byte 41")
    }
}
