// Every SIEM source parser on malformed, truncated and randomly mutated corpus samples: a clear error or drafts, never a crash or a hang.
import Foundation
import RiposteCore
import RiposteIngest
import RiposteTesting
import Testing

@Suite("Source parser robustness")
struct SourceParserRobustnessTests {
    /// Each parser with a valid body built from its corpus samples.
    static func cases() throws -> [(String, [UInt8])] {
        func corpus(_ path: String) throws -> [UInt8] { Array(try Corpus.contents(path)) }
        let sentinel = try JSONParser.parse(corpus("siem_alerts/sentinel/azure-rest-api-specs_GetIncidentById.json"))
        let zeek = try Corpus.files(in: "siem_alerts/zeek", suffix: ".log").flatMap { try corpus($0) }
        return [
            ("splunk", try corpus("siem_alerts/splunk/demisto-splunk-es-notable-event.json")),
            ("qradar", try corpus("siem_alerts/qradar/demisto-qradar-offenses-list-response.json")),
            ("wazuh", try corpus("siem_alerts/wazuh/wazuh-qa_sshd-bruteforce-5712-alert.json")),
            ("sentinel", bytes(writeJSON(sentinel[path: "responses.200.body"] ?? .null))),
            ("elastic", bytes(ElasticAlertParserTests.flat.replacingOccurrences(of: "\n", with: ""))),
            ("zeek", zeek),
            ("zeek", bytes(#"{"ts":1394747126.855035,"note":"Scan::Port_Scan","msg":"scan seen","src":"10.0.0.5","p":22}"#)),
        ]
    }

    /// True when `error` is a clear ingest error: `.invalid` or `.tooLarge`, naming the record or line.
    static func isClear(_ error: RiposteError) -> Bool {
        guard error.code == .invalid || error.code == .tooLarge else { return false }
        return error.message.contains("line ") || error.message.hasPrefix("request body is empty")
    }

    @Test("Every sample parses before mutation")
    func samplesParse() throws {
        for (source, body) in try Self.cases() {
            #expect(try !AlertIngest.parse(body: body, source: source).isEmpty, "\(source)")
        }
    }

    @Test("Every truncation of every sample gives drafts or a clear error naming the record or line")
    func truncations() throws {
        for (source, body) in try Self.cases() {
            let step = max(1, body.count / 400)
            for length in stride(from: 0, to: body.count, by: step) {
                do {
                    _ = try AlertIngest.parse(body: Array(body[..<length]), source: source)
                } catch let error as RiposteError {
                    #expect(Self.isClear(error), "\(source) cut at \(length): \(error.code): \(error.message)")
                }
            }
        }
    }

    @Test("Seeded random mutations never crash, hang or give an unclear error")
    func mutations() throws {
        var random = SplitMix64(seed: 0x5EED_1A7E)
        let specials: [UInt8] = Array("{}[]\",:\\\t\n#-.0x".utf8) + [0x00, 0x80, 0xC3, 0xFF, 0xED]
        let clock = ContinuousClock()
        for (source, body) in try Self.cases() {
            let start = clock.now
            for _ in 0..<300 {
                var mutated = body
                for _ in 0..<Int.random(in: 1...4, using: &random) where !mutated.isEmpty {
                    let at = Int.random(in: 0..<mutated.count, using: &random)
                    switch Int.random(in: 0..<4, using: &random) {
                    case 0: mutated[at] = specials.randomElement(using: &random)!
                    case 1: mutated.insert(specials.randomElement(using: &random)!, at: at)
                    case 2: mutated.removeSubrange(at..<min(mutated.count, at + Int.random(in: 1...16, using: &random)))
                    default: mutated[at] = UInt8.random(in: 0...255, using: &random)
                    }
                }
                do {
                    for draft in try AlertIngest.parse(body: mutated, source: source) {
                        #expect(!draft.title.isEmpty && !draft.sourceRef.isEmpty, "\(source)")
                    }
                } catch let error as RiposteError {
                    #expect(Self.isClear(error), "\(source): \(error.code): \(error.message)")
                }
            }
            #expect(clock.now - start < .seconds(10), "\(source): 300 mutated bodies took \(clock.now - start)")
        }
    }

    @Test("Hostile shapes: deep nesting, many records, long lines, huge entity lists and paths into wide objects")
    func hostile() throws {
        let deep = "{\"a\":" + String(repeating: "[", count: 200) + String(repeating: "]", count: 200) + "}"
        for source in ["splunk", "elastic", "sentinel", "qradar", "wazuh", "zeek"] {
            let error = #expect(throws: RiposteError.self) { try AlertIngest.parse(body: bytes(deep), source: source) }
            #expect(error?.message.contains("nesting deeper than 64 levels") == true, "\(source)")
        }
        let many = String(repeating: #"{"id":1,"description":"d"}"# + "\n", count: 11)
        let tooMany = #expect(throws: RiposteError.self) {
            try AlertParsers.parser(named: "qradar").parse(body: bytes(many), limits: IngestLimits(maxRecords: 10))
        }
        #expect(tooMany?.code == .tooLarge)
        let header = "#separator \\x09\n#fields\tts\tnote\tmsg\n"
        let zeekMany = header + String(repeating: "1.0\tN\tm\n", count: 11)
        let zeekError = #expect(throws: RiposteError.self) {
            try ZeekNoticeParser().parse(body: bytes(zeekMany), limits: IngestLimits(maxRecords: 10))
        }
        #expect(zeekError?.message == "the body has more than 10 notices")
        let longLine = #expect(throws: RiposteError.self) {
            try ZeekNoticeParser().parse(
                body: bytes(header + String(repeating: "x", count: 2_000)), limits: IngestLimits(maxRecordBytes: 1_000))
        }
        #expect(longLine?.message == "line 3: longer than 1000 bytes")
        let elasticList =
            #"{"alerts":["# + Array(repeating: #"{"kibana.alert.rule.name":"r"}"#, count: 11).joined(separator: ",") + "]}"
        let listError = #expect(throws: RiposteError.self) {
            try ElasticAlertParser().parse(body: bytes(elasticList), limits: IngestLimits(maxRecords: 10))
        }
        #expect(listError?.message == "record 1 (line 1): the body holds more than 10 alerts")
        let entities =
            "[" + Array(repeating: #"{"kind":"Ip","properties":{"address":"10.0.0.1"}}"#, count: 10_001).joined(separator: ",")
            + "]"
        let entityError = #expect(throws: RiposteError.self) {
            try SentinelAlertParser().parse(
                body: bytes(#"{"incident":{"properties":{"title":"t"}},"entities":"# + entities + "}"),
                limits: IngestLimits(maxRecordBytes: 1 << 22))
        }
        #expect(entityError?.code == .tooLarge)

        // A wide object and a long path: resolution stays linear (one scan per component).
        let wide = "{" + (0..<20_000).map { "\"k\($0)\":\($0)" }.joined(separator: ",") + ",\"a\":{\"b\":\"t\"}}"
        let mapping = try AlertMapping(
            json: bytes(#"{"title": ["x.y.z.w", "a.b"], "observables": [{"path": "k1.k2.k3.k4.k5.k6.k7.k8", "type": "text"}]}"#))
        let clock = ContinuousClock()
        let start = clock.now
        let drafts = try MappedAlertParser(name: "m", mapping: mapping).parse(body: bytes(wide))
        #expect(drafts.map(\.title) == ["t"])
        #expect(clock.now - start < .seconds(2))
    }
}
