// SuricataEVEParser: every EVE alert in the corpus, the SID sets Suricata produced, and each field mapping.
import Foundation
import RiposteCore
import RiposteIngest
import RiposteTesting
import Testing

@Suite("SuricataEVEParser")
struct SuricataEVEParserTests {
    let parser = SuricataEVEParser()

    /// Checks what every Suricata draft must have: addresses as observables, a title, a rule, a time.
    func checkCommon(_ draft: AlertDraft, _ context: String) {
        #expect(draft.source == "suricata", "\(context)")
        #expect(draft.parserVersion == 1, "\(context)")
        #expect(!draft.title.isEmpty && draft.rule.name == draft.title, "\(context)")
        #expect(SuricataEVEParser.signatureID(of: draft) != nil, "\(context)")
        #expect(draft.time != nil, "\(context)")
        #expect(draft.severity != .unknown, "\(context)")
        for endpoint in [draft.sourceEndpoint, draft.destinationEndpoint] {
            guard let ip = endpoint.ip, let address = IPAddress(ip) else {
                Issue.record("\(context): endpoint without an IP")
                continue
            }
            let type: ObservableType = if case .v4 = address { .ipv4 } else { .ipv6 }
            #expect(draft.observables.contains(ObservableDraft(type: type, normalizedValue: ip)), "\(context): \(ip)")
            #expect(endpoint.port != nil, "\(context)")
        }
        for observable in draft.observables {
            #expect(ObservableDraft(observable.type, observable.value)?.value == observable.value, "\(context): \(observable)")
        }
    }

    @Test(
        "Every expected-alerts file parses, with the SIDs SUMMARY.tsv lists for its pcap",
        arguments: try Corpus.files(in: "pcaps/expected-alerts", suffix: ".eve-alerts.jsonl")
    )
    func expectedAlerts(_ path: String) throws {
        let body = Array(try Corpus.contents(path))
        let drafts = try parser.parse(body: body)
        let lines = body.split(separator: 0x0A).filter { !$0.isEmpty }
        #expect(drafts.count == lines.count)
        #expect(drafts.map(\.raw) == lines.map { Array($0) })
        for draft in drafts { checkCommon(draft, path) }
        #expect(Set(drafts.compactMap(SuricataEVEParser.signatureID(of:))) == (try expectedSIDs(forAlertFile: path)))
        #expect(Set(drafts.map(\.sourceRef)).count == drafts.count, "two alerts share a source ref")
    }

    @Test(
        "Every alert in the EVE sample arrays parses",
        arguments: try Corpus.files(in: "siem_alerts/suricata", suffix: ".json")
    )
    func sampleArrays(_ path: String) throws {
        let body = Array(try Corpus.contents(path))
        let drafts = try parser.parse(body: body)
        #expect(drafts.count == (try AlertPayloadSplitter().split(body).count))
        #expect(drafts.count > 10)
        for draft in drafts { checkCommon(draft, path) }
        #expect(Set(drafts.map(\.sourceRef)).count == drafts.count, "two alerts share a source ref")
    }

    @Test(
        "Full EVE logs: the alert records parse, and the whole log is rejected at its first non-alert record",
        arguments: try Corpus.files(in: "siem_alerts/suricata/generated", suffix: ".json")
    )
    func fullLogs(_ path: String) throws {
        let body = Array(try Corpus.contents(path))
        var alerts: [AlertDraft] = []
        var firstOther: (AlertPayloadRecord, String)?
        try AlertIngest.forEachRecord(in: body) { record, bytes, value in
            if value["event_type"]?.stringValue == "alert" {
                alerts.append(try parser.parse(record: bytes, value: value))
            } else if firstOther == nil {
                firstOther = (record, value["event_type"]?.stringValue ?? "")
            }
        }
        #expect(!alerts.isEmpty)
        for draft in alerts { checkCommon(draft, path) }
        if let (record, eventType) = firstOther {
            let error = #expect(throws: RiposteError.self) { try parser.parse(body: body) }
            #expect(error?.code == .invalid)
            #expect(error?.message == "record \(record.number) (line \(record.line)): event_type '\(eventType)' is not an alert")
        }
    }

