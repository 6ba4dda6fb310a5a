// LEEF: IBM's documented 1.0 and 2.0 examples, delimiters, devTime formats, the mapping, and errors.
import Foundation
import RiposteCore
import Testing

@testable import RiposteIngest

@Suite("LEEF parser")
struct LEEFParserTests {
    @Test("LEEF 1.0, tab-delimited (IBM's example)")
    func leef10() throws {
        let record = try LEEFEvent.parse(
            Array("LEEF:1.0|Microsoft|MSExchange|2016|15345|src=10.50.1.1\tdst=2.10.20.20\tspt=1200".utf8))
        #expect(
            record.event
                == LEEFEvent(
                    version: "1.0", vendor: "Microsoft", product: "MSExchange", productVersion: "2016", eventID: "15345",
                    delimiter: "\t",
                    attributes: [EventField("src", "10.50.1.1"), EventField("dst", "2.10.20.20"), EventField("spt", "1200")]))
        #expect(record.syslogHeader == nil)
    }

    @Test("LEEF 2.0 with '^', and the same delimiter written as x5E or 0x5E; tab as 0x09")
    func leef20Delimiters() throws {
        let attributes = [EventField("src", "10.0.1.8"), EventField("dst", "10.0.0.5"), EventField("sev", "5")]
        for delimiter in ["^", "x5E", "0x5E", "0x5e"] {
            let line = "LEEF:2.0|Lancope|StealthWatch|1.0|41|\(delimiter)|src=10.0.1.8^dst=10.0.0.5^sev=5"
            let event = try LEEFEvent.parse(Array(line.utf8)).event
            #expect(event.delimiter == "^")
            #expect(event.attributes == attributes, "\(delimiter)")
        }
        for delimiter in ["x09", "0x09", "0x9", ""] {
            let line = "LEEF:2.0|Lancope|StealthWatch|1.0|41|\(delimiter)|src=10.0.1.8\tdst=10.0.0.5\tsev=5"
            #expect(try LEEFEvent.parse(Array(line.utf8)).event.attributes == attributes, "\(delimiter)")
        }
        let multibyte = try LEEFEvent.parse(Array("LEEF:2.0|V|P|1|41|0xA6|a=1¦b=2".utf8)).event
        #expect(multibyte.attributes == [EventField("a", "1"), EventField("b", "2")])
    }

    @Test("LEEF 1.0 written with spaces, values with '=' and a delimiter inside a value")
    func leniency() throws {
        let spaced = try LEEFEvent.parse(
            Array("LEEF:1.0|Microsoft|MSExchange|2016|15345|src=10.50.1.1  dst=2.10.20.20  spt=1200".utf8))
        #expect(spaced.event.attributes.map(\.value) == ["10.50.1.1", "2.10.20.20", "1200"])
        let values = try LEEFEvent.parse(Array("LEEF:2.0|V|P|1|7|^|url=http://x/?a=b^msg=x^y^cat=c".utf8)).event
        #expect(values.attributes == [EventField("url", "http://x/?a=b"), EventField("msg", "x^y"), EventField("cat", "c")])
    }

    @Test("Syslog headers before LEEF, RFC 3164 and RFC 5424 (IBM's examples)")
    func syslogHeaders() throws {
        let body = "LEEF:1.0|Microsoft|MSExchange|2013 SP1|15345|src=192.0.2.0\tdst=172.50.123.1\tsev=5"
        let cases: [(String, String?, String?)] = [
            ("<13>Jan 18 11:07:53 192.168.1.1 ", "192.168.1.1", "2019-01-18T11:07:53Z"),
            ("Jan 18 11:07:53 myhostname ", "myhostname", "2019-01-18T11:07:53Z"),
            ("<13>1 2019-01-18T11:07:53.520Z 192.168.1.1 ", "192.168.1.1", "2019-01-18T11:07:53.520Z"),
            ("<133>1 2019-01-18T11:07:53.520+07:00 myhostname ", "myhostname", "2019-01-18T04:07:53.520Z"),
        ]
        for (header, host, time) in cases {
            let draft = try #require(try LEEFParser(year: 2019).parse(body: Array((header + body).utf8), limits: .default).first)
            #expect(draft.hostName == host, "\(header)")
            #expect(draft.time == time.flatMap { EventTime.parse($0) }, "\(header)")
            #expect(draft.severity == .medium)
            #expect(draft.rule.uid == "15345")
        }
    }

    @Test("devTime with devTimeFormat patterns, and the default forms")
    func devTimes() throws {
        let cases: [(String, String)] = [
            ("devTime=Apr 13 2015 06:52:00 GMT+00:00\tdevTimeFormat=MMM dd yyyy HH:mm:ss z", "2015-04-13T06:52:00Z"),
            ("devTime=2016-02-29T23:01:02.345+0130\tdevTimeFormat=yyyy-MM-dd'T'HH:mm:ss.SSSZ", "2016-02-29T21:31:02.345Z"),
            ("devTimeFormat=dd/MM/yy hh:mm:ss a\tdevTime=05/11/24 07:08:09 PM", "2024-11-05T19:08:09Z"),
            ("devTime=20240105120000\tdevTimeFormat=yyyyMMddHHmmss", "2024-01-05T12:00:00Z"),
            ("devTime=Fri, 05 Jan 2024 12:00:00 EST\tdevTimeFormat=EEE, dd MMM yyyy HH:mm:ss z", "2024-01-05T17:00:00Z"),
            ("devTime=1704456000000", "2024-01-05T12:00:00Z"),
            ("devTime=Jan 05 2024 12:00:00", "2024-01-05T12:00:00Z"),
        ]
        for (attributes, expected) in cases {
            let draft = try #require(
                try LEEFParser().parse(body: Array("LEEF:1.0|V|P|1|e|\(attributes)".utf8), limits: .default).first)
            #expect(draft.time == EventTime.parse(expected), "\(attributes)")
        }
    }

    @Test("A body alternating among more devTimeFormats than the pattern cache keeps reads each line as alone")
    func alternatingDevTimeFormats() throws {
        let lines = (0..<(JavaDateFormatCache.capacity + 2)).map { minute in
            "LEEF:1.0|V|P|1|e|devTime=\(minute)2024010512\(minute + 10)00\tdevTimeFormat='\(minute)'yyyyMMddHHmmss"
        }
        let body = (lines + lines.reversed() + lines).joined(separator: "\n")
        let drafts = try LEEFParser().parse(body: Array(body.utf8), limits: .default)
        for (line, draft) in zip(lines + lines.reversed() + lines, drafts) {
            let alone = try #require(try LEEFParser().parse(body: Array(line.utf8), limits: .default).first)
            #expect(draft.time == alone.time, "\(line)")
            #expect(draft.time != nil, "\(line)")
        }
        #expect(drafts.count == 3 * lines.count)
    }

    @Test("The mapping fills endpoints, user, category, severity, host and observables")
    func mapping() throws {
        let line =
            "Dec 16 06:38:57 ddei-172 LEEF:2.0|Trend Micro|Deep Discovery|5.1|CTP_DETECTION|x7C|src=10.1.2.3|srcPort=4444|"
            + "dst=2001:DB8::1|dstPort=443|usrName=joe.black|cat=Anomaly|sev=8|url=https://g9yxzah7yu23n.com/x|"
            + "identHostName=ws-7.corp.example|identSrc=10.1.2.4"
        let draft = try #require(try LEEFParser(year: 2020).parse(body: Array(line.utf8), limits: .default).first)
        #expect(draft.title == "Trend Micro Deep Discovery: CTP_DETECTION")
        #expect(draft.rule == DetectionRule(uid: "CTP_DETECTION", category: "Anomaly"))
        #expect(draft.severity == .high)
        #expect(draft.time == EventTime.parse("2020-12-16T06:38:57Z"))
        #expect(draft.sourceEndpoint == Endpoint(ip: "10.1.2.3", port: 4444))
        #expect(draft.destinationEndpoint == Endpoint(ip: "2001:db8::1", port: 443))
        #expect(draft.hostName == "ddei-172")
        #expect(draft.userName == "joe.black")
        #expect(draft.sourceRef == "sha256:" + sha256Hex(Array(line.utf8)))
        #expect(
            draft.observables == [
                ObservableDraft(.ipv4, "10.1.2.3")!, ObservableDraft(.ipv6, "2001:db8::1")!, ObservableDraft(.ipv4, "10.1.2.4")!,
                ObservableDraft(.domain, "ws-7.corp.example")!, ObservableDraft(.username, "joe.black")!,
                ObservableDraft(.url, "https://g9yxzah7yu23n.com/x")!,
            ])
    }

    @Test("Bad lines fail with the record, line, column and byte")
    func errors() throws {
        let cases: [(String, String)] = [
            ("CEF:0|a|b|c|d|e|f|", "record 1 (line 1): no 'LEEF:' header"),
            ("LEEF:1.0|V|P", "record 1 (line 1): LEEF header has 3 of 5 fields"),
            ("LEEF:3.0|V|P|1|e|", "record 1 (line 1): LEEF version '3.0' is not 1.0 or 2.0 at column 6 (byte 5)"),
            (
                "LEEF:2.0|V|P|1|e|0xZZ|a=b",
                "record 1 (line 1): LEEF 2.0 delimiter '0xZZ' is not one character or 0x/x and 1-4 hex digits at column 18"
            ),
            ("LEEF:1.0|V|P|1|e|novalue", "record 1 (line 1): expected key=value, found 'novalue' at column 18 (byte 17)"),
            ("LEEF:1.0|V|P|1|e|sev=high", "record 1 (line 1): sev 'high' is not a number 0-10 at column 22 (byte 21)"),
            (
                "\nLEEF:1.0|V|P|1|e|a=b\tsrc=1.2.3.4.5",
                "record 1 (line 2): src '1.2.3.4.5' is not an IP address at column 26 (byte 26)"
            ),
            (
                "LEEF:1.0|V|P|1|e|devTime=x\tdevTimeFormat=yyyy QQ",
                "record 1 (line 1): devTimeFormat 'yyyy QQ' is not a supported"
            ),
            (
                "LEEF:1.0|V|P|1|e|devTime=x\tdevTimeFormat=yyyy",
                "record 1 (line 1): devTime 'x' does not match devTimeFormat 'yyyy'"
            ),
        ]
        for (line, prefix) in cases {
            let error = #expect(throws: RiposteError.self) { try LEEFParser().parse(body: Array(line.utf8), limits: .default) }
            #expect(error?.code == .invalid)
            #expect(error?.message.hasPrefix(prefix) == true, "\(error?.message ?? "no error") for \(line)")
        }
    }
}
