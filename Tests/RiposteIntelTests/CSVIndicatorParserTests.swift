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

    /// The layout abuse.ch publishes for `urlhaus.abuse.ch/downloads/csv_recent/`: a comment banner, the header
    /// inside a comment, every field quoted, `last_online` sometimes empty.
    static let urlhausRecent = """
        ################################################################
        # abuse.ch URLhaus Database Dump (CSV - recent URLs only)      #
        # Last updated: 2026-12-04 10:12:06 (UTC)                      #
        ################################################################
        #
        # id,dateadded,url,url_status,last_online,threat,tags,urlhaus_link,reporter
        "3355555","2026-12-04 10:00:06","http://198.51.100.23:38462/Mozi.m","online","2026-12-04 10:00:06","malware_download","32-bit,elf,mips,Mozi","https://urlhaus.abuse.ch/url/3355555/","geenensp"
        "3355554","2026-12-04 09:58:41","hxxps://invoice-download[.]example/doc.zip","offline","","malware_download","zip","https://urlhaus.abuse.ch/url/3355554/","abuse_ch"
        "3355553","2026-12-04 09:57:00","not a url","online","","malware_download","","https://urlhaus.abuse.ch/url/3355553/","anonymous"

        """

    @Test("URLhaus loads with its preset: the URL (refanged), the threat as label, dateadded as first seen")
    func urlhaus() throws {
        let result = try parse(Self.urlhausRecent, .urlhaus)
        #expect(
            result.indicators.map(\.value) == ["http://198.51.100.23:38462/Mozi.m", "https://invoice-download.example/doc.zip"])
        #expect(result.indicators.allSatisfy { $0.type == .url && $0.label == "malware_download" })
        #expect(result.indicators.first?.firstSeen == Date(timeIntervalSince1970: 1_796_378_406))
        #expect(result.refangedCount == 1)
        #expect(result.rejected.map(\.line) == [9])
    }

    /// The layout of `threatfox.abuse.ch/export/csv/recent/`: the header in a comment, quoted fields joined by
    /// `", "`, an `ioc_type` per row (addresses come as `ip:port`).
    static let threatFoxRecent = """
        ################################################################
        # ThreatFox IOCs: recent                                       #
        # Last updated: 2026-12-04 10:15:02 UTC                        #
        ################################################################
        #
        # "first_seen_utc","ioc_id","ioc_value","ioc_type","threat_type","fk_malware","malware_alias","malware_printable","last_seen_utc","confidence_level","reference","tags","anonymous","reporter"
        "2026-12-04 10:04:05", "1356789", "203.0.113.50:443", "ip:port", "botnet_cc", "win.cobalt_strike", "Agentemis,BEACON,CobaltStrike", "Cobalt Strike", "", "100", "None", "CobaltStrike,c2", "0", "abuse_ch"
        "2026-12-04 10:03:10", "1356788", "[2001:db8::7]:8443", "ip:port", "botnet_cc", "win.sliver", "", "Sliver", "", "75", "None", "Sliver", "0", "abuse_ch"
        "2026-12-04 10:02:00", "1356787", "update-check.example", "domain", "botnet_cc", "win.lumma", "LummaC2", "Lumma Stealer", "", "90", "", "Lumma", "0", "reporter1"
        "2026-12-04 10:01:00", "1356786", "http://update-check.example/gate.php", "url", "botnet_cc", "win.lumma", "", "Lumma Stealer", "", "90", "", "", "0", "reporter1"
        "2026-12-04 10:00:30", "1356785", "44d88612fea8a8f36de82e1278abb02f", "md5_hash", "payload", "win.agent_tesla", "", "Agent Tesla", "", "50", "", "", "1", "anonymous"
        "2026-12-04 10:00:20", "1356784", "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f", "sha256_hash", "payload", "win.agent_tesla", "", "Agent Tesla", "", "50", "", "", "1", "anonymous"
        "2026-12-04 10:00:10", "1356783", "update-check.example", "sha256_hash", "payload", "win.agent_tesla", "", "Agent Tesla", "", "50", "", "", "1", "anonymous"
        "2026-12-04 10:00:00", "1356782", "0c4b1a8a1e9c4b3f8a4d9b7e6c5f4e3d2c1b0a9f8e7d6c5b4a39281706f5e4d3c2b1a0f9e8d7c6b5a4938271605f4e3", "sha3_384_hash", "payload", "win.agent_tesla", "", "Agent Tesla", "", "50", "", "", "1", "anonymous"

        """

    @Test(
        "ThreatFox loads with its preset: ip:port values lose the port, ioc_type constrains the value, confidence and label per row"
    )
    func threatFox() throws {
        let result = try parse(Self.threatFoxRecent, .threatFox)
        #expect(
            result.indicators.map { "\($0.type.rawValue) \($0.value)" } == [
                "ipv4 203.0.113.50", "ipv6 2001:db8::7", "domain update-check.example",
                "url http://update-check.example/gate.php", "md5 44d88612fea8a8f36de82e1278abb02f",
                "sha256 275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f",
            ])
        #expect(
            result.indicators.map(\.label) == [
                "Cobalt Strike", "Sliver", "Lumma Stealer", "Lumma Stealer", "Agent Tesla", "Agent Tesla",
            ])
        #expect(result.indicators.map(\.confidence) == [100, 75, 90, 90, 50, 50])
        #expect(result.indicators.first?.firstSeen == Date(timeIntervalSince1970: 1_796_378_645))
        #expect(
            result.rejected == [
                RejectedLine(line: 13, reason: "'update-check.example' is a domain, but the type column says 'sha256_hash'"),
                RejectedLine(line: 14, reason: "unknown indicator type 'sha3_384_hash'"),
            ])
    }

    @Test("An address's port is dropped only where one is written: v4, bracketed v6, never a bare v6 group")
    func droppingPort() {
        #expect(IndicatorClassifier.droppingPort("198.51.100.7:443") == "198.51.100.7")
        #expect(IndicatorClassifier.droppingPort(" [2001:db8::1]:8443 ") == "2001:db8::1")
        #expect(IndicatorClassifier.droppingPort("2001:db8::1") == "2001:db8::1")
        #expect(IndicatorClassifier.droppingPort("198.51.100.7") == "198.51.100.7")
        #expect(IndicatorClassifier.droppingPort("198.51.100.7:http") == "198.51.100.7:http")
    }

    @Test("Presets are found by name; an unknown one is an invalid error naming every preset")
    func presetNames() throws {
        #expect(try CSVMapping.preset(named: "threatfox") == .threatFox)
        #expect(CSVMapping.presetOrColumn("urlhaus") == .urlhaus)
        #expect(CSVMapping.presetOrColumn("3") == CSVMapping(valueColumn: .index(3), header: .commentOrFirstRow))
        let error = try #require(throws: RiposteError.self) { try CSVMapping.preset(named: "spamhaus") }
        #expect(error.message == "unknown CSV preset 'spamhaus'; known: feodotracker, sslbl, urlhaus, threatfox")
    }
}
