// MISP imports over the corpus events and the feed directory (event file, manifest.json, hashes.csv).
import FoundationEssentials
import RiposteCore
import RiposteIntel
import RiposteTesting
import Testing

@Suite("MISP import")
struct MISPImportTests {
    let options: IndicatorImportOptions

    init() throws {
        options = try IndicatorImportOptions(feed: "misp-test", firstSeen: Date(timeIntervalSince1970: 1_700_000_000))
    }

    func importEvent(_ path: String) throws -> MISPImportResult {
        try MISPEventImporter.parse(Corpus.contents("threat_intel/misp/" + path), options: options)
    }

    func counts(_ result: MISPImportResult) -> [IndicatorType: Int] {
        result.indicators.reduce(into: [:]) { $0[$1.type, default: 0] += 1 }
    }

    @Test("ASERT Four-Element Sword: detection attributes import; scheme-less 'url' values are reported")
    func fourElementSword() throws {
        let result = try importEvent("misp-event-osint-asert-four-element-sword.json")
        #expect(result.event.uuid == "57153590-f73c-49fa-be4b-4737950d210f")
        #expect(result.event.threatLevel == .medium && result.event.tlp == .clear)
        #expect(result.event.timestamp == Date(timeIntervalSince1970: 1_467_971_098))
        #expect(result.attributeCount == 370)
        #expect(result.notForDetectionCount == 112 && result.deletedCount == 0)
        #expect(result.unsupportedTypes == ["filename": 4, "imphash": 1, "email-attachment": 1, "pehash": 1, "ssdeep": 1])
        #expect(counts(result) == [.md5: 74, .sha256: 73, .sha1: 57, .url: 3, .domain: 12, .ipv4: 8])
        #expect(result.duplicateCount == 12)
        // 11 of the 14 to_ids 'url' attributes have no scheme ('www.whitewall.top', 'igfxtray.exe').
        #expect(result.errorCount == 11)
        #expect(result.errors.allSatisfy { $0.reason.contains("is not a valid URL") })
        #expect(result.errors.contains { $0.reason.contains("'igfxtray.exe'") && $0.location.hasPrefix("Attribute[") })
        let first = try #require(result.indicators.first)
        #expect(first.type == .md5 && first.value == "a0dc5723d3e20e93b48a960b31c984c0")
        #expect(first.sourceRef == "57162012-72b8-433b-b5e2-4651950d210f" && first.label == "Payload delivery")
        #expect(first.tlp == .clear && first.description == result.event.info)
    }

    @Test("Qakbot/Emotet: ip-port objects give their addresses")
    func qakbot() throws {
        let result = try importEvent("misp-event-osint-qakbot-emotet.json")
        #expect(result.errors.isEmpty)
        #expect(result.attributeCount == 96)
        #expect(counts(result) == [.ipv4: 43, .sha256: 5, .sha1: 5, .md5: 5])
        #expect(result.indicators.last?.value == "105.224.247.34")
        #expect(result.event.threatLevel == .low)
    }

    @Test("Sednit: a bare (unwrapped) event with file and domain-ip objects imports")
    func sednit() throws {
        let result = try importEvent("misp-event-osint-sednit-fancy-bear.json")
        #expect(result.errors.isEmpty)
        #expect(result.event.uuid == "5a3c2fcd-8328-42bb-a95e-4f4402de0b81")
        #expect(counts(result) == [.sha1: 37, .domain: 18, .ipv4: 11])
        #expect(result.duplicateCount == 2)
        #expect(result.indicators.first?.value == "movieultimate.com")
    }

    @Test("SamSam MAR: object-only event; the base64 attachment is not an indicator")
    func samsam() throws {
        let result = try importEvent("misp-event-samsam-mar.json")
        #expect(result.errors.isEmpty)
        #expect(result.attributeCount == 74)
        #expect(counts(result) == [.md5: 11, .sha256: 3, .sha1: 3])
        #expect(result.unsupportedTypes == ["filename": 4])
        #expect(result.notForDetectionCount == 53)
    }

    @Test("Including non-detection attributes adds the context ones that are valid indicators")
    func includeNonDetection() throws {
        let data = try Corpus.contents("threat_intel/misp/misp-event-osint-qakbot-emotet.json")
        let strict = try MISPEventImporter.parse(data, options: options)
        let all = try MISPEventImporter.parse(data, options: options, includeNonDetection: true)
        #expect(all.notForDetectionCount == 0)
        #expect(all.indicators.count >= strict.indicators.count)
        #expect(Set(strict.indicators.map(\.value)).isSubset(of: Set(all.indicators.map(\.value))))
    }

