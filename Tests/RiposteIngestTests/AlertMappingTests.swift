// AlertMapping decoding and validation, MappedAlertParser on the Sigma-matched Windows events, and the registry.
import Foundation
import RiposteCore
import RiposteIngest
import RiposteTesting
import Testing

@Suite("AlertMapping")
struct AlertMappingTests {
    /// A mapping of Sysmon events as SigmaHQ's regression data renders EVTX to JSON.
    static let sysmon = #"""
        {
          "title": {"path": ["Event.EventData.RuleName_", "Event.System.Provider.#attributes.Name"], "default": "Windows event"},
          "severity": {"path": "Event.System.Level", "map": {"1": "critical", "2": "high", "3": "medium"},
                       "ranges": [{"min": 4, "max": 5, "severity": "informational"}], "default": "unknown"},
          "time": {"path": "Event.System.TimeCreated.#attributes.SystemTime", "format": "rfc3339"},
          "source_ref": {"hash": ["Event.System.Computer", "Event.System.EventRecordID"]},
          "rule_uid": "Event.System.EventID", "rule_category": "Event.System.Channel",
          "host_name": "Event.System.Computer", "user_name": "Event.EventData.User",
          "observables": [{"path": "Event.EventData.Hashes", "type": "text"},
                          {"path": "Event.EventData.CommandLine", "type": "text"},
                          {"path": "Event.EventData.DestinationIp", "type": "ip"}]
        }
        """#

    @Test(
        "The Sysmon mapping reads every Sigma-matched event in the corpus",
        arguments: try Corpus.files(in: "siem_alerts/sigma-matched-events", suffix: ".event.json"))
    func sigmaEvents(_ path: String) throws {
        let parser = MappedAlertParser(name: "sysmon", mapping: try AlertMapping(json: bytes(Self.sysmon)))
        let body = Array(try Corpus.contents(path))
        // Some files hold several events, pretty-printed one after another.
        let records = try AlertPayloadSplitter().split(body)
        let drafts = try parser.parse(body: body)
        #expect(drafts.count == records.count && !drafts.isEmpty)
        for (record, draft) in zip(records, drafts) {
            try check(draft, event: JSONParser.parse(Array(body[record.range])))
        }
    }

    func check(_ draft: AlertDraft, event: JSONValue) {
        #expect(draft.source == "sysmon")
        #expect(draft.title == event[path: "Event.System.Provider.#attributes.Name"]?.stringValue)
        #expect(draft.hostName == event[path: "Event.System.Computer"]?.stringValue)
        #expect(draft.rule.uid == event[path: "Event.System.EventID"]?.scalarText)
        #expect(draft.time != nil)
        #expect(draft.sourceRef.hasPrefix("sha256:"))
        let expected: Severity =
            switch event[path: "Event.System.Level"]?.numberValue {
            case 1: .critical
            case 2: .high
            case 3: .medium
            case 4, 5: .informational
            default: .unknown
            }
        #expect(draft.severity == expected)
    }

    @Test("The certutil event: user, time, hashes and the URL in the command line")
    func certutil() throws {
        let parser = MappedAlertParser(name: "sysmon", mapping: try AlertMapping(json: bytes(Self.sysmon)))
        let body = Array(try Corpus.contents("siem_alerts/sigma-matched-events/proc_creation_win_certutil_download.event.json"))
        let draft = try #require(try parser.parse(body: body).first)
        #expect(draft.title == "Microsoft-Windows-Sysmon")
        #expect(draft.severity == .informational)
        #expect(draft.time == EventTime.parse("2025-10-25T17:02:36.900Z"))
        #expect(draft.userName == "ATTACKRANGE\\Administrator")
        #expect(draft.rule == DetectionRule(uid: "1", category: "Microsoft-Windows-Sysmon/Operational"))
        let values = draft.observables.map { "\($0.type.rawValue):\($0.value)" }
        #expect(values.contains("hostname:ar-win-dc.attackrange.local") || values.contains("domain:ar-win-dc.attackrange.local"))
        #expect(values.contains("sha256:d5b7e8e44f37b1fbd79a79e3321244eef946f419151374bd1be4d6833754fed8"))
        #expect(values.contains("md5:a561a96624ca5cd5491bfc1609e2958a"))
        #expect(
            values.contains(
                "url:https://raw.githubusercontent.com/redcanaryco/atomic-red-team/refs/heads/master/atomics/T1001.002/T1001.002.yaml"
            ))
        #expect(values.contains("username:ATTACKRANGE\\Administrator"))
    }

    @Test("Epoch times, severity maps and ranges, array paths, record-hash and field source refs")
    func mappedFields() throws {
        let mapping = try AlertMapping(
            json: bytes(
                #"""
                {"title": "alert.name", "severity": {"path": "alert.level", "map": {"CRIT": "critical"},
                 "ranges": [{"min": 0, "max": 3.5, "severity": "low"}, {"min": 3.5, "max": 10, "severity": 4}]},
                 "time": {"path": "at", "format": "epoch-ms"}, "source_ref": "alert.id",
                 "src_ip": "net.src", "src_port": "net.sport", "dst_host": "net.dst", "rule_name": "alert.name",
                 "observables": [{"path": "files[*].sha1", "type": "sha1"}, {"path": "peers", "type": "ip"},
                                 {"path": "files[0].name", "type": "host"}]}
                """#))
        let parser = MappedAlertParser(name: "acme", mapping: mapping)
        let body = #"""
            {"alert":{"name":"Beacon","level":"crit","id":42},"at":1700000000123,"net":{"src":"10.0.0.1","sport":"4444","dst":"c2.evil.example"},
             "files":[{"sha1":"da39a3ee5e6b4b0d3255bfef95601890afd80709","name":"drop.evil.example"},{"sha1":"not-a-hash"}],"peers":["192.0.2.1","x"]}
            {"alert":{"name":"Quiet","level":2},"at":"1700000000999"}
            {"alert":{"name":"Loud","level":7.5}}
            """#
        let drafts = try parser.parse(body: bytes(body))
        #expect(drafts.map(\.title) == ["Beacon", "Quiet", "Loud"])
        #expect(drafts.map(\.severity) == [.critical, .low, .high])
        #expect(
            drafts.map(\.time) == [
                EventTime.date(unixMilliseconds: 1_700_000_000_123), EventTime.date(unixMilliseconds: 1_700_000_000_999), nil,
            ])
        #expect(drafts[0].sourceRef == "42")
        #expect(drafts[1].sourceRef.hasPrefix("sha256:"))
        #expect(drafts[0].sourceEndpoint == Endpoint(ip: "10.0.0.1", port: 4444))
        #expect(drafts[0].destinationEndpoint == Endpoint(hostname: "c2.evil.example"))
        #expect(drafts[0].rule.name == "Beacon")
        #expect(
            drafts[0].observables.map { "\($0.type.rawValue):\($0.value)" } == [
                "ipv4:10.0.0.1", "domain:c2.evil.example", "sha1:da39a3ee5e6b4b0d3255bfef95601890afd80709", "ipv4:192.0.2.1",
                "domain:drop.evil.example",
            ])
    }

    @Test("Dotted-flat and nested records resolve the same paths")
    func flatAndNested() throws {
        let mapping = try AlertMapping(json: bytes(#"{"title": "a.b.c", "user_name": "u.list[1]"}"#))
        let parser = MappedAlertParser(name: "m", mapping: mapping)
        let body = #"""
            {"a":{"b":{"c":"nested"}},"u":{"list":["x","y"]}}
            {"a.b.c":"flat","u.list":["x","z"]}
            {"a.b":{"c":"mixed"}}
            """#
        let drafts = try parser.parse(body: bytes(body))
        #expect(drafts.map(\.title) == ["nested", "flat", "mixed"])
        #expect(drafts.map(\.userName) == ["y", "z", nil])
    }

    @Test("Record errors name the record, the mapping key and the path")
    func recordErrors() throws {
        let mapping = try AlertMapping(
            json: bytes(#"{"title": "t", "time": {"path": "ts", "format": "epoch-s"}, "src_ip": "ip", "dst_port": ["p1", "p2"]}"#)
        )
        let parser = MappedAlertParser(name: "m", mapping: mapping)
        let cases: [(String, String)] = [
            ("{\"t\":\"a\"}\n{\"x\":1}", "record 2 (line 2): no title at path 't'"),
            (#"{"t":"a","ts":"noon"}"#, "record 1 (line 1): time at path 'ts': 'noon' is not epoch-s"),
            (#"{"t":"a","ip":"10.0.0.256"}"#, "record 1 (line 1): src_ip at path 'ip': '10.0.0.256' is not an IP address"),
            (#"{"t":"a","p2":70000}"#, "record 1 (line 1): dst_port at paths 'p1', 'p2': 70000 is not a port number (0-65535)"),
            (#"[{"t":"a"},"x"]"#, "record 2 (line 1): expected a JSON object at byte 11, found '\"'"),
        ]
        for (body, message) in cases {
            let error = #expect(throws: RiposteError.self) { try parser.parse(body: bytes(body)) }
            #expect(error?.message == message)
        }
    }

    @Test(
        "Invalid mappings are rejected with the key named",
        arguments: [
            (#"{}"#, "mapping: missing required key 'title'"),
            (#"[]"#, "mapping: expected a JSON object"),
            (
                #"{"title": "a", "titel": "b"}"#,
                "mapping: unknown key 'titel'; known: dst_host, dst_ip, dst_port, host_name, observables, rule_category, rule_name, rule_uid, severity, source_ref, src_host, src_ip, src_port, time, title, user_name, version"
            ),
            (#"{"title": "a..b"}"#, "mapping: title: path 'a..b' has an empty key at byte 2"),
            (#"{"title": "a[x]"}"#, "mapping: title: path 'a[x]' has an invalid index at byte 1; expected [n] (0-999999) or [*]"),
            (#"{"title": "a[0"}"#, "mapping: title: path 'a[0' has an unclosed '[' at byte 1"),
            (#"{"title": "a."}"#, "mapping: title: path 'a.' ends with '.' at byte 1"),
            (#"{"title": 5}"#, "mapping: title must be a path, a list of paths or {\"path\", \"default\"}"),
            (#"{"title": []}"#, "mapping: title must list 1-16 paths"),
            (#"{"title": {"path": "a", "fallback": "x"}}"#, "mapping: title has unknown key 'fallback'"),
            (
                #"{"title": "a", "severity": {"path": "s", "map": {"urgent": "severe"}}}"#,
                "mapping: severity.map['urgent']: 'severe' is not a severity (unknown, informational, low, medium, high, critical or 0-5)"
            ),
            (
                #"{"title": "a", "severity": {"path": "s", "ranges": [{"min": 5, "max": 1, "severity": "low"}]}}"#,
                "mapping: severity.ranges[0]: min 5.0 is above max 1.0"
            ),
            (
                #"{"title": "a", "severity": {"path": "s", "default": 9}}"#,
                "mapping: severity.default: 9 is not a severity (unknown, informational, low, medium, high, critical or 0-5)"
            ),
            (
                #"{"title": "a", "time": {"path": "t", "format": "iso"}}"#,
                "mapping: time.format 'iso' is not one of rfc3339, epoch-s, epoch-ms"
            ),
            (#"{"title": "a", "source_ref": {"hash": []}}"#, "mapping: source_ref.hash must be a non-empty array of paths"),
            (
                #"{"title": "a", "observables": [{"path": "x", "type": "ipv5"}]}"#,
                "mapping: observables[0].type must be one of ipv4, ipv6, domain, url, email, md5, sha1, sha256, hostname, username, ip, host, hash, text"
            ),
            (
                #"{"title": "a", "observables": [{"path": "x"}]}"#,
                "mapping: observables[0].type must be one of ipv4, ipv6, domain, url, email, md5, sha1, sha256, hostname, username, ip, host, hash, text"
            ),
            (#"{"title": "a", "version": 0}"#, "mapping: 'version' must be an integer 1-1000000"),
            (#"{"title": "a", "title": "b"}"#, "mapping: key 'title' appears twice"),
            (#"{"title": "a""#, "mapping: invalid JSON: unexpected end of JSON at byte 13"),
        ])
    func invalidMappings(_ json: String, _ message: String) {
        let error = #expect(throws: RiposteError.self) { try AlertMapping(json: bytes(json)) }
        #expect(error?.code == .invalid)
        #expect(error?.message == message)
    }

    @Test("A path of more than 32 components is rejected")
    func longPath() {
        let path = (0..<33).map { "k\($0)" }.joined(separator: ".")
        let error = #expect(throws: RiposteError.self) { try FieldPath(path) }
        #expect(error?.message == "path '\(path)' has more than 32 components")
    }
}

@Suite("AlertParserRegistry")
struct AlertParserRegistryTests {
    @Test("Built-ins plus named mappings; names may not shadow built-ins or repeat; unknown names list the known")
    func registry() throws {
        var registry = AlertParserRegistry.builtIn
        let mapping = try AlertMapping(json: bytes(#"{"title": "name"}"#))
        try registry.register(name: "acme-edr", mapping: mapping)
        #expect(registry.names.contains("acme-edr"))
        #expect(!AlertParserRegistry.builtIn.names.contains("acme-edr"), "registering mutates only the copy")
        #expect(
            try registry.parser(named: "acme-edr").parse(body: bytes(#"{"name":"x"}"#), limits: .default).map(\.title) == ["x"])
        #expect(try registry.parser(named: "acme-edr").source == "acme-edr")

        let shadow = #expect(throws: RiposteError.self) { try registry.register(name: "splunk", mapping: mapping) }
        #expect(shadow?.code == .conflict)
        #expect(shadow?.message == "mapping name 'splunk' is a built-in source")
        let again = #expect(throws: RiposteError.self) { try registry.register(name: "acme-edr", mapping: mapping) }
        #expect(again?.message == "a mapping named 'acme-edr' is already registered")
        for bad in ["", "Acme", "1acme", "acme edr", String(repeating: "a", count: 65)] {
            let error = #expect(throws: RiposteError.self) { try registry.register(name: bad, mapping: mapping) }
            #expect(error?.code == .invalid)
        }
        let unknown = #expect(throws: RiposteError.self) { try registry.parser(named: "nope") }
        #expect(
            unknown?.message
                == "unknown alert source 'nope'; known: acme-edr, cef, elastic, generic, leef, qradar, sentinel, splunk, suricata, syslog, wazuh, zeek"
        )
        #expect(try registry.registering(name: "b", mapping: mapping).names.count == registry.names.count + 1)
    }
}