    static let httpAlert = #"""
        {"timestamp":"2016-01-04T16:26:38.877110+0000","flow_id":1112691159790512,"pcap_cnt":11,"event_type":"alert",\#
        "src_ip":"192.168.122.145","src_port":49357,"dest_ip":"184.170.149.44","dest_port":80,"proto":"TCP","tx_id":0,\#
        "host":"sensor-1","direction":"to_server",\#
        "alert":{"action":"allowed","gid":1,"signature_id":2018452,"rev":12,"signature":"ET TROJAN CryptoWall Check-in",\#
        "category":"A Network Trojan was detected","severity":1},\#
        "http":{"hostname":"HomeAllDayLong.com","url":"/76N1Lm.php?n=x4tk7t4jo6","http_port":8080,"http_method":"POST"},\#
        "files":[{"filename":"/76N1Lm.php","md5":"D41D8CD98F00B204E9800998ECF8427E","sha256":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}],\#
        "flow":{"src_ip":"192.168.122.145","dest_ip":"184.170.149.44","src_port":49357,"dest_port":80}}
        """#

    @Test("An HTTP alert maps title, rule, severity, time, endpoints, URL, hashes and source ref")
    func httpAlert() throws {
        let record = bytes(Self.httpAlert)
        let draft = try parser.parse(record: record, value: JSONParser.parse(record))
        #expect(draft.title == "ET TROJAN CryptoWall Check-in")
        #expect(
            draft.rule
                == DetectionRule(
                    uid: "1:2018452", name: "ET TROJAN CryptoWall Check-in", category: "A Network Trojan was detected"))
        #expect(SuricataEVEParser.signatureID(of: draft) == 2_018_452)
        #expect(draft.severity == .high)
        #expect(draft.time == EventTime.date(unixMilliseconds: 1_451_924_798_877))
        #expect(draft.sourceEndpoint == Endpoint(ip: "192.168.122.145", port: 49357))
        #expect(draft.destinationEndpoint == Endpoint(ip: "184.170.149.44", port: 80, hostname: "HomeAllDayLong.com"))
        #expect(draft.hostName == "sensor-1")
        #expect(draft.userName == nil)
        #expect(draft.sourceRef == "1112691159790512:0:1:2018452:2016-01-04T16:26:38.877110+0000")
        #expect(draft.raw == record)
        #expect(
            draft.observables == [
                ObservableDraft(type: .ipv4, normalizedValue: "192.168.122.145"),
                ObservableDraft(type: .ipv4, normalizedValue: "184.170.149.44"),
                ObservableDraft(type: .domain, normalizedValue: "homealldaylong.com"),
                ObservableDraft(type: .url, normalizedValue: "http://homealldaylong.com:8080/76N1Lm.php?n=x4tk7t4jo6"),
                ObservableDraft(type: .md5, normalizedValue: "d41d8cd98f00b204e9800998ecf8427e"),
                ObservableDraft(
                    type: .sha256, normalizedValue: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
            ])
    }

    func draft(_ json: String) throws -> AlertDraft {
        let record = bytes(json)
        return try parser.parse(record: record, value: JSONParser.parse(record))
    }

    func alert(_ extra: String, severity: String = "2", metadata: String = "") -> String {
        """
        {"timestamp":"2021-12-13T20:03:35.692235+0000","flow_id":7,"event_type":"alert","src_ip":"10.0.0.1","src_port":1,\
        "dest_ip":"10.0.0.2","dest_port":2,"alert":{"gid":1,"signature_id":1000,"signature":"S","category":"C",\
        "severity":\(severity)\(metadata)}\(extra)}
        """
    }

    @Test(
        "Suricata priority maps to severity; ET signature_severity Critical and Major only raise it",
        arguments: [
            ("1", "", Severity.high), ("2", "", .medium), ("3", "", .low), ("4", "", .informational),
            ("255", "", .informational), ("null", "", .unknown), ("0", "", .unknown),
            ("3", #","metadata":{"signature_severity":["Major"]}"#, .high),
            ("1", #","metadata":{"signature_severity":["Major"]}"#, .high),
            ("2", #","metadata":{"signature_severity":["Critical"]}"#, .critical),
            ("3", #","metadata":{"signature_severity":["Minor"]}"#, .low),
            ("1", #","metadata":{"signature_severity":["Informational"]}"#, .high),
        ]
    )
    func severity(_ priority: String, _ metadata: String, _ expected: Severity) throws {
        #expect(try draft(alert("", severity: priority, metadata: metadata)).severity == expected)
    }

    @Test("The server side gets the hostname, also when the alert is on a reply")
    func serverSide() throws {
        let reply = try draft(alert(#","direction":"to_client","tls":{"sni":"Www.Apple.com","version":"TLSv1"}"#))
        #expect(reply.sourceEndpoint.hostname == "Www.Apple.com")
        #expect(reply.destinationEndpoint.hostname == nil)
        let byFlow = try draft(alert(#","flow":{"src_ip":"10.0.0.2","dest_ip":"10.0.0.1"},"tls":{"sni":"x.example"}"#))
        #expect(byFlow.sourceEndpoint.hostname == "x.example")
        let request = try draft(alert(#","direction":"to_server","tls":{"sni":"x.example"}"#))
        #expect(request.destinationEndpoint.hostname == "x.example")
        #expect(reply.observables.contains(ObservableDraft(type: .domain, normalizedValue: "www.apple.com")))
    }

    @Test("URLs: https with TLS, default ports dropped, absolute URLs kept, none without a hostname")
    func urls() throws {
        func url(_ extra: String) throws -> String? { try draft(alert(extra)).observables.first { $0.type == .url }?.value }
        #expect(
            try url(#","http":{"hostname":"a.example","url":"/x","http_port":443},"tls":{"sni":"a.example"}"#)
                == "https://a.example/x")
        #expect(try url(#","http":{"hostname":"a.example","url":"/x","http_port":80}"#) == "http://a.example/x")
        #expect(try url(#","http":{"hostname":"10.2.2.104","url":"/dvwa/?id=%27"}"#) == "http://10.2.2.104/dvwa/?id=%27")
        #expect(try url(#","http":{"hostname":"a.example","url":"HTTP://Proxy.Example/p"}"#) == "http://proxy.example/p")
        #expect(try url(#","http":{"hostname":"2001:db8::1","url":"/p"}"#) == "http://[2001:db8::1]/p")
        #expect(try url(#","http":{"hostname":"a.example","url":"x"}"#) == "http://a.example/x")
        #expect(try url(#","http":{"url":"/x"}"#) == nil)
        #expect(try url(#","http":{"hostname":"bad host","url":"/x"}"#) == nil)
        #expect(try url(#","http":{"hostname":"a.example","url":"/a b"}"#) == nil)
    }

    @Test("DNS names, SMTP and email addresses, file hashes and user names become observables")
    func observables() throws {
        let dns = try draft(
            alert(
                #","dns":{"version":2,"query":[{"rrname":"DonghakAcademy.ddns.net","rrtype":"A"}],"rrname":"b.example","queries":[{"rrname":"c.example"}]}"#
            ))
        #expect(
            dns.observables.filter { $0.type == .domain }.map(\.value) == ["b.example", "donghakacademy.ddns.net", "c.example"])
        #expect(dns.destinationEndpoint.hostname == nil)

        let mail = try draft(
            alert(
                #","smtp":{"helo":"x","mail_from":"<wrandolph@mee1.seeks>","rcpt_to":["<tkauffman@mee1.seeks>","bad"]},"email":{"from":"\"Eve\" <Eve@Evil.example>","to":["a@b.example"],"cc":["c@d.example"]}"#
            ))
        #expect(
            mail.observables.filter { $0.type == .email }.map(\.value)
                == ["wrandolph@mee1.seeks", "tkauffman@mee1.seeks", "eve@evil.example", "a@b.example", "c@d.example"])

        let files = try draft(
            alert(
                #","fileinfo":{"sha1":"DA39A3EE5E6B4B0D3255BFEF95601890AFD80709","md5":"nothex"},"files":[{"md5":"d41d8cd98f00b204e9800998ecf8427e"}]"#
            ))
        #expect(
            files.observables.filter { [.md5, .sha1, .sha256].contains($0.type) }.map(\.value)
                == ["da39a3ee5e6b4b0d3255bfef95601890afd80709", "d41d8cd98f00b204e9800998ecf8427e"])

        let users = try draft(
            alert(
                #","smb":{"ntlmssp":{"domain":"CORP","user":"alice"}},"krb5":{"cname":"bob"},"ftp":{"command":"USER","command_data":"anonymous"}"#
            ))
        #expect(users.userName == "CORP\\alice")
        #expect(users.observables.filter { $0.type == .username }.map(\.value) == ["CORP\\alice", "bob", "anonymous"])
    }

    @Test("IPv6 addresses are stored in canonical form")
    func ipv6() throws {
        let json = alert("").replacingOccurrences(of: "\"10.0.0.1\"", with: "\"2001:0DB8:0000:0000:0000:0000:0000:0001\"")
        let result = try draft(json)
        #expect(result.sourceEndpoint.ip == "2001:db8::1")
        #expect(result.observables.first == ObservableDraft(type: .ipv6, normalizedValue: "2001:db8::1"))
    }

    @Test("The source ref is stable for the same alert and differs between alerts")
    func sourceRef() throws {
        let base = try draft(alert(#","tx_id":3"#))
        #expect(try draft(alert(#","tx_id":3"#)).sourceRef == base.sourceRef)
        #expect(base.sourceRef == "7:3:1:1000:2021-12-13T20:03:35.692235+0000")
        #expect(try draft(alert(#","tx_id":4"#)).sourceRef != base.sourceRef)
        #expect(try draft(alert("")).sourceRef == "7:-1:1:1000:2021-12-13T20:03:35.692235+0000")
        let withoutFlow = alert("").replacingOccurrences(of: "\"flow_id\":7,", with: "")
        let hashed = try draft(withoutFlow)
        #expect(hashed.sourceRef.hasPrefix("sha256:") && hashed.sourceRef.count == 71)
        #expect(try draft(withoutFlow).sourceRef == hashed.sourceRef)
    }

    @Test(
        "Records that are not usable alerts are rejected with a clear message",
        arguments: [
            (#"{"event_type":"flow","src_ip":"10.0.0.1"}"#, "event_type 'flow' is not an alert"),
            (#"{"timestamp":"2021-12-13T20:03:35Z"}"#, "missing field 'event_type'; not a Suricata EVE record"),
            (#"{"event_type":"alert"}"#, "missing object 'alert'"),
            (#"{"event_type":"alert","alert":{"signature":"x"}}"#, "missing or non-integer field 'alert.signature_id'"),
            (#"{"event_type":"alert","alert":{"signature_id":1.5}}"#, "missing or non-integer field 'alert.signature_id'"),
            (
                #"{"event_type":"alert","alert":{"signature_id":1},"timestamp":"yesterday"}"#,
                "timestamp 'yesterday' is not a valid time"
            ),
            (
                #"{"event_type":"alert","alert":{"signature_id":1},"src_ip":"10.0.0.300"}"#,
                "src_ip '10.0.0.300' is not an IP address"
            ),
            (
                #"{"event_type":"alert","alert":{"signature_id":1},"dest_port":70000}"#,
                "dest_port 70000 is not a port number (0-65535)"
            ),
            (#"[1]"#, "expected a JSON object"),
        ]
    )
    func rejects(_ json: String, _ message: String) {
        let error = #expect(throws: RiposteError.self) { try draft(json) }
        #expect(error?.code == .invalid)
        #expect(error?.message == message)
    }

    @Test("A record without a signature still gets a title from its SID")
    func untitled() throws {
        let result = try draft(#"{"event_type":"alert","alert":{"gid":3,"signature_id":"12"}}"#)
        #expect(result.title == "Suricata signature 3:12")
        #expect(result.rule.uid == "3:12" && result.rule.name == nil)
        #expect(result.time == nil && result.severity == .unknown && result.observables.isEmpty)
    }
}