    @Test("The feed directory: event, manifest and hashes.csv agree")
    func feed() throws {
        let event = try importEvent("feed/57c4445b-c548-4654-af0b-4be3950d210f.json")
        #expect(event.errors.isEmpty)
        #expect(event.indicators.map(\.type) == [.md5, .sha1, .sha256])
        #expect(event.unsupportedTypes == ["filename": 1, "regkey|value": 1])

        let manifest = try MISPFeedManifest.parse(Corpus.contents("threat_intel/misp/feed/manifest.json"))
        let entry = try #require(manifest.entries.first)
        #expect(manifest.entries.count == 1)
        #expect(entry.uuid == event.event.uuid)
        #expect(Date(timeIntervalSince1970: Double(entry.timestamp)) == event.event.timestamp)
        #expect(entry.creator == "CIRCL" && entry.tlp == .clear && entry.threatLevel == .low)
        #expect(manifest.eventsToFetch(lastSeen: [:]).map(\.uuid) == [entry.uuid])
        #expect(manifest.eventsToFetch(lastSeen: [entry.uuid: entry.timestamp]).isEmpty)
        #expect(manifest.eventsToFetch(lastSeen: [entry.uuid: entry.timestamp - 1]).map(\.uuid) == [entry.uuid])

        let hashes = try MISPFeedHashes.parse(Corpus.contents("threat_intel/misp/feed/hashes.csv"))
        // One line per attribute value, composite values split on '|': 9 attributes, one of them 'regkey|value'.
        #expect(hashes.count == event.attributeCount + 1)
        #expect(hashes.allSatisfy { $0.eventUUID == entry.uuid && $0.md5.utf8.count == 32 })
        #expect(Set(hashes.map(\.md5)).count == hashes.count)
    }

    @Test("Incremental fetch picks new and changed events, oldest change first")
    func incrementalFetch() throws {
        let manifest = try MISPFeedManifest.parse(
            Array(
                """
                {"11111111-1111-4111-8111-111111111111": {"timestamp": "300", "info": "a"},
                 "22222222-2222-4222-8222-222222222222": {"timestamp": 100},
                 "33333333-3333-4333-8333-333333333333": {"timestamp": "200", "Tag": [{"name": "tlp:amber+strict"}]}}
                """.utf8))
        #expect(manifest.entries.map(\.timestamp) == [300, 100, 200])
        #expect(manifest.entries[2].tlp == .amberStrict)
        let fetch = manifest.eventsToFetch(lastSeen: [
            "11111111-1111-4111-8111-111111111111": 250, "22222222-2222-4222-8222-222222222222": 100,
        ])
        #expect(fetch.map(\.timestamp) == [200, 300])
    }

    @Test("Malformed MISP input gives clear errors")
    func malformed() throws {
        #expect { try MISPEventImporter.parse(Array("{\"Event\": {\"info\": \"x\"}}".utf8), options: options) } throws: {
            ($0 as? RiposteError)?.message.contains("not a MISP event") == true
        }
        #expect { try MISPFeedManifest.parse(Array("{\"not-a-uuid\": {\"timestamp\": \"1\"}}".utf8)) } throws: {
            ($0 as? RiposteError)?.message.contains("'not-a-uuid' is not an event uuid") == true
        }
        #expect {
            try MISPFeedManifest.parse(Array("{\"11111111-1111-4111-8111-111111111111\": {\"timestamp\": \"soon\"}}".utf8))
        } throws: { ($0 as? RiposteError)?.message.contains("no valid 'timestamp'") == true }
        #expect {
            try MISPFeedHashes.parse(Array("ac454eff7482836b3f7c4bf42e709644,57c4445b-c548-4654-af0b-4be3950d210f\nxyz,1\n".utf8))
        } throws: { ($0 as? RiposteError)?.message.hasPrefix("hashes.csv line 2:") == true }

        let event = """
            {"Event": {"uuid": "11111111-1111-4111-8111-111111111111", "info": "t", "Tag": [{"name": "tlp:green"}],
             "Attribute": [
              {"type": "ip-dst|port", "value": "192.0.2.1|443", "to_ids": true, "uuid": "a1"},
              {"type": "ip-dst|port", "value": "192.0.2.2", "to_ids": true, "uuid": "a2"},
              {"type": "domain|ip", "value": "evil.example|2001:db8::1", "to_ids": "1", "Tag": [{"name": "tlp:red"}]},
              {"type": "md5", "value": "nothex", "to_ids": true},
              {"type": "sha1", "value": "\(String(repeating: "a", count: 40))", "to_ids": true, "deleted": true},
              {"value": "x"}
             ]}}
            """
        let result = try MISPEventImporter.parse(Array(event.utf8), options: options)
        #expect(result.indicators.map(\.value) == ["192.0.2.1", "evil.example", "2001:db8::1"])
        #expect(result.indicators.map(\.tlp) == [.green, .red, .red])
        #expect(result.deletedCount == 1)
        #expect(result.errors.map(\.location) == ["Attribute[1]", "Attribute[3]", "Attribute[5]"])
        #expect(result.errors[0].description == "Attribute[1] (a2): composite value '192.0.2.2' has no '|'")
    }
}
