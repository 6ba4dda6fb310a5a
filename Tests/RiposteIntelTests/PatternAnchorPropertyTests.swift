// The index files STIX patterns under the values they need (anchors) and tries only those an alert names:
// seeded random patterns and alerts, checked against evaluating every pattern on every alert.
import FoundationEssentials
import RiposteCore
import RiposteIntel
import RiposteTesting
import Testing

@Suite("Pattern anchors agree with evaluating every pattern")
struct PatternAnchorPropertyTests {
    /// Observable values as alerts carry them (normalised), each with literal forms a pattern may write
    /// instead: other case, other IPv6 spelling, a /32 or /128, a URL before normalisation.
    static let universe: [(observable: ObservableDraft, path: String, literals: [String])] = [
        (
            ObservableDraft(type: .ipv4, normalizedValue: "10.0.0.1"), "ipv4-addr:value",
            ["10.0.0.1", "10.0.0.1/32", "10.0.0.0/24"]
        ),
        (ObservableDraft(type: .ipv4, normalizedValue: "198.51.100.7"), "ipv4-addr:value", ["198.51.100.7"]),
        (
            ObservableDraft(type: .ipv6, normalizedValue: "2001:db8::1"), "ipv6-addr:value",
            ["2001:db8::1", "2001:DB8:0:0::1", "2001:db8::1/128"]
        ),
        (ObservableDraft(type: .domain, normalizedValue: "evil.example"), "domain-name:value", ["evil.example", "EVIL.Example"]),
        (ObservableDraft(type: .domain, normalizedValue: "10.0.0.1"), "domain-name:value", ["10.0.0.1"]),
        (ObservableDraft(type: .hostname, normalizedValue: "ws-17.corp.example"), "domain-name:value", ["WS-17.corp.example"]),
        (
            ObservableDraft(type: .url, normalizedValue: "http://evil.example/gate.php"), "url:value",
            ["http://evil.example/gate.php", "HTTP://EVIL.example/gate.php"]
        ),
        (
            ObservableDraft(type: .md5, normalizedValue: "44d88612fea8a8f36de82e1278abb02f"), "file:hashes.MD5",
            ["44d88612fea8a8f36de82e1278abb02f", "44D88612FEA8A8F36DE82E1278ABB02F"]
        ),
        (ObservableDraft(type: .username, normalizedValue: "Alice"), "user-account:account_login", ["Alice", "alice"]),
        (ObservableDraft(type: .email, normalizedValue: "ceo@evil.example"), "email-addr:value", ["CEO@evil.example"]),
    ]

    /// Tests other than equality, which no anchor can stand for.
    static let unanchorable = [
        "ipv4-addr:value ISSUBSET '10.0.0.0/8'", "domain-name:value LIKE '%evil%'", "url:value MATCHES 'gate[.]php$'",
        "domain-name:value != 'evil.example'", "user-account:account_login > 'B'", "ipv4-addr:value NOT = '10.0.0.1'",
    ]

    struct Generator {
        var random: SplitMix64

        mutating func comparison() -> String {
            let roll = Int.random(in: 0..<10, using: &random)
            if roll == 0 { return PatternAnchorPropertyTests.unanchorable.randomElement(using: &random)! }
            let entry = PatternAnchorPropertyTests.universe.randomElement(using: &random)!
            if roll == 1 {
                let other = PatternAnchorPropertyTests.universe.randomElement(using: &random)!
                return "\(entry.path) IN ('\(entry.literals.randomElement(using: &random)!)', '\(other.literals[0])')"
            }
            return "\(entry.path) = '\(entry.literals.randomElement(using: &random)!)'"
        }

        mutating func observation() -> String {
            let count = Int.random(in: 1...3, using: &random)
            let joiner = Bool.random(using: &random) ? " AND " : " OR "
            return "[" + (0..<count).map { _ in comparison() }.joined(separator: joiner) + "]"
        }

        mutating func pattern() -> String {
            let count = Int.random(in: 1...3, using: &random)
            let joiner = [" AND ", " OR ", " FOLLOWEDBY "].randomElement(using: &random)!
            let text = (0..<count).map { _ in observation() }.joined(separator: joiner)
            return Int.random(in: 0..<8, using: &random) == 0 ? "(\(text)) WITHIN 300 SECONDS" : text
        }

        mutating func alert() -> [ObservableDraft] {
            let count = Int.random(in: 1...5, using: &random)
            return (0..<count).map { _ in PatternAnchorPropertyTests.universe.randomElement(using: &random)!.observable }
        }
    }

    @Test("Every alert gets exactly the pattern hits that evaluating every pattern gives", arguments: [UInt64(7), 99, 0xC0FFEE])
    func agrees(seed: UInt64) throws {
        var generator = Generator(random: SplitMix64(seed: seed))
        let texts = Array(Set((0..<400).map { _ in generator.pattern() })).sorted()
        let parsed = texts.compactMap { text in
            (try? STIXPatternParser.parse(text)).flatMap { try? STIXPatternEvaluator($0) }.map { (text, $0) }
        }
        #expect(parsed.count * 10 >= texts.count * 9, "the generator writes patterns the grammar accepts")
        let anchoredCount = parsed.count { STIXPatternEvaluator.anchors(in: $0.1.pattern) != nil }
        #expect(anchoredCount * 2 >= parsed.count, "most patterns are anchored, so the filing is exercised")
        #expect(anchoredCount < parsed.count, "some are not, so the scan of the rest is exercised")

        let index = IndicatorIndex(
            indicators: parsed.map { Indicator(type: .stixPattern, value: $0.0, feed: "isac", firstSeen: .now) })
        var matchedAlerts = 0
        for _ in 0..<300 {
            let alert = generator.alert()
            var expected: [Int: Set<String>] = [:]
            for (text, evaluator) in parsed {
                for position in evaluator.namedObservables(alert) ?? [] { expected[position, default: []].insert(text) }
            }
            let found = index.patternHits(alert)
            for hits in found.values {
                #expect(hits.count == Set(hits.map(\.indicator)).count, "a pattern hits an observable once")
            }
            #expect(found.mapValues { Set($0.map(\.indicator)) } == expected, "alert \(alert.map(\.value))")
            matchedAlerts += expected.isEmpty ? 0 : 1
        }
        #expect(matchedAlerts >= 30, "enough alerts match for the comparison to mean something")
    }

    @Test("Anchors: equality and IN give every form equality accepts; OR needs all operands, AND one")
    func anchorSets() throws {
        func anchors(_ text: String) throws -> Set<PatternAnchor>? {
            STIXPatternEvaluator.anchors(in: try STIXPatternParser.parse(text))
        }
        let address = try #require(try anchors("[ipv6-addr:value = '2001:DB8::1']"))
        #expect(address.contains(.address(isV6: true, UInt128(0x2001_0db8) << 96 | 1)))
        #expect(try anchors("[ipv4-addr:value = '10.0.0.0/24']") == nil, "a network accepts too many addresses to list")
        #expect(try anchors("[domain-name:value = 'EVIL.example']")?.contains(.text("evil.example")) == true)
        #expect(try anchors("[domain-name:value LIKE '%evil%']") == nil)
        #expect(try anchors("[ipv4-addr:value = '10.0.0.1'] OR [domain-name:value LIKE 'x%']") == nil)
        let narrowed = try #require(try anchors("[domain-name:value LIKE 'x%'] AND [file:hashes.MD5 = 'ab']"))
        #expect(narrowed == [.text("ab")])
        #expect(try anchors("[ipv4-addr:value NOT = '10.0.0.1']") == nil)
    }
}
