// STIX 2.1 imports: every corpus bundle (OASIS examples, the ATT&CK file store, a TAXII collection), lifecycle
// fields, TLP and identities, and bad objects reported by index and id while the rest imports.
import Foundation
import RiposteCore
import RiposteIntel
import RiposteTesting
import Testing

@Suite("STIX bundle import")
struct STIXBundleImporterTests {
    let options: IndicatorImportOptions

    init() throws {
        options = try IndicatorImportOptions(feed: "stix-test", firstSeen: Date(timeIntervalSince1970: 1_700_000_000))
    }

    func importCorpus(_ path: String) throws -> STIXImportResult {
        try STIXBundleImporter.parse(Corpus.contents("threat_intel/stix/" + path), options: options)
    }

    @Test("The OASIS C2 IP indicator imports with its lifecycle")
    func c2Address() throws {
        let result = try importCorpus("oasis-indicator-for-c2-ip-address.json")
        #expect(result.errors.isEmpty)
        #expect(result.objectCount == 1)
        let indicator = try #require(result.indicators.first)
        #expect(result.indicators.count == 1)
        #expect(indicator.type == .ipv4 && indicator.value == "10.0.0.0")
        #expect(indicator.sourceRef == "indicator--33fe3b22-0201-47cf-85d0-97c02164528d")
        #expect(indicator.label == "malicious-activity")
        #expect(indicator.description == "IP Address for known C2 channel")
        #expect(indicator.validFrom == Date(timeIntervalSince1970: 1_399_539_600))  // 2014-05-08T09:00:00.000000Z
        #expect(indicator.validUntil == nil && !indicator.revoked && indicator.feed == "stix-test")
    }

