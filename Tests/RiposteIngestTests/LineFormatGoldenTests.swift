// Golden drafts of the line-format and Zeek parsers: every field of every draft made from the corpus samples and the
// documented examples, compared with `Tests/Golden/line-format-drafts.txt`, so a speed-up that changes output fails.
//
// Recorded from the parsers before their byte-level rewrite; `RIPOSTE_RECORD_GOLDEN=1 swift test --filter
// LineFormatGolden` writes the file again (then review its diff: every change is a change of output).
import Foundation
import RiposteCore
import RiposteRuntime
import RiposteTesting
import Testing

@testable import RiposteIngest

@Suite("Line-format golden drafts")
struct LineFormatGoldenTests {
    @Test("CEF, LEEF, syslog and Zeek drafts are exactly the recorded ones")
    func drafts() throws {
        var golden = GoldenDrafts(file: "line-format-drafts.txt")
        let cef = try Self.cefFixtureLines()
        for year in [2010, nil] as [Int?] {
            let label = year.map(String.init) ?? "no year"
            try golden.record("cef fixtures, \(label)", CEFParser(year: year), Self.body(cef))
            try golden.record("cef examples, \(label)", CEFParser(year: year), Self.body(Self.cefExamples))
            try golden.record("leef examples, \(label)", LEEFParser(year: year), Self.body(Self.leefExamples))
            try golden.record(
                "syslog examples, \(label)", SyslogAlertParser(year: year), Self.body(Self.syslogExamples(cef: cef)))
        }
        for path in try Corpus.files(in: "siem_alerts/zeek", suffix: ".log") {
            let log = Array(try Corpus.contents(path))
            let name = path.split(separator: "/").last.map(String.init) ?? path
            try golden.record("zeek tsv \(name)", ZeekNoticeParser(), log)
            try golden.record("zeek tsv timed \(name)", ZeekNoticeParser(), Self.timedTSV(log))
            try golden.record("zeek json \(name)", ZeekNoticeParser(), Self.json(fromTSV: Self.timedTSV(log)))
        }
        try golden.expectMatchesFile()
        #expect(golden.sections.count == 8 + 3 * 6)
    }

    /// One draft, every field, on one line (the raw payload as its length and SHA-256; times in Unix milliseconds).
    static func render(_ draft: AlertDraft) -> String {
        func text(_ value: String?) -> String {
            guard let value else { return "-" }
            return "\""
                + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n")
                .replacingOccurrences(of: "\r", with: "\\r").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }
        func endpoint(_ endpoint: Endpoint) -> String {
            "\(text(endpoint.ip)):\(endpoint.port.map(String.init) ?? "-"):\(text(endpoint.hostname))"
        }
        let time = draft.time.map { String(Int64(($0.timeIntervalSince1970 * 1000).rounded())) } ?? "-"
        let observables = draft.observables.map { "\($0.type.rawValue)=\(text($0.value))" }.joined(separator: ",")
        return [
            draft.source, text(draft.sourceRef), text(draft.title), draft.severity.description, time,
            "rule(\(text(draft.rule.uid)) \(text(draft.rule.name)) \(text(draft.rule.category)))",
            "src(\(endpoint(draft.sourceEndpoint)))", "dst(\(endpoint(draft.destinationEndpoint)))",
            "host \(text(draft.hostName))", "user \(text(draft.userName))", "obs[\(observables)]",
            "raw \(draft.raw.count) \(Crypto.sha256Hex(draft.raw).prefix(16))", "v\(draft.parserVersion)",
        ].joined(separator: " ") + "\n"
    }

    static func body(_ lines: [String]) -> [UInt8] { Array(lines.joined(separator: "\n").utf8) }

    /// The `testString` of each Graylog CEF fixture.
    static func cefFixtureLines() throws -> [String] {
        try Corpus.files(in: cefFixtureDirectory, suffix: ".json").map { path in
            try #require(try lenientJSON(Array(try Corpus.contents(path))).field("testString")?.stringValue)
        }
    }

