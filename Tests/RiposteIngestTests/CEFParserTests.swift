// CEF: every Graylog fixture's expected fields, the spec's escaping rules, the mapping to drafts, and errors.
import Foundation
import RiposteCore
import RiposteTesting
import Testing

@testable import RiposteIngest

/// The Graylog CEF fixtures: `{testString, expectedSource, cefVersion, deviceVendor, …, severity, extensions}`.
///
/// The files are Jackson-lenient JSON (`//` comments, some trailing commas), read with ``lenientJSON(_:)``.
/// `extensions` lists a subset of the fields, named as Graylog names them: a custom field by its label
/// (`cs1Label=policy_name` → `policy_name`), with `use_full_names` by its full CEF name (`deviceAddress`).
/// Numbers are compared as numbers, an RFC 3339 string as the time the CEF value denotes, anything else as text.
/// `expectedSource` is `dvc`, else the syslog header's hostname, else `/` and the remote address.
let cefFixtureDirectory = "siem_alerts/cef/graylog-cef-fixtures"

@Suite("CEF parser")
struct CEFParserTests {
    @Test(
        "Every Graylog fixture parses and every expected field matches",
        arguments: try Corpus.files(in: cefFixtureDirectory, suffix: ".json"))
    func graylogFixture(_ path: String) throws {
        let fixture = try lenientJSON(Array(try Corpus.contents(path)))
        let line = try #require(fixture.field("testString")?.stringValue)
        let record = try CEFEvent.parse(Array(line.utf8), year: 2010)
        let event = record.event

        #expect(event.version == fixture.field("cefVersion")?.integerValue)
        #expect(event.deviceVendor == fixture.field("deviceVendor")?.stringValue)
        #expect(event.deviceProduct == fixture.field("deviceProduct")?.stringValue)
        #expect(event.deviceVersion == (fixture.field("deviceVersion")?.stringValue ?? ""))
        #expect(event.signatureID == fixture.field("deviceEventClassId")?.stringValue)
        #expect(event.name == fixture.field("name")?.stringValue)
        #expect(event.severity == fixture.field("severity")?.stringValue)

        let remote = try #require(fixture.field("remoteAddress")?.stringValue)
        let source = event["dvc"] ?? record.syslogHeader?.hostname ?? "/" + remote
        #expect(source == fixture.field("expectedSource")?.stringValue)

        guard case .object(let expected) = try #require(fixture.field("extensions")) else {
            Issue.record("extensions is not an object")
            return
        }
        for (key, value) in expected {
            let actual = try #require(event.value(forKey: key), "\(path): missing extension \(key)")
            switch value {
            case .number(let number):
                #expect(Double(actual) == number, "\(path): \(key)")
            case .string(let text):
                if let date = EventTime.parse(text), text.utf8.count >= 20 {
                    var copy = actual
                    let parsed = copy.withUTF8 { TextTime.parseAny($0, 0..<$0.count, year: nil) }
                    #expect(parsed == .time(date), "\(path): \(key) '\(actual)'")
                } else {
                    #expect(actual == text, "\(path): \(key)")
                }
            default:
                Issue.record("\(path): unexpected expected value for \(key)")
            }
        }
    }

    @Test("Every fixture maps to a draft whose fields come from the event")
    func fixturesToDrafts() throws {
        var checked = 0
        for path in try Corpus.files(in: cefFixtureDirectory, suffix: ".json") {
            let fixture = try lenientJSON(Array(try Corpus.contents(path)))
            let line = try #require(fixture.field("testString")?.stringValue)
            let drafts = try CEFParser(year: 2010).parse(body: Array(line.utf8), limits: .default)
            let draft = try #require(drafts.first)
            #expect(drafts.count == 1)
            #expect(draft.title == fixture.field("name")?.stringValue)
            #expect(draft.rule.uid == fixture.field("deviceEventClassId")?.stringValue)
            #expect(draft.raw == Array(line.utf8))
            let extensions = try #require(fixture.field("extensions"))
            if let src = extensions.field("src")?.stringValue { #expect(draft.sourceEndpoint.ip == src) }
            if let dst = extensions.field("dst")?.stringValue { #expect(draft.destinationEndpoint.ip == dst) }
            if let dpt = extensions.field("dpt")?.integerValue { #expect(draft.destinationEndpoint.port == dpt) }
            if let rt = extensions.field("rt")?.stringValue, let date = EventTime.parse(rt) { #expect(draft.time == date) }
            checked += 1
        }
        #expect(checked == 24)
    }

    @Test("The spec example: escaped pipe in the header, escaped equals and spaces in values, labels")
    func specExample() throws {
        let line = #"CEF:0|Vendor|Prod|1.0|100|Name with \| pipe|7|src=10.0.0.1 dst=10.0.0.2 msg=a b c\=d cs1Label=rule cs1=r1"#
        for prefix in ["", "<13>Jan 18 11:07:53 host ", "<134>1 2024-01-18T11:07:53.520Z host app - - - "] {
            let record = try CEFEvent.parse(Array((prefix + line).utf8), year: 2024)
            #expect(
                record.event
                    == CEFEvent(
                        version: 0, deviceVendor: "Vendor", deviceProduct: "Prod", deviceVersion: "1.0", signatureID: "100",
                        name: "Name with | pipe", severity: "7",
                        extensions: [
                            EventField("src", "10.0.0.1"), EventField("dst", "10.0.0.2"), EventField("msg", "a b c=d"),
                            EventField("cs1Label", "rule"), EventField("cs1", "r1"),
                        ]))
            #expect(record.event.value(forKey: "rule") == "r1")
            #expect(record.event.value(forKey: "sourceAddress") == "10.0.0.1")
            if !prefix.isEmpty {
                #expect(record.syslogHeader?.hostname == "host")
                #expect(
                    record.syslogHeader?.timestamp
                        == EventTime.parse("2024-01-18T11:07:53\(prefix.contains("520") ? ".520" : "")Z"))
            }
        }
        let draft = try #require(try CEFParser().parse(body: Array(line.utf8), limits: .default).first)
        #expect(draft.severity == .high)
        #expect(draft.title == "Name with | pipe")
    }

    @Test("Extension escapes: backslash, equals, newline, carriage return; other backslashes stay")
    func extensionEscapes() throws {
        let line = #"CEF:1|V|P|1|id|n|Low|path=C:\\Windows\\x a=1\=2 m=line1\nline2\rend k=\q"#
        let event = try CEFEvent.parse(Array(line.utf8)).event
        #expect(event.version == 1)
        #expect(event["path"] == #"C:\Windows\x"#)
        #expect(event["a"] == "1=2")
        #expect(event["m"] == "line1\nline2\rend")
        #expect(event["k"] == #"\q"#)
    }

    @Test("An unescaped '=' that does not follow a key word stays in the value")
    func unescapedEquals() throws {
        let event = try CEFEvent.parse(Array("CEF:0|V|P|1|id|n|5|request=http://x/a?b=c&d=e msg=GET /a?x=1 HTTP act=ok".utf8))
            .event
        #expect(event.extensions.map(\.key) == ["request", "msg", "act"])
        #expect(event["request"] == "http://x/a?b=c&d=e")
        #expect(event["msg"] == "GET /a?x=1 HTTP")
    }

    @Test("Severity names and numbers map to OCSF severity; out-of-range severities are rejected")
    func severities() throws {
        let cases: [(String, Severity)] = [
            ("0", .low), ("3", .low), ("4", .medium), ("6", .medium), ("7", .high), ("8", .high), ("9", .critical),
            ("10", .critical), ("Unknown", .unknown), ("low", .low), ("Medium", .medium), ("HIGH", .high),
            ("Very-High", .critical),
        ]
        for (text, severity) in cases {
            let drafts = try CEFParser().parse(body: Array("CEF:0|V|P|1|id|n|\(text)|".utf8), limits: .default)
            #expect(drafts.first?.severity == severity, "\(text)")
        }
        let error = #expect(throws: RiposteError.self) {
            try CEFParser().parse(body: Array("CEF:0|V|P|1|id|n|x\nCEF:0|V|P|1|id|n|11|src=1.2.3.4".utf8), limits: .default)
        }
        #expect(error?.message.hasPrefix("record 1 (line 1): CEF severity 'x' is not 0-10") == true)
        let second = #expect(throws: RiposteError.self) {
            try CEFParser().parse(body: Array("CEF:0|V|P|1|id|n|1|\nCEF:0|V|P|1|id|n|11|src=1.2.3.4".utf8), limits: .default)
        }
        #expect(second?.message.hasPrefix("record 2 (line 2): CEF severity '11'") == true)
        #expect(second?.message.hasSuffix("at column 18 (byte 37)") == true)
    }

    @Test("The mapping fills endpoints, time, users, URL, hash and labelled observables")
    func mapping() throws {
        let line =
            "<134>Sep 19 08:26:10 relay CEF:0|Acme|IDS|2.1|4711|Malware download|9|src=10.0.0.5 spt=51000 "
            + "dst=203.0.113.9 dpt=8080 shost=WS-042.corp.example dhost=evil.example suser=alice duser=bob "
            + "request=/payload.exe app=HTTP fileHash=44d88612fea8a8f36de82e1278abb02f cs2Label=Sender Email "
            + "cs2=Eve@Mail.Example cat=Malware rt=1305034099211 externalId=abc-1 dvchost=sensor1"
        let draft = try #require(try CEFParser().parse(body: Array(line.utf8), limits: .default).first)
        #expect(draft.sourceRef == "Acme|IDS|abc-1")
        #expect(draft.severity == .critical)
        #expect(draft.time == EventTime.parse("2011-05-10T13:28:19.211Z"))
        #expect(draft.rule == DetectionRule(uid: "4711", name: "Malware download", category: "Malware"))
        #expect(draft.sourceEndpoint == Endpoint(ip: "10.0.0.5", port: 51000, hostname: "WS-042.corp.example"))
        #expect(draft.destinationEndpoint == Endpoint(ip: "203.0.113.9", port: 8080, hostname: "evil.example"))
        #expect(draft.hostName == "sensor1")
        #expect(draft.userName == "alice")
        #expect(
            draft.observables == [
                ObservableDraft(.ipv4, "10.0.0.5")!, ObservableDraft(.ipv4, "203.0.113.9")!,
                ObservableDraft(.domain, "ws-042.corp.example")!, ObservableDraft(.domain, "evil.example")!,
                ObservableDraft(.username, "alice")!, ObservableDraft(.username, "bob")!,
                ObservableDraft(.url, "http://evil.example:8080/payload.exe")!,
                ObservableDraft(.md5, "44d88612fea8a8f36de82e1278abb02f")!, ObservableDraft(.email, "eve@mail.example")!,
            ])
    }

    @Test("CEF date formats: with and without year, milliseconds and zones")
    func cefTimes() throws {
        let cases: [(String, String?)] = [
            ("Mar 09 2015 11:58:25 GMT+08:00", "2015-03-09T03:58:25Z"), ("Sep 10 2010 23:54:50", "2010-09-10T23:54:50Z"),
            ("Sep 10 2010 23:54:50.123 UTC", "2010-09-10T23:54:50.123Z"), ("Jan  2 03:04:05", "2030-01-02T03:04:05Z"),
            ("Jan 2 03:04:05.5 -0130", "2030-01-02T04:34:05.500Z"), ("1305034099", "2011-05-10T13:28:19Z"),
            ("2024-02-29T12:00:00+01:00", "2024-02-29T11:00:00Z"), ("Feb 30 2023 00:00:00", nil), ("Sep 10 2010", nil),
            ("Sep 10 2010 23:54:50 Mars/Olympus", nil),
        ]
        for (text, expected) in cases {
            var copy = text
            let parsed = copy.withUTF8 { TextTime.parseAny($0, 0..<$0.count, year: 2030) }
            if let expected {
                #expect(parsed == .time(try #require(EventTime.parse(expected))), "\(text)")
            } else {
                #expect(parsed == .invalid, "\(text)")
            }
        }
        var yearless = "Jan  2 03:04:05"
        #expect(yearless.withUTF8 { TextTime.parseAny($0, 0..<$0.count, year: nil) } == .needsYear)
    }

    @Test("Bad lines fail with the record, line, column and byte")
    func errors() throws {
        let cases: [(String, String)] = [
            ("hello world", "record 1 (line 1): no 'CEF:' header"),
            ("CEF:0|V|P|1|id", "record 1 (line 1): CEF header has 5 of 7 fields"),
            ("CEF:x|V|P|1|id|n|1|", "record 1 (line 1): CEF version 'x' is not a number at column 5"),
            ("CEF:0|V|P|1|id|n|1|just text", "record 1 (line 1): expected key=value, found 'just text' at column 20 (byte 19)"),
            ("CEF:0|V|P|1|id|n|1|junk a=b", "record 1 (line 1): text 'junk' before the first key=value at column 20"),
            ("\n\nCEF:0|V|P|1|id|n|1|src=1.2.3", "record 1 (line 3): src '1.2.3' is not an IP address at column 24 (byte 25)"),
            (
                "CEF:0|V|P|1|id|n|1|a=b dpt=99999",
                "record 1 (line 1): dpt '99999' is not a port number (0-65535) at column 28 (byte 27)"
            ),
            ("CEF:0|V|P|1|id|n|1|rt=yesterday", "record 1 (line 1): rt 'yesterday' is not a time"),
            ("CEF:0|V|P|1|id|n|1|msg=\u{FF}", "record 1 (line 1): invalid UTF-8 at column 24 (byte 23)"),
        ]
        for (line, prefix) in cases {
            var body = Array(line.utf8)
            if line.hasSuffix("\u{FF}") { body = Array(body.dropLast(2)) + [0xFF] }
            let error = #expect(throws: RiposteError.self) { try CEFParser().parse(body: body, limits: .default) }
            #expect(error?.code == .invalid)
            #expect(error?.message.hasPrefix(prefix) == true, "\(error?.message ?? "no error") for \(line)")
        }
    }

    @Test("Lines are LF or CRLF separated, blank lines skipped; limits give tooLarge")
    func linesAndLimits() throws {
        let body = Array("\u{FEFF}CEF:0|V|P|1|a|n|1|\r\n\r\n   \nCEF:0|V|P|1|b|n|1|x=y\r\n".utf8)
        let drafts = try CEFParser().parse(body: body, limits: .default)
        #expect(drafts.map(\.rule.uid) == ["a", "b"])
        #expect(drafts[1].raw == Array("CEF:0|V|P|1|b|n|1|x=y".utf8))
        let many = #expect(throws: RiposteError.self) { try CEFParser().parse(body: body, limits: IngestLimits(maxRecords: 1)) }
        #expect(many?.code == .tooLarge)
        let long = #expect(throws: RiposteError.self) {
            try CEFParser().parse(body: body, limits: IngestLimits(maxRecordBytes: 20))
        }
        #expect(long?.code == .tooLarge)
        #expect(long?.message == "record 2 (line 4): longer than 20 bytes")
    }

    @Test("Without externalId the source ref is the SHA-256 of the line, so a resent line is a duplicate")
    func sourceRefs() throws {
        let body = Array("CEF:0|V|P|1|a|n|1|src=1.2.3.4\nCEF:0|V|P|1|a|n|1|src=1.2.3.5".utf8)
        let first = try AlertIngest.parse(body: body, source: "cef")
        let second = try AlertIngest.parse(body: body, source: "cef")
        #expect(first.map(\.sourceRef) == second.map(\.sourceRef))
        #expect(first[0].sourceRef != first[1].sourceRef)
        #expect(first[0].sourceRef == "sha256:" + sha256Hex(Array("CEF:0|V|P|1|a|n|1|src=1.2.3.4".utf8)))
    }
}

/// Reads Jackson-lenient JSON: drops `//` line comments outside strings and commas before `}` or `]`.
func lenientJSON(_ bytes: [UInt8]) throws -> JSONValue {
    var output: [UInt8] = []
    var index = 0
    var inString = false
    while index < bytes.count {
        let byte = bytes[index]
        if inString {
            output.append(byte)
            if byte == UInt8(ascii: "\\"), index + 1 < bytes.count {
                output.append(bytes[index + 1])
                index += 1
            } else if byte == UInt8(ascii: "\"") {
                inString = false
            }
        } else if byte == UInt8(ascii: "/"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "/") {
            while index < bytes.count, bytes[index] != 0x0A { index += 1 }
            continue
        } else if byte == UInt8(ascii: "}") || byte == UInt8(ascii: "]") {
            while let last = output.last, last == 0x20 || last == 0x0A || last == 0x0D || last == 0x09 { output.removeLast() }
            if output.last == UInt8(ascii: ",") { output.removeLast() }
            output.append(byte)
        } else {
            if byte == UInt8(ascii: "\"") { inString = true }
            output.append(byte)
        }
        index += 1
    }
    return try JSONParser.parse(output)
}
