// The STIX 2.1 pattern grammar: the spec's example patterns parse, every invalid form names its column,
// and operator precedence builds the right tree.
import FoundationEssentials
import RiposteCore
import RiposteIntel
import Testing

@Suite("STIX pattern parser")
struct STIXPatternParserTests {
    /// Patterns from STIX 2.1 section 9.9 and the grammar's corners.
    static let validPatterns: [String] = [
        "[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']",
        #"[email-message:from_ref.value MATCHES '.+\\@example\\.com$' AND email-message:body_multipart[*].body_raw_ref.name MATCHES '^Final Report.+\\.exe$']"#,
        "[file:hashes.'SHA-256' = 'aec0' AND file:mime_type = 'application/x-pdf']",
        "[file:hashes.'SHA-256' = 'bf07' OR file:hashes.MD5 = 'cead3f77f6cda6ec00f57d76c9a6879f'] AND [file:hashes.'SHA-256' = 'aec0']",
        "[network-traffic:dst_ref.type = 'domain-name' AND network-traffic:dst_ref.value = 'example.com'] REPEATS 5 TIMES WITHIN 180 SECONDS",
        "[domain-name:value = 'www.5z8.info' AND domain-name:resolves_to_refs[*].value = '198.51.100.1/32']",
        "[x509-certificate:issuer = 'CN=WEBMAIL' AND x509-certificate:serial_number = '4c:0b:1d:19:74:86:a7:66:b4:1a:bf:40:27:21:76:28']",
        #"[windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\System\\CurrentControlSet\\Services\\WSALG2']"#,
        "[(file:name = 'pdf.exe' OR file:size = 371712) AND file:created = t'2014-01-13T07:03:17Z']",
        "[x-usb-device:usbdrive.serial_number = '575833314133343231313937']",
        "[process:command_line MATCHES '^.+>-add GlobalSign.cer -c -s -r localMachine Root$'] FOLLOWEDBY [process:command_line MATCHES '^.+>-add GlobalSign.cer -c -s -r localMachineTrustedPublisher$'] WITHIN 300 SECONDS",
        "[network-traffic:dst_ref.value ISSUBSET '2001:0db8:dead:beef:0000:0000:0000:0000/64']",
        #"([file:name = 'foo.dll'] AND [windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\foo\\bar']) OR [process:name = 'fooproc' OR process:name = 'procfoo']"#,
        "[file:extensions.'windows-pebinary-ext'.sections[*].entropy > 7.0]",
        "[file:mime_type = 'image/bmp' AND file:magic_number_hex = h'ffd8']",
        "[network-traffic:dst_port IN (80, 443, 8080)]",
        "[ipv4-addr:value = '198.51.100.1'] START t'2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00.123Z'",
        "[file:name LIKE 'foo%.dll']",
        "[artifact:payload_bin = b'dGVzdA==']",
        "[file:size NOT > 100 AND file:size >= -5 AND file:x = +3.5 AND file:y < -.5]",
        "[EXISTS windows-registry-key:values]",
        "[ipv4-addr:value ISSUPERSET '198.51.100.0/25' AND ipv4-addr:value NOT ISSUBSET '10.0.0.0/8']",
        "[ipv4-addr:value = '1.2.3.4'] /* c2 */ OR // trailing\n [ipv4-addr:value = '5.6.7.8']",
        "[process:pid == 4 AND process:is_hidden = true AND process:name <> 'x' AND process:cwd != 'y']",
        "[a:b[-1] = 'x' AND a:'quoted key'.c[0] NOT IN ('x', 'y') AND a:d IN ()]",
        "[file:name = 'it\\'s \\\\ here']",
        "[ipv4-addr:value = '1.2.3.4']\u{00A0}\u{3000}",
    ]

    @Test("Every spec example pattern parses", arguments: validPatterns)
    func validPattern(_ text: String) throws {
        _ = try STIXPattern(text)
    }