    /// The CEF spec's examples and lines that exercise every mapped field, escape and custom-field label.
    static let cefExamples = [
        #"CEF:0|Vendor|Prod|1.0|100|Name with \| pipe|7|src=10.0.0.1 dst=10.0.0.2 msg=a b c\=d cs1Label=rule cs1=r1"#,
        #"<13>Jan 18 11:07:53 host CEF:0|Vendor|Prod|1.0|100|Name with \| pipe|7|src=10.0.0.1 dst=10.0.0.2"#,
        #"<134>1 2024-01-18T11:07:53.520Z host app - - - CEF:0|Vendor|Prod|1.0|100|n|Very-High|src=10.0.0.1"#,
        #"CEF:1|V|P|1|id|n|Low|path=C:\\Windows\\x a=1\=2 m=line1\nline2\rend k=\q"#,
        "CEF:0|V|P|1|id|n|5|request=http://x/a?b=c&d=e msg=GET /a?x=1 HTTP act=ok",
        "<134>Sep 19 08:26:10 relay CEF:0|Acme|IDS|2.1|4711|Malware download|9|src=10.0.0.5 spt=51000 "
            + "dst=203.0.113.9 dpt=8080 shost=WS-042.corp.example dhost=evil.example suser=alice duser=bob "
            + "request=/payload.exe app=HTTP fileHash=44d88612fea8a8f36de82e1278abb02f cs2Label=Sender Email "
            + "cs2=Eve@Mail.Example cat=Malware rt=1305034099211 externalId=abc-1 dvchost=sensor1",
        "CEF:0|V|P|1|id||Unknown|sourceAddress=2001:DB8::1 destinationPort=443 requestUrl=/x deviceCustomString1Label=URL "
            + "deviceCustomString1=https://Evil.Example/a cs3Label=Host cs3=Mail.Evil.Example cs4Label=user cs4=eve "
            + "cs5Label=Client IP cs5=192.0.2.7 cs6Label=SHA256 cs6="
            + "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 c6a1=FE80::1 dvc=10.9.8.7",
        "CEF:0|V|P|1|id|n|3|rt=Sep 10 2010 23:54:50.123 UTC end=1305034099 dst=::ffff:1.2.3.4 dhost=10.1.1.1",
        "CEF:0|V|P|1|id|n|3|start=Jan  2 03:04:05 oldFileHash=da39a3ee5e6b4b0d3255bfef95601890afd80709 suser=x\\=y",
        "CEF:0|V|P|1|id|n|10|end=2024-02-29T12:00:00+01:00 msg=ünïcödé  trailing   ",
    ]

    /// IBM's LEEF examples and lines for every delimiter form, devTime format and mapped attribute.
    static let leefExamples = [
        "LEEF:1.0|Microsoft|MSExchange|2016|15345|src=10.50.1.1\tdst=2.10.20.20\tspt=1200",
        "LEEF:2.0|Lancope|StealthWatch|1.0|41|^|src=10.0.1.8^dst=10.0.0.5^sev=5^srcPort=81^dstPort=21",
        "LEEF:2.0|Lancope|StealthWatch|1.0|41|x5E|src=10.0.1.8^dst=10.0.0.5^sev=5",
        "LEEF:2.0|Lancope|StealthWatch|1.0|41|0x09|src=10.0.1.8\tdst=10.0.0.5\tsev=5",
        "LEEF:2.0|V|P|1|41|0xA6|a=1¦b=2¦src=10.0.0.9",
        "LEEF:2.0|V|P|1|41|src=10.0.0.9\tsev=2",
        "<13>Jan 18 11:07:53 192.168.1.1 LEEF:1.0|Microsoft|MSExchange|2013 SP1|15345|src=192.0.2.0\tdst=172.50.123.1\tsev=5\t"
            + "cat=anomaly\tsrcPort=81\tdstPort=21\tusrName=joe.black",
        "<133>1 2019-01-18T11:07:53.520+07:00 myhostname LEEF:2.0|Lancope|StealthWatch|1.0|41|0x5E|src=10.0.1.8^dst=10.0.0.5^"
            + "sev=5^cat=anomaly^devTime=Jan 18 2019 11:07:53^devTimeFormat=MMM dd yyyy HH:mm:ss^usrName=joe.black",
        "May 15 16:00:47 localhost LEEF:1.0|Trend Micro|Deep Discovery Email Inspector|2.5.1.1161|SYSTEM_EVENT|sev=3\t"
            + "deviceGUID=e57f0651-b197-42d4-a643-271c1277b5ff\tdevTime=Apr 13 2015 06:52:00 GMT+00:00\tmsg=Logout: 'admin' "
            + "logged off\tdvcmac=B0:83:FE:DD:21:98\tdevTimeFormat=MMM dd yyyy HH:mm:ss z\tdvchost=internalbeta\tdvc=10.204.253.163",
        "LEEF:1.0|Microsoft|MSExchange|2016|15345|src=10.50.1.1  dst=2.10.20.20  spt=1200 accountName=svc",
        "LEEF:2.0|V|P|1|7|^|url=http://x/?a=b^msg=x^y^cat=c^suser=root",
        "Dec 16 06:38:57 ddei-172 LEEF:2.0|Trend Micro|Deep Discovery|5.1|CTP_DETECTION|x7C|src=10.1.2.3|srcPort=4444|"
            + "dst=2001:DB8::1|dstPort=443|usrName=joe.black|cat=Anomaly|sev=8|url=https://g9yxzah7yu23n.com/x|"
            + "identHostName=ws-7.corp.example|identSrc=10.1.2.4",
        "LEEF:1.0|V|P|1|e|devTime=2016-02-29T23:01:02.345+0130\tdevTimeFormat=yyyy-MM-dd'T'HH:mm:ss.SSSZ",
        "LEEF:1.0|V|P|1|e|devTimeFormat=dd/MM/yy hh:mm:ss a\tdevTime=05/11/24 07:08:09 PM",
        "LEEF:1.0|V|P|1|e|devTime=20240105120000\tdevTimeFormat=yyyyMMddHHmmss",
        "LEEF:1.0|V|P|1|e|devTime=Fri, 05 Jan 2024 12:00:00 EST\tdevTimeFormat=EEE, dd MMM yyyy HH:mm:ss z",
        "LEEF:1.0|V|P|1|e|devTime=1704456000000\tdvchost=Sensor-1",
        "LEEF:1.0|V|P|1|e|devTime=Jan 05 12:00:00",
    ]

