// CSV lists: RFC 4180 quoting, column mapping, headers in comments (abuse.ch), bad rows and presets.
import FoundationEssentials
import RiposteCore
import RiposteIntel
import RiposteTesting
import Testing

@Suite("CSV indicator parser")
struct CSVIndicatorParserTests {
    let now = Date(timeIntervalSince1970: 1_700_000_000)

    func parse(_ text: String, _ mapping: CSVMapping) throws -> IndicatorParseResult {
        let options = try IndicatorImportOptions(feed: "csv-feed", firstSeen: now)
        return try CSVIndicatorParser(mapping: mapping).parse(Array(text.utf8), options: options)
    }

    @Test("Quoted fields keep embedded delimiters, doubled quotes and line breaks; CRLF ends records")
    func quoting() throws {
        let mapping = CSVMapping(valueColumn: .name("indicator"), labelColumn: .name("description"))
        let result = try parse(
            "indicator,description\r\n"
                + "\"evil.example\",\"phishing, \"\"urgent\"\" kit\"\r\n"
                + "\"203.0.113.7\",\"two\r\nlines\"\r\n"
                + "198.51.100.1,  plain  \r\n"
                + "\"bad.example\" x,oops\r\n"
                + "192.0.2.1,last",
            mapping)
        #expect(result.indicators.map(\.value) == ["evil.example", "203.0.113.7", "198.51.100.1", "192.0.2.1"])
        #expect(result.indicators.map(\.label) == ["phishing, \"urgent\" kit", "two\r\nlines", "plain", "last"])
        #expect(result.rejected == [RejectedLine(line: 6, reason: "unexpected text after a closing quote")])
    }

    @Test("An unterminated quote rejects its record without losing the ones before it")
    func unterminatedQuote() throws {
        let result = try parse("value\n192.0.2.1\n\"192.0.2.2\n192.0.2.3\n", CSVMapping())
        #expect(result.indicators.map(\.value) == ["192.0.2.1"])
        #expect(result.rejected == [RejectedLine(line: 3, reason: "unterminated quoted field")])
    }

    @Test("Type, label, confidence and first-seen columns apply per row; bad cells reject the row with a reason")
    func columns() throws {
        let mapping = CSVMapping(
            valueColumn: .index(1), typeColumn: .index(0), labelColumn: .index(2), confidenceColumn: .index(3),
            firstSeenColumn: .index(4), header: .absent, delimiter: ";")
        let result = try parse(
            """
            ip;192.0.2.1;c2;85;2024-04-04 07:03:03
            domain;evil.example;;;2024-04-04T09:03:03+02:00
            sha256;192.0.2.2;;;
            colour;192.0.2.3;;;
            ip-dst;192.0.2.4;;150;
            hash;d41d8cd98f00b204e9800998ecf8427e;;;2024-02-30
            ;2001:db8::/48;;;1712214183
            ip;192.0.2.9
            ip
            """, mapping)
        #expect(result.indicators.map(\.value) == ["192.0.2.1", "evil.example", "2001:db8::/48", "192.0.2.9"])
        let first = try #require(result.indicators.first)
        #expect(first.label == "c2" && first.confidence == 85)
        #expect(first.firstSeen == Date(timeIntervalSince1970: 1_712_214_183))
        #expect(result.indicators[1].firstSeen == Date(timeIntervalSince1970: 1_712_214_183))
        #expect(result.indicators[1].label == nil && result.indicators[1].confidence == nil)
        #expect(result.indicators[2].firstSeen == Date(timeIntervalSince1970: 1_712_214_183))
        #expect(result.indicators[3].firstSeen == now)
        #expect(
            result.rejected == [
                RejectedLine(line: 3, reason: "'192.0.2.2' is an IPv4 address, but the type column says 'sha256'"),
                RejectedLine(line: 4, reason: "unknown indicator type 'colour'"),
                RejectedLine(line: 5, reason: "confidence '150' is not a whole number 0–100"),
                RejectedLine(line: 6, reason: "first-seen time '2024-02-30' is not a date"),
                RejectedLine(line: 9, reason: "no value in column 1 (the row has 1 fields)"),
            ])
    }

    @Test("A named column missing from the header is an invalid error listing the header")
    func missingColumn() throws {
        let error = try #require(throws: RiposteError.self) {
            try parse("ip,port\n192.0.2.1,443\n", CSVMapping(valueColumn: .name("dst_ip")))
        }
        #expect(error.code == .invalid)
        #expect(error.message == "CSV header (line 1) has no column 'dst_ip'; it has 'ip', 'port'")
    }

    @Test("Mappings that cannot work are invalid before any row is read")
    func badMappings() throws {
        for mapping in [
            CSVMapping(valueColumn: .name("ip"), header: .absent), CSVMapping(delimiter: "\""),
            CSVMapping(valueColumn: .index(-1)),
        ] {
            let error = try #require(throws: RiposteError.self) { try parse("192.0.2.1\n", mapping) }
            #expect(error.code == .invalid)
        }
        #expect(CSVMapping.Column("2") == .index(2))
        #expect(CSVMapping.Column("dst_ip") == .name("dst_ip"))
    }

    @Test("Tab-separated values keep empty fields next to quoted ones")
    func tabs() throws {
        let result = try parse(
            "type\tvalue\tlabel\n\t\"evil.example\"\tkit\n",
            CSVMapping(
                valueColumn: .name("value"), typeColumn: .name("type"), labelColumn: .name("label"), delimiter: "\t"))
        #expect(result.indicators.map(\.value) == ["evil.example"])
        #expect(result.indicators.map(\.label) == ["kit"])
    }

    @Test("Feodo Tracker loads with its preset, with the header as a row or inside a comment")
    func feodoTracker() throws {
        let data = try Corpus.contents("threat_intel/blocklists/abusech-feodotracker-ipblocklist.csv")
        let asRow = try parse(String(decoding: data, as: UTF8.self), .feodoTracker)
        #expect(asRow.indicators.count == 28)
        #expect(asRow.rejected.isEmpty)
        #expect(asRow.indicators.allSatisfy { $0.type == .ipv4 && $0.label == "Pikabot" })
        #expect(asRow.indicators[0].value == "192.9.135.73")

        // Current Feodo Tracker files write `# "first_seen_utc","dst_ip",…` as a comment.
        let commented = String(decoding: data, as: UTF8.self).replacing(
            "\n\"first_seen_utc\"", with: "\n# \"first_seen_utc\"")
        #expect(commented != String(decoding: data, as: UTF8.self))
        #expect(try parse(commented, .feodoTracker).indicators == asRow.indicators)
    }

    @Test("SSLBL loads with its preset: header in a comment, the unnamed third column as label")
    func sslbl() throws {
        let data = try Corpus.contents("threat_intel/blocklists/abusech-sslbl-ipblacklist.csv")
        let options = try IndicatorImportOptions(feed: "sslbl", firstSeen: now)
        let result = try CSVIndicatorParser(mapping: .sslbl).parse(data, options: options)
        #expect(result.indicators.count == 83)
        #expect(result.rejected.isEmpty)
        #expect(result.indicators[0].value == "104.130.17.100")
        #expect(result.indicators[0].label == "URLzone C&C")
        #expect(result.indicators.filter { $0.label == "TorrentLocker C&C" }.count == 31)
    }
}
