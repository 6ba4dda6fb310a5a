// AlertIngest and AlertParsers: the registry, and whole bodies where one bad record fails the request, named.
import RiposteCore
import RiposteIngest
import Testing

@Suite("AlertIngest")
struct AlertIngestTests {
    @Test("The registry knows every built-in source and lists them for an unknown name")
    func registry() throws {
        #expect(
            AlertParsers.names == [
                "cef", "elastic", "generic", "leef", "qradar", "sentinel", "splunk", "suricata", "syslog", "wazuh", "zeek",
            ])
        #expect(try AlertParsers.parser(named: "suricata").source == "suricata")
        #expect(try AlertParsers.parser(named: "generic").version == 1)
        let error = #expect(throws: RiposteError.self) { try AlertParsers.parser(named: "arcsight") }
        #expect(error?.code == .invalid)
        #expect(
            error?.message
                == "unknown alert source 'arcsight'; known: cef, elastic, generic, leef, qradar, sentinel, splunk, suricata, syslog, wazuh, zeek"
        )
        #expect(throws: RiposteError.self) { try AlertIngest.parse(body: bytes(#"{"title":"t"}"#), source: "Generic") }
    }

    @Test("A body of one object, an array or NDJSON gives one draft per record, raw bytes exact")
    func layouts() throws {
        let one = try AlertIngest.parse(body: bytes(#"{"title":"a"}"#), source: "generic")
        #expect(one.map(\.title) == ["a"])
        let array = try AlertIngest.parse(body: bytes("[{\"title\":\"a\"},\n {\"title\":\"b\"}]"), source: "generic")
        #expect(array.map(\.title) == ["a", "b"])
        #expect(array.map(\.raw) == [bytes(#"{"title":"a"}"#), bytes(#"{"title":"b"}"#)])
        let lines = try AlertIngest.parse(body: bytes("{\"title\":\"a\"}\r\n\r\n{\"title\":\"b\"}\r\n"), source: "generic")
        #expect(lines.map(\.raw) == [bytes(#"{"title":"a"}"#), bytes(#"{"title":"b"}"#)])
        #expect(try AlertIngest.parse(body: bytes("[]"), source: "generic").isEmpty)
    }

    @Test("One bad record fails the whole body, and the error names it")
    func allOrNothing() {
        let cases: [(String, String)] = [
            (
                "{\"title\":\"a\"}\n{\"severity\":\"high\"}\n{\"title\":\"c\"}",
                "record 2 (line 2): missing required field 'title'"
            ),
            (
                "[{\"title\":\"a\"},\n\n {\"title\":\"b\",\"src_ip\":\"x\"}]",
                "record 2 (line 3): field 'src_ip' 'x' is not an IP address"
            ),
            ("{\"title\":\"a\"}\n{\"title\": tru}", "record 2 (line 2): unexpected '}', expected a value at byte 27 (line 2)"),
            (
                "[{\"title\":\"a\"},\n{\"title\":\n \"b\",,}]",
                "record 2 (line 2): unexpected ',', expected a string key at byte 31 (line 3)"
            ),
            ("{\"title\":\"a\"}\n{\"title\":\"\\q\"}", "record 2 (line 2): invalid escape '\\q' at byte 24 (line 2)"),
        ]
        for (body, expected) in cases {
            let error = #expect(throws: RiposteError.self) { try AlertIngest.parse(body: bytes(body), source: "generic") }
            #expect(error?.code == .invalid)
            #expect(error?.message == expected)
        }
    }

    @Test("Limits apply to the whole request")
    func limits() {
        let error = #expect(throws: RiposteError.self) {
            try AlertIngest.parse(
                body: bytes("{\"title\":\"a\"}\n{\"title\":\"b\"}"), source: "generic", limits: IngestLimits(maxRecords: 1))
        }
        #expect(error?.code == .tooLarge)
        let deep = "{\"title\":\"a\",\"x\":" + String(repeating: "[", count: 70) + String(repeating: "]", count: 70) + "}"
        let depthError = #expect(throws: RiposteError.self) { try AlertIngest.parse(body: bytes(deep), source: "generic") }
        #expect(depthError?.message.contains("nesting deeper than 64 levels") == true)
    }

    @Test("A Suricata body sent twice gives the same source refs, so the store sees duplicates")
    func repeatable() throws {
        let body = bytes(SuricataEVEParserTests.httpAlert + "\n")
        let first = try AlertIngest.parse(body: body, source: "suricata")
        let second = try AlertIngest.parse(body: body, source: "suricata")
        #expect(first.map(\.sourceRef) == second.map(\.sourceRef))
        #expect(first == second)
    }
}