    @Test("Indicators resolve created_by_ref to the identity in the bundle; other objects count as skipped")
    func withCourseOfAction() throws {
        let result = try importCorpus("oasis-indicators-for-C2-with-COA.json")
        #expect(result.errors.isEmpty)
        #expect(result.records.map(\.createdBy) == Array(repeating: "The MITRE Corporation - DHS Support Team", count: 2))
        #expect(
            result.indicators.map { "\($0.type):\($0.value)" } == [
                "ipv4:10.0.0.0", "sha256:ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c",
            ])
        #expect(result.skippedByType == ["relationship": 3, "identity": 1, "malware": 1, "course-of-action": 1])
    }

    @Test("A bundle without indicators imports its SCOs as observables and skips the other objects by type")
    func infrastructure() throws {
        let result = try importCorpus("oasis-infrastructure.json")
        #expect(result.errors.isEmpty && result.records.isEmpty && result.unknownTypes.isEmpty)
        #expect(result.skippedByType == ["relationship": 4, "infrastructure": 2, "malware": 2])
        #expect(
            result.observables.map(\.id) == [
                "ipv4-addr--1e4ffad7-0b88-41d4-ba4d-77d27490b956", "domain-name--ecb120bf-2694-4902-a737-62b74539a41b",
            ])
        #expect(
            result.observables.flatMap(\.observables) == [
                ObservableDraft(type: .ipv4, normalizedValue: "198.51.100.3"),
                ObservableDraft(type: .domain, normalizedValue: "example.com"),
            ])
    }

    @Test("SCOs give the observables Riposte extracts; a bad value is an error for that object only")
    func observables() throws {
        let sha256 = String(repeating: "A", count: 64)
        let objects = [
            #"{"type":"file","id":"file--00000000-0000-4000-8000-000000000001","hashes":{"MD5":"79054025255FB1A26E4BC422AEF54EB4","SHA-256":"\#(sha256)","SSDEEP":"3:a:b"},"name":"x.exe"}"#,
            #"{"type":"ipv4-addr","id":"ipv4-addr--00000000-0000-4000-8000-000000000002","value":"198.51.100.0/24"}"#,
            #"{"type":"ipv6-addr","id":"ipv6-addr--00000000-0000-4000-8000-000000000003","value":"2001:DB8::1/128"}"#,
            #"{"type":"user-account","id":"user-account--00000000-0000-4000-8000-000000000004","account_login":"Peter"}"#,
            #"{"type":"process","id":"process--00000000-0000-4000-8000-000000000005","pid":4}"#,
            #"{"type":"ipv4-addr","id":"ipv4-addr--00000000-0000-4000-8000-000000000006","value":"evil.example"}"#,
            #"{"type":"url","id":"url--00000000-0000-4000-8000-000000000007"}"#,
            #"{"type":"file","id":"file--00000000-0000-4000-8000-000000000008","hashes":{"SHA-1":"zz"}}"#,
            #"{"type":"email-addr","id":"email-addr--00000000-0000-4000-8000-000000000009","value":"Bad@Evil.Example"}"#,
        ]
        let result = try STIXBundleImporter.parse(Array(("[" + objects.joined(separator: ",") + "]").utf8), options: options)
        #expect(result.observables.map(\.index) == [0, 1, 2, 3, 4, 8])
        #expect(
            result.observables.map(\.objectType) == ["file", "ipv4-addr", "ipv6-addr", "user-account", "process", "email-addr"])
        #expect(
            result.observables.map(\.observables) == [
                [
                    ObservableDraft(type: .md5, normalizedValue: "79054025255fb1a26e4bc422aef54eb4"),
                    ObservableDraft(type: .sha256, normalizedValue: String(repeating: "a", count: 64)),
                ],
                [], [ObservableDraft(type: .ipv6, normalizedValue: "2001:db8::1")],
                [ObservableDraft(type: .username, normalizedValue: "Peter")], [],
                [ObservableDraft(type: .email, normalizedValue: "bad@evil.example")],
            ])
        #expect(result.errors.map(\.index) == [5, 6, 7])
        #expect(
            result.errors.map(\.reason) == [
                "value 'evil.example' is not a valid address or CIDR", "missing 'value'", "hashes.SHA-1 is not a valid sha1",
            ])
        #expect(result.indicators.isEmpty && result.skippedByType.isEmpty)
    }

    @Test("MATCHES patterns are kept for evaluation and match a suitable alert")
    func maliciousEmail() throws {
        let result = try importCorpus("oasis-malicious-email-indicator-with-attachment.json")
        #expect(result.errors.isEmpty && result.indicators.isEmpty)
        #expect(result.evaluatedPatterns.count == 2)
        let subject = try #require(result.evaluatedPatterns.first { $0.record.name == "Malicious E-mail" })
        #expect(subject.record.pattern == "[email-message:subject MATCHES '^[IMPORTANT] Please Review Before']")
        // The subject is not an observable Riposte extracts, so no alert can match it.
        let evaluator = try STIXPatternEvaluator(subject.pattern)
        #expect(!evaluator.matches([ObservableDraft(type: .email, normalizedValue: "a@b.example")]))
    }

    @Test("The APT1 report: CIDRs, domains and MD5s are indexed; certificate patterns are evaluated")
    func apt1() throws {
        let result = try importCorpus("oasis-threat-report-apt1.json")
        #expect(result.errors.isEmpty)
        #expect(result.records.count == 12)
        #expect(
            result.indicators.filter { $0.type == .cidr4 }.map(\.value) == [
                "223.166.0.0/15", "58.246.0.0/15", "112.64.0.0/15", "139.226.0.0/15",
            ])
        #expect(
            result.indicators.filter { $0.type == .domain }.map(\.value) == ["hugesoft.org", "arrowservice.net", "msnhome.org"])
        #expect(result.indicators.filter { $0.type == .md5 }.count == 3)
        #expect(result.indicators.count == 10)
        #expect(result.evaluatedPatterns.map(\.record.name).allSatisfy { $0?.hasPrefix("Appendix F SSL Certificate") == true })
        #expect(result.evaluatedPatterns.count == 2)
        #expect(result.skippedByType["relationship"] == 30 && result.skippedByType["tool"] == 10)
        let index = IndicatorIndex(indicators: result.indicators)
        #expect(index.lookup(.ipv4, "223.167.1.1").map(\.match) == [.cidr])
    }

    @Test("Every file of the ATT&CK file store imports without errors")
    func attackFileStore() throws {
        let root = try Corpus.url("threat_intel/stix/attack-mini-filestore-v21")
        let files = try #require(FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil))
            .compactMap { $0 as? URL }.filter { $0.pathExtension == "json" }
        #expect(files.count == 31)
        var skipped: [String: Int] = [:]
        var observables: [STIXObservableRecord] = []
        for file in files {
            let result = try STIXBundleImporter.parse(Data(contentsOf: file), options: options)
            #expect(result.errors.isEmpty, "\(file.lastPathComponent): \(result.errors)")
            skipped.merge(result.skippedByType, uniquingKeysWith: +)
            observables += result.observables
        }
        // The one SCO, a directory, carries nothing Riposte matches.
        #expect(observables.map(\.id) == ["directory--572827aa-e0cd-44fd-afd5-a717a7585f39"])
        #expect(observables.allSatisfy { $0.observables.isEmpty })
        #expect(
            skipped == [
                "attack-pattern": 6, "course-of-action": 2, "identity": 2, "intrusion-set": 2, "malware": 7,
                "marking-definition": 1, "relationship": 8, "tool": 2,
            ])
    }

    @Test("A TAXII collection's objects import, a repeated value counted once")
    func taxiiCollection() throws {
        let document = try JSONParser.parse(Array(Corpus.contents("threat_intel/taxii/medallion-default_data.json")))
        let collection = try #require(document["trustgroup1"]?["collections"]?.arrayValue?[2]["objects"]?.arrayValue)
        let result = try STIXBundleImporter.importObjects(collection, options: options)
        #expect(result.errors.isEmpty)
        #expect(result.records.count == 4)
        #expect(
            result.indicators.map(\.value) == [
                "ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c", "http://z4z10farb.cn/4712",
                "http://x4z9arb.cn/4712",
            ])
        #expect(result.duplicateCount == 1)
    }

    static let tlp2Amber = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"
    static let tlp1Green = "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"

    func indicatorJSON(
        id: String = "indicator--00000000-0000-4000-8000-000000000001", pattern: String = "[ipv4-addr:value = '192.0.2.1']",
        extra: String = ""
    ) -> String {
        #"{"type":"indicator","spec_version":"2.1","id":"\#(id)","created":"2020-01-01T00:00:00.000Z","modified":"2020-01-01T00:00:00.000Z","pattern":"\#(pattern)","pattern_type":"stix","valid_from":"2020-01-01T00:00:00Z"\#(extra)}"#
    }

    @Test("Lifecycle, confidence, TLP 1.0 and 2.0 markings and a bundle-defined TLP marking are read")
    func lifecycle() throws {
        let custom = "marking-definition--00000000-0000-4000-8000-0000000000aa"
        let bundle = """
            {"type":"bundle","id":"bundle--00000000-0000-4000-8000-000000000000","objects":[
            \(indicatorJSON(extra: #","valid_until":"2021-01-01T00:00:00Z","revoked":true,"confidence":85,"object_marking_refs":["\#(Self.tlp1Green)","\#(Self.tlp2Amber)"]"#)),
            \(indicatorJSON(id: "indicator--00000000-0000-4000-8000-000000000002", pattern: "[domain-name:value = 'evil.example']", extra: #","object_marking_refs":["\#(custom)"]"#)),
            {"type":"marking-definition","spec_version":"2.1","id":"\(custom)","created":"2020-01-01T00:00:00Z","definition_type":"tlp","definition":{"tlp":"red"}}
            ]}
            """
        let result = try STIXBundleImporter.parse(Array(bundle.utf8), options: options)
        #expect(result.errors.isEmpty)
        let first = try #require(result.indicators.first)
        #expect(first.revoked && first.confidence == 85 && first.tlp == .amber)
        #expect(first.validUntil == Date(timeIntervalSince1970: 1_609_459_200))
        #expect(result.indicators.last?.tlp == .red)
        #expect(result.activeIndicators(at: Date(timeIntervalSince1970: 1_600_000_000)).map(\.value) == ["evil.example"])
        #expect(result.activeIndicators(at: Date(timeIntervalSince1970: 1_500_000_000)).isEmpty)  // before valid_from
    }

    @Test("Bad objects are reported with index and id, unknown types counted, while the rest of the bundle imports")
    func perObjectErrors() throws {
        let objects = [
            indicatorJSON(pattern: "[ipv4-addr:value = '192.0.2.1'"),
            indicatorJSON(id: "indicator--00000000-0000-4000-8000-000000000002", pattern: "[ipv4-addr:value = 'nope']"),
            #"{"type":"weird-thing","id":"weird-thing--00000000-0000-4000-8000-000000000003"}"#,
            #"{"type":"x-custom","id":"x-custom--00000000-0000-4000-8000-000000000004"}"#,
            #"{"type":"indicator","id":"indicator--not-a-uuid"}"#,
            #"42"#,
            indicatorJSON(id: "indicator--00000000-0000-4000-8000-000000000007", extra: #","confidence":101"#)
                .replacingOccurrences(of: #""pattern_type":"stix","#, with: ""),
            indicatorJSON(id: "indicator--00000000-0000-4000-8000-000000000008")
                .replacingOccurrences(of: #""pattern_type":"stix""#, with: #""pattern_type":"yara""#),
            indicatorJSON(
                id: "indicator--00000000-0000-4000-8000-000000000009", extra: #","valid_until":"2019-01-01T00:00:00Z""#),
            indicatorJSON(
                id: "indicator--00000000-0000-4000-8000-000000000010", pattern: "[domain-name:value MATCHES '(a)\\\\\\\\1']"),
            indicatorJSON(id: "indicator--00000000-0000-4000-8000-000000000011", pattern: "[url:value = 'http://ok.example/']"),
        ]
        let bundle =
            #"{"type":"bundle","id":"bundle--00000000-0000-4000-8000-000000000000","objects":["# + objects.joined(separator: ",")
            + "]}"
        let result = try STIXBundleImporter.parse(Array(bundle.utf8), options: options)
        #expect(result.errors.map(\.index) == [0, 1, 4, 5, 6, 8, 9])
        #expect(result.errorCount == 7)
        #expect(result.errors[0].id == "indicator--00000000-0000-4000-8000-000000000001")
        #expect(result.errors[0].reason.hasPrefix("pattern column 31: expected ']'"))
        #expect(result.errors[1].reason.contains("'nope' is not a valid IPv4"))
        #expect(result.errors[2].reason.contains("is not 'indicator--<UUID>'"))
        #expect(result.errors[3].reason == "not a JSON object" && result.errors[3].id == nil)
        #expect(result.errors[4].reason == "missing 'pattern_type'")
        #expect(result.errors[5].reason == "valid_until is not after valid_from")
        #expect(result.errors[6].reason.contains("back-references"))
        #expect(result.unknownTypes == ["weird-thing": 1])
        #expect(
            result.errors[0].description.hasPrefix(
                "object 0 (indicator--00000000-0000-4000-8000-000000000001): pattern column 31"))
        #expect(result.skippedByType == ["x-custom": 1])
        #expect(result.unsupportedPatternTypes == ["yara": 1])
        #expect(result.indicators.map(\.value) == ["http://ok.example/"])
    }

    @Test("Objects are read one at a time: invalid JSON in one object is that object's error; later identities resolve")
    func streamed() throws {
        let identity = "identity--00000000-0000-4000-8000-0000000000bb"
        let broken = #"{"type":"indicator","id":"indicator--00000000-0000-4000-8000-000000000002","pattern":tru}"#
        let prefix =
            #"{"id":"bundle--00000000-0000-4000-8000-000000000000","objects":[ "#
            + indicatorJSON(extra: #","created_by_ref":"\#(identity)""#) + ", "
        let bundle =
            prefix + broken
            + #",{"type":"identity","spec_version":"2.1","id":"\#(identity)","name":"Example CERT"}],"type":"bundle"}"#
        let result = try STIXBundleImporter.parse(Array(bundle.utf8), options: options)
        #expect(result.objectCount == 3 && result.errorCount == 1)
        let offset = prefix.utf8.count + broken.utf8.count - 1  // the '}' after 'tru'
        #expect(result.errors.first?.description.hasPrefix("object 1: invalid JSON: unexpected ") == true)
        #expect(result.errors.first?.description.hasSuffix("expected a value at byte \(offset)") == true)
        #expect(result.records.map(\.createdBy) == ["Example CERT"])
        #expect(result.indicators.map(\.value) == ["192.0.2.1"])

        // A bare array and a TAXII envelope are read the same way; JSON broken outside the objects fails the whole input.
        let array = try STIXBundleImporter.parse(Array("[\(indicatorJSON())]".utf8), options: options)
        #expect(array.indicators.map(\.value) == ["192.0.2.1"])
        let envelope = try STIXBundleImporter.parse(
            Array(#"{"more":false,"objects":[\#(indicatorJSON())]}"#.utf8), options: options)
        #expect(envelope.indicators.map(\.value) == ["192.0.2.1"])
        for text in [
            #"{"type":"bundle","id":[1,,2],"objects":[]}"#, #"{"type":"bundle","objects":[] "#,
            #"{"type":"bundle","objects":[{}] x"#, #"[{"a":1} {"b":2}]"#,
        ] {
            #expect { try STIXBundleImporter.parse(Array(text.utf8), options: options) } throws: {
                ($0 as? RiposteError)?.message.hasPrefix("invalid JSON:") == true
            }
        }
    }

    @Test("Input that is not STIX at all is rejected as a whole with a clear error")
    func notSTIX() {
        for (text, fragment) in [
            ("{\"type\":\"bundle\",\"objects\":[", "invalid JSON"), ("\"text\"", "neither a STIX bundle"),
            ("{\"type\":\"bundle\"}", "no 'objects'"), ("{\"hello\":1}", "neither a STIX bundle"),
        ] {
            #expect { try STIXBundleImporter.parse(Array(text.utf8), options: options) } throws: {
                ($0 as? RiposteError)?.message.contains(fragment) == true
            }
        }
        let limits = STIXImportLimits(maxBytes: 10)
        #expect { try STIXBundleImporter.parse(Array("[                 ]".utf8), options: options, limits: limits) } throws: {
            ($0 as? RiposteError)?.code == .tooLarge
        }
    }
}