    /// Invalid patterns and the 1-based column the error must name.
    static let invalidPatterns: [(String, Int, String)] = [
        ("", 1, "expected '[' or '('"),
        ("[ipv4-addr:value = '1.2.3.4'", 29, "expected ']'"),
        ("ipv4-addr:value = '1.2.3.4'", 1, "expected '[' or '('"),
        ("[ipv4-addr:value '1.2.3.4']", 18, "comparison operator"),
        ("[ipv4-addr:value = ]", 20, "expected a constant"),
        ("[ipv4-addr value = 'x']", 12, "expected ':'"),
        ("[ipv4-addr:value = 'x' AND]", 27, "object path"),
        ("[ipv4-addr:value = 'x'] AND", 28, "expected '[' or '('"),
        ("[ipv4-addr:value = 'x'] [a:b = 'y']", 25, "observation operator"),
        ("[ipv4-addr:value = 'unterminated]", 20, "unterminated string"),
        (#"[a:b = 'bad \n escape']"#, 13, "invalid escape"),
        ("[a:b = 01]", 8, "leading zero"),
        ("[a:b = 99999999999999999999]", 8, "64-bit"),
        ("[a:b = h'abc']", 8, "even number"),
        ("[a:b = h'zz']", 10, "non-hex"),
        ("[a:b = b'abc']", 8, "base64"),
        ("[a:b = t'2016-13-01T00:00:00Z']", 8, "timestamp"),
        ("[a:b = t'2016-01-01 00:00:00Z']", 8, "timestamp"),
        ("[a:b > true]", 8, "orderable"),
        ("[a:b LIKE 5]", 11, "string literal after LIKE"),
        ("[a:b = 'x'] WITHIN 0 SECONDS", 20, "positive number"),
        ("[a:b = 'x'] WITHIN 5 MINUTES", 22, "SECONDS"),
        ("[a:b = 'x'] REPEATS 2.5 TIMES", 21, "positive integer"),
        ("[a:b = 'x'] REPEATS -1 TIMES", 21, "positive integer"),
        ("[a:b = 'x'] START t'2016-02-01T00:00:00Z' STOP t'2016-01-01T00:00:00Z'", 13, "START must be before STOP"),
        ("[a:b = 'x'] START '2016-01-01T00:00:00Z' STOP t'2016-02-01T00:00:00Z'", 19, "timestamp after START"),
        ("[a:hash.SHA-256 = 'x']", 9, "hyphen"),
        ("[a:b[x] = 'x']", 6, "list index"),
        ("[a:b[1 = 'x']", 8, "']' closing the list index"),
        ("[a:b = 'x' OR (a:c = 'y']", 25, "')'"),
        ("[a:b IN ('x' 'y')]", 14, "',' or ')'"),
        ("[NOT a:b = 'x']", 2, "object path"),
        ("[a:b NOT EXISTS]", 10, "comparison operator"),
        ("[a:b = 'x'] and [a:c = 'y']", 13, "observation operator"),
        ("[a:b = 'x'] /* open comment", 13, "unterminated comment"),
        ("[a:b = 'x'] ! [a:c = 'y']", 13, "'!='"),
        ("[a:b = 'é' ¤]", 12, "U+A4"),
        ("[a:b = 'x'] FOLLOWEDBY", 23, "expected '[' or '('"),
    ]

    @Test("An invalid pattern is rejected with its column", arguments: 0..<invalidPatterns.count)
    func invalidPattern(_ index: Int) {
        let (text, column, fragment) = Self.invalidPatterns[index]
        #expect {
            try STIXPattern(text)
        } throws: { error in
            guard let error = error as? RiposteError, error.code == .invalid else { return false }
            return error.message.hasPrefix("pattern column \(column): ") && error.message.contains(fragment)
        }
    }

