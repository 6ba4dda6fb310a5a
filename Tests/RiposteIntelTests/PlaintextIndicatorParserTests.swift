// Plain lists: comments, line endings, type detection, refanging, CIDR normalisation, bad lines and limits.
import FoundationEssentials
import RiposteCore
import RiposteIntel
import Testing

@Suite("Plaintext indicator parser")
struct PlaintextIndicatorParserTests {
    let now = Date(timeIntervalSince1970: 1_700_000_000)

    func parse(_ text: String, limits: IndicatorParseLimits = IndicatorParseLimits()) throws -> IndicatorParseResult {
        try parse(Array(text.utf8), limits: limits)
    }

    func parse(_ bytes: [UInt8], limits: IndicatorParseLimits = IndicatorParseLimits()) throws -> IndicatorParseResult {
        let options = try IndicatorImportOptions(
            feed: "test-feed", label: "phishing", confidence: 70, firstSeen: now, limits: limits)
        return try PlaintextIndicatorParser.parse(bytes, options: options)
    }

    func values(_ result: IndicatorParseResult) -> [String] {
        result.indicators.map { "\($0.type.rawValue) \($0.value)" }
    }

    @Test("Each line's type is detected and its value normalised; every indicator gets the import's defaults")
    func detection() throws {
        let result = try parse(
            """
            192.0.2.1
            2001:DB8:0:0::1
            198.51.100.0/24
            2001:db8::/32
            Evil.Example.
            https://Evil.Example/Login?a=1
            Phish@Evil.Example
            D41D8CD98F00B204E9800998ECF8427E
            da39a3ee5e6b4b0d3255bfef95601890afd80709
            e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
            """)
        #expect(
            values(result) == [
                "ipv4 192.0.2.1", "ipv6 2001:db8::1", "cidr4 198.51.100.0/24", "cidr6 2001:db8::/32",
                "domain evil.example", "url https://evil.example/Login?a=1", "email phish@evil.example",
                "md5 d41d8cd98f00b204e9800998ecf8427e", "sha1 da39a3ee5e6b4b0d3255bfef95601890afd80709",
                "sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            ])
        #expect(result.rejected.isEmpty)
        let first = try #require(result.indicators.first)
        #expect(
            first.feed == "test-feed" && first.label == "phishing" && first.confidence == 70 && first.firstSeen == now)
    }

    @Test("Blank lines, comment lines and trailing comments are skipped, with LF or CRLF endings")
    func commentsAndLineEndings() throws {
        let result = try parse(
            "; Spamhaus DROP List\r\n# header\r\n\r\n   \r\n// note\r\n1.10.16.0/20 ; SBL256894\r\n"
                + "evil.example # seen in campaign\r\n\t203.0.113.9\t// trailing\r\n")
        #expect(values(result) == ["cidr4 1.10.16.0/20", "domain evil.example", "ipv4 203.0.113.9"])
        #expect(result.skippedLineCount == 5)
        #expect(result.rejected.isEmpty)
    }

    @Test("A CIDR with host bits set becomes its network and is counted as normalised")
    func cidrNormalisation() throws {
        let result = try parse("10.1.2.3/8\n2001:db8::1/32\n10.0.0.0/8\n")
        #expect(values(result) == ["cidr4 10.0.0.0/8", "cidr6 2001:db8::/32"])
        #expect(result.normalizedCount == 2)
        #expect(result.duplicateCount == 1)
    }