    /// The RFC 5424 and RFC 3164 examples, deviations the reader tolerates, and the CEF fixtures' syslog lines.
    static func syslogExamples(cef: [String]) -> [String] {
        let bom = "\u{FEFF}"
        return [
            "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - \(bom)'su root' failed for lonvick on /dev/pts/8",
            "<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It's time to make the do-nuts.",
            "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut=\"3\" "
                + "eventSource=\"Application\" eventID=\"1011\"] \(bom)An application event log entry...",
            "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut=\"3\" "
                + "eventSource=\"Application\" eventID=\"1011\"][examplePriority@32473 class=\"high\" url=\"http://evil.example/x\"]",
            "<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8",
            "<13>Feb  5 17:32:18 10.0.0.99 Use the BFG!",
            "<13>2024-01-02T03:04:05Z host1 sshd[42]: Failed password for root from 198.51.100.7 port 22 ssh2",
            "Feb  5 17:32:18 host2 kernel: blocked https://bad.example/x from 10.0.0.1 md5 44d88612fea8a8f36de82e1278abb02f",
            "<0>1 - - - - - -",
        ] + cef.filter { $0.first?.isLetter == true && !$0.hasPrefix("CEF:") }.map { "<13>" + $0 }
    }

    /// The Zeek TSV log with each masked `ts` (`XXXXXXXXXX.XXXXXX`) replaced by a time a second apart.
    static func timedTSV(_ log: [UInt8]) -> [UInt8] {
        var copy = 0
        let lines = String(decoding: log, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        return Array(
            lines.map { line -> String in
                guard line.contains("XXXXXXXXXX.XXXXXX") else { return String(line) }
                copy += 1
                return line.replacingOccurrences(of: "XXXXXXXXXX.XXXXXX", with: "\(1_711_031_886 + copy).\(copy * 1_000)")
            }
            .joined(separator: "\n").utf8)
    }

    /// The notices of a Zeek TSV log as Zeek's JSON writer prints them: unset fields left out, numbers and sets typed.
    static func json(fromTSV log: [UInt8]) -> [UInt8] {
        var fields: [Substring] = []
        var types: [Substring] = []
        var out = ""
        for line in String(decoding: log, as: UTF8.self).split(separator: "\n") {
            let parts = line.split(separator: "\t", omittingEmptySubsequences: false)
            if line.hasPrefix("#fields") { fields = Array(parts.dropFirst()) }
            if line.hasPrefix("#types") { types = Array(parts.dropFirst()) }
            guard !line.hasPrefix("#"), parts.count == fields.count, fields.count == types.count else { continue }
            var members: [String] = []
            for (name, (type, value)) in zip(fields, zip(types, parts)) where value != "-" {
                let rendered: String
                if type.hasPrefix("set[") || type.hasPrefix("vector[") {
                    let elements = value == "(empty)" ? [] : value.split(separator: ",").map { quoteJSON(String($0)) }
                    rendered = "[" + elements.joined(separator: ",") + "]"
                } else if ["time", "interval", "double", "count", "int", "port"].contains(type) {
                    rendered = String(value)
                } else if type == "bool" {
                    rendered = value == "T" ? "true" : "false"
                } else {
                    rendered = quoteJSON(value == "(empty)" ? "" : String(value))
                }
                members.append("\(quoteJSON(String(name))):\(rendered)")
            }
            out += "{" + members.joined(separator: ",") + "}\n"
        }
        return Array(out.utf8)
    }
}