    @Test("An over-long or over-deep pattern is rejected, not crashed on")
    func limits() {
        let deep = String(repeating: "(", count: 10_000) + "[a:b = 'x']" + String(repeating: ")", count: 10_000)
        #expect { try STIXPattern(deep) } throws: { ($0 as? RiposteError)?.message.contains("nesting deeper") == true }
        let long = "[a:b = '" + String(repeating: "x", count: 70_000) + "']"
        #expect { try STIXPattern(long) } throws: { ($0 as? RiposteError)?.code == .tooLarge }
    }

    @Test("Observation operators bind AND over OR over FOLLOWEDBY; qualifiers bind tightest")
    func observationPrecedence() throws {
        let pattern = try STIXPattern("[a:x = 1] OR [a:y = 2] AND [a:z = 3] FOLLOWEDBY [a:w = 4] WITHIN 5 SECONDS")
        let x = STIXObservationExpression.observation(.comparison(STIXComparison(path: path("a:x"), test: .equal(.int(1)))))
        let y = STIXObservationExpression.observation(.comparison(STIXComparison(path: path("a:y"), test: .equal(.int(2)))))
        let z = STIXObservationExpression.observation(.comparison(STIXComparison(path: path("a:z"), test: .equal(.int(3)))))
        let w = STIXObservationExpression.observation(.comparison(STIXComparison(path: path("a:w"), test: .equal(.int(4)))))
        #expect(pattern.expression == .followedBy([.or([x, .and([y, z])]), .qualified(w, .within(seconds: 5))]))
    }

    @Test("Comparison AND binds over OR; parentheses regroup; NOT attaches to the operator")
    func comparisonPrecedence() throws {
        let pattern = try STIXPattern("[a:x = 'p' OR a:y NOT LIKE 'q%' AND (a:z = 'r' OR a:w IN ('s', 't'))]")
        let x = STIXComparisonExpression.comparison(STIXComparison(path: path("a:x"), test: .equal(.string("p"))))
        let y = STIXComparisonExpression.comparison(STIXComparison(path: path("a:y"), negated: true, test: .like("q%")))
        let z = STIXComparisonExpression.comparison(STIXComparison(path: path("a:z"), test: .equal(.string("r"))))
        let w = STIXComparisonExpression.comparison(
            STIXComparison(path: path("a:w"), test: .in([.string("s"), .string("t")])))
        #expect(pattern.expression == .observation(.or([x, .and([y, .or([z, w])])])))
    }

    @Test("Paths keep quoted keys, list steps and extensions; literals decode")
    func pathsAndLiterals() throws {
        let pattern = try STIXPattern(
            "[file:extensions.'windows-pebinary-ext'.sections[*].name = b'AAEC' AND file:x[-2] = h'0aFF'"
                + " AND file:t = t'2016-01-01T00:00:00.5Z' AND file:s = 'a\\'b\\\\c' AND file:f = -1.25]")
        guard case .observation(.and(let parts)) = pattern.expression, parts.count == 5,
            case .comparison(let first) = parts[0], case .comparison(let second) = parts[1],
            case .comparison(let third) = parts[2], case .comparison(let fourth) = parts[3],
            case .comparison(let fifth) = parts[4]
        else {
            Issue.record("unexpected tree \(pattern.expression)")
            return
        }
        #expect(
            first.path.steps == [.key("extensions"), .key("windows-pebinary-ext"), .key("sections"), .anyIndex, .key("name")])
        #expect(first.path.description == "file:extensions.'windows-pebinary-ext'.sections[*].name")
        #expect(first.test == .equal(.binary([0, 1, 2])))
        #expect(second.path.steps == [.key("x"), .index(-2)])
        #expect(second.test == .equal(.hex([0x0A, 0xFF])))
        #expect(third.test == .equal(.timestamp(Date(timeIntervalSince1970: 1_451_606_400.5))))
        #expect(fourth.test == .equal(.string("a'b\\c")))
        #expect(fifth.test == .equal(.float(-1.25)))
    }

    private func path(_ text: String) -> STIXObjectPath {
        let parts = text.split(separator: ":")
        return STIXObjectPath(objectType: String(parts[0]), steps: [.key(String(parts[1]))])
    }
}