    @Test("Defanged values are refanged and counted")
    func defanged() throws {
        let result = try parse(
            """
            hxxp://evil[.]example/path
            hXXps[://]cdn(.)evil{.}example/x
            203.0.113[.]7
            ceo[@]evil[dot]example
            fxp://files[.]example/a
            """)
        #expect(
            values(result) == [
                "url http://evil.example/path", "url https://cdn.evil.example/x", "ipv4 203.0.113.7",
                "email ceo@evil.example", "url ftp://files.example/a",
            ])
        #expect(result.refangedCount == 5)
    }

    @Test("Bad lines are rejected with their line number and reason, and the rest still parse")
    func badLines() throws {
        let result = try parse(
            """
            # list
            192.0.2.1
            not an indicator
            300.1.2.3
            192.0.2.0/33
            localhost
            http://
            evil.example
            192.0.2.1
            """)
        #expect(values(result) == ["ipv4 192.0.2.1", "domain evil.example"])
        #expect(result.rejected.map(\.line) == [3, 4, 5, 6, 7])
        #expect(result.rejectedCount == 5)
        #expect(result.rejected[0].reason == "unexpected text after the value: 'an indicator'")
        #expect(
            result.rejected[1].reason
                == "'300.1.2.3' is not an IP address, CIDR, domain, URL, email address or MD5/SHA-1/SHA-256 hash")
        #expect(result.rejected[2].reason == "'192.0.2.0/33' is not a valid CIDR (IPv4 /0–32, IPv6 /0–128)")
        #expect(result.rejected[4].reason == "'http://' is not a valid URL")
        #expect(result.duplicateCount == 1)
    }

    @Test("Only the first rejections are described, but all are counted")
    func rejectionCap() throws {
        let result = try parse(
            String(repeating: "bad value\n", count: 30), limits: IndicatorParseLimits(maxReportedRejections: 10))
        #expect(result.rejected.count == 10)
        #expect(result.rejectedCount == 30)
    }

    @Test("Input that is not UTF-8 is an invalid error naming the byte offset")
    func invalidUTF8() throws {
        let bytes = Array("192.0.2.1\névil.example\n".utf8) + [0x66, 0xC3, 0x28, 0x0A]
        let error = try #require(throws: RiposteError.self) { try parse(bytes) }
        #expect(error.code == .invalid)
        #expect(error.message == "input is not UTF-8: invalid byte 0xC3 at byte offset 25")
    }

    @Test("A UTF-8 byte order mark is ignored")
    func byteOrderMark() throws {
        #expect(values(try parse([0xEF, 0xBB, 0xBF] + Array("192.0.2.1\n".utf8))) == ["ipv4 192.0.2.1"])
    }

    @Test("Too many lines or too long a line fails the import instead of truncating it")
    func limits() throws {
        let tooMany = try #require(throws: RiposteError.self) {
            try parse("192.0.2.1\n192.0.2.2\n192.0.2.3\n", limits: IndicatorParseLimits(maxLines: 2))
        }
        #expect(tooMany.code == .tooLarge)
        #expect(tooMany.message == "input has more than 2 lines")
        let tooLong = try #require(throws: RiposteError.self) {
            try parse(
                "192.0.2.1\nhttps://evil.example/\(String(repeating: "a", count: 100))\n",
                limits: IndicatorParseLimits(maxLineBytes: 64))
        }
        #expect(tooLong.code == .tooLarge)
        #expect(tooLong.message == "line 2 is longer than 64 bytes")
        #expect(try parse("192.0.2.1\n192.0.2.2\n", limits: IndicatorParseLimits(maxLines: 2)).indicators.count == 2)
    }

    @Test(
        "Feed names are 1–64 characters of letters, digits, dot, underscore and hyphen",
        arguments: [
            ("abuse.ch_feodo-1", true), ("", false), ("feed name", false), ("feed/1", false), ("fééd", false),
            (String(repeating: "a", count: 64), true), (String(repeating: "a", count: 65), false),
        ])
    func feedNames(name: String, isValid: Bool) {
        #expect(((try? FeedName.validate(name)) != nil) == isValid)
        #expect(((try? IndicatorImportOptions(feed: name, firstSeen: now)) != nil) == isValid)
    }

    @Test("Options reject a confidence outside 0–100")
    func optionBounds() {
        #expect(throws: RiposteError.self) { try IndicatorImportOptions(feed: "feed", confidence: 101, firstSeen: now) }
    }
}
