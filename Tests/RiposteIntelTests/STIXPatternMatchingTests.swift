// Reducing patterns to index entries and evaluating the rest against an alert's observables, as tables.
import RiposteCore
import RiposteIntel
import Testing

@Suite("STIX pattern reducer and evaluator")
struct STIXPatternMatchingTests {
    static let reducible: [(String, [STIXIndexEntry])] = [
        ("[ipv4-addr:value = '10.0.0.1']", [.init(type: .ipv4, value: "10.0.0.1")]),
        ("[ipv4-addr:value = '198.51.100.7/24']", [.init(type: .cidr4, value: "198.51.100.0/24")]),
        ("[ipv4-addr:value = '198.51.100.1/32']", [.init(type: .ipv4, value: "198.51.100.1")]),
        ("[ipv6-addr:value = '2001:DB8::1']", [.init(type: .ipv6, value: "2001:db8::1")]),
        ("[ipv6-addr:value = '2001:db8:dead:beef::/64']", [.init(type: .cidr6, value: "2001:db8:dead:beef::/64")]),
        ("[domain-name:value = 'Evil.Example.']", [.init(type: .domain, value: "evil.example")]),
        ("[url:value = 'HTTP://Evil.Example/Path']", [.init(type: .url, value: "http://evil.example/Path")]),
        ("[email-addr:value = 'Bad@Evil.Example']", [.init(type: .email, value: "bad@evil.example")]),
        ("[email-message:from_ref.value = 'bad@evil.example']", [.init(type: .email, value: "bad@evil.example")]),
        (
            "[file:hashes.MD5 = '79054025255FB1A26E4BC422AEF54EB4']",
            [.init(type: .md5, value: "79054025255fb1a26e4bc422aef54eb4")]
        ),
        (
            "[file:hashes.'SHA-1' = '" + String(repeating: "a", count: 40) + "']",
            [.init(type: .sha1, value: String(repeating: "a", count: 40))]
        ),
        (
            "[file:hashes.sha1 = '" + String(repeating: "b", count: 40) + "']",
            [.init(type: .sha1, value: String(repeating: "b", count: 40))]
        ),
        (
            "[file:hashes.'SHA-256' = '" + String(repeating: "c", count: 64) + "']",
            [.init(type: .sha256, value: String(repeating: "c", count: 64))]
        ),
        (
            "[file:hashes.SHA256 = '" + String(repeating: "d", count: 64) + "']",
            [.init(type: .sha256, value: String(repeating: "d", count: 64))]
        ),
        (
            "[ipv4-addr:value IN ('10.0.0.1', '10.0.0.2', '10.0.0.1')]",
            [.init(type: .ipv4, value: "10.0.0.1"), .init(type: .ipv4, value: "10.0.0.2")]
        ),
        (
            "[domain-name:value = 'a.example' OR url:value = 'http://b.example/'] OR ([ipv4-addr:value = '10.0.0.3'])",
            [
                .init(type: .domain, value: "a.example"), .init(type: .url, value: "http://b.example/"),
                .init(type: .ipv4, value: "10.0.0.3"),
            ]
        ),
    ]

    @Test("A disjunction of equalities on indexable paths reduces to index entries", arguments: 0..<reducible.count)
    func reduces(_ index: Int) throws {
        let (text, entries) = Self.reducible[index]
        #expect(try STIXPatternReducer.reduce(STIXPattern(text)) == .indexed(entries))
    }

    static let notReducible: [String] = [
        "[ipv4-addr:value = '10.0.0.1' AND ipv4-addr:value = '10.0.0.2']",
        "[ipv4-addr:value = '10.0.0.1'] AND [domain-name:value = 'a.example']",
        "[ipv4-addr:value = '10.0.0.1'] FOLLOWEDBY [domain-name:value = 'a.example']",
        "[ipv4-addr:value = '10.0.0.1'] REPEATS 2 TIMES",
        "[ipv4-addr:value != '10.0.0.1']",
        "[ipv4-addr:value NOT = '10.0.0.1']",
        "[ipv4-addr:value ISSUBSET '10.0.0.0/8']",
        "[domain-name:value LIKE '%.example']",
        "[file:hashes.'SHA-512' = 'ab']",
        "[file:name = 'evil.exe']",
        "[network-traffic:dst_ref.value = '10.0.0.1']",
        "[ipv4-addr:value = '10.0.0.1' OR file:name = 'x']",
        "[ipv4-addr:value IN ()]",
        "[ipv4-addr:value = 5]",
    ]

    @Test("Anything else is kept for evaluation", arguments: notReducible)
    func evaluated(_ text: String) throws {
        #expect(try STIXPatternReducer.reduce(STIXPattern(text)) == .evaluated)
    }

    @Test("An invalid value on an indexable path is an error naming the value")
    func invalidValue() throws {
        #expect {
            try STIXPatternReducer.reduce(STIXPattern("[ipv4-addr:value = 'evil.example']"))
        } throws: { ($0 as? UnrecognizedIndicator)?.reason.contains("'evil.example' is not a valid IPv4") == true }
        #expect(throws: UnrecognizedIndicator.self) { try STIXPatternReducer.reduce(STIXPattern("[file:hashes.MD5 = 'xyz']")) }
    }

    static let alert: [ObservableDraft] = [
        ObservableDraft(type: .ipv4, normalizedValue: "198.51.100.7"),
        ObservableDraft(type: .domain, normalizedValue: "mail.evil.example"),
        ObservableDraft(type: .url, normalizedValue: "http://mail.evil.example/Final%20Report.exe"),
        ObservableDraft(type: .email, normalizedValue: "ceo@evil.example"),
        ObservableDraft(type: .sha256, normalizedValue: String(repeating: "e", count: 64)),
        ObservableDraft(type: .username, normalizedValue: "Peter"),
    ]

    static let evaluations: [(String, Bool)] = [
        ("[ipv4-addr:value = '198.51.100.7']", true),
        ("[ipv4-addr:value = '198.51.100.8']", false),
        ("[ipv4-addr:value = '198.51.100.0/24']", true),
        ("[ipv4-addr:value ISSUBSET '198.51.0.0/16']", true),
        ("[ipv4-addr:value ISSUBSET '10.0.0.0/8']", false),
        ("[ipv4-addr:value NOT ISSUBSET '10.0.0.0/8']", true),
        ("[ipv4-addr:value ISSUPERSET '198.51.100.7']", true),
        ("[ipv4-addr:value != '198.51.100.7']", false),
        ("[ipv4-addr:value IN ('10.0.0.1', '198.51.100.7')]", true),
        ("[domain-name:value = 'MAIL.evil.example']", true),
        ("[domain-name:value LIKE '%.evil.example']", true),
        ("[domain-name:value LIKE 'mail._vil.%']", true),
        ("[domain-name:value LIKE 'evil.%']", false),
        ("[url:value MATCHES '^http://[a-z.]+/Final.+\\\\.exe$']", true),
        ("[url:value MATCHES '\\\\.pdf$']", false),
        ("[email-addr:value = 'ceo@evil.example' AND domain-name:value = 'mail.evil.example']", true),
        ("[email-addr:value = 'ceo@evil.example' AND domain-name:value = 'other.example']", false),
        ("[email-message:from_ref.value = 'CEO@evil.example']", true),
        ("[file:hashes.'SHA-256' = '" + String(repeating: "E", count: 64) + "']", true),
        ("[file:hashes.MD5 = '" + String(repeating: "e", count: 32) + "']", false),
        ("[user-account:account_login = 'Peter']", true),
        ("[EXISTS user-account:account_login]", true),
        ("[EXISTS process:name]", false),
        ("[domain-name:value > 'mail'] AND [domain-name:value < 'n']", true),
        ("[ipv4-addr:value = '1.1.1.1'] OR [file:hashes.SHA256 = '" + String(repeating: "e", count: 64) + "']", true),
        ("[ipv4-addr:value = '198.51.100.7'] FOLLOWEDBY [domain-name:value = 'mail.evil.example'] WITHIN 60 SECONDS", true),
        ("[ipv4-addr:value = '198.51.100.7'] REPEATS 5 TIMES", true),
        ("[ipv4-addr:value = '198.51.100.7'] AND [process:name = 'x']", false),
        ("[domain-name:resolves_to_refs[*].value = '198.51.100.7']", false),
        ("[domain-name:value NOT = 'mail.evil.example']", false),
    ]

    @Test("The evaluator matches one alert's observables", arguments: 0..<evaluations.count)
    func evaluates(_ index: Int) throws {
        let (text, expected) = Self.evaluations[index]
        let evaluator = try STIXPatternEvaluator(STIXPattern(text))
        #expect(evaluator.matches(Self.alert) == expected, "\(text)")
    }

    @Test("A catastrophic regex finishes quickly because the matcher is linear")
    func linearRegex() throws {
        let subject = ObservableDraft(type: .domain, normalizedValue: String(repeating: "a", count: 5000) + "!")
        let evaluator = try STIXPatternEvaluator(
            STIXPattern("[domain-name:value MATCHES '^(a+)+$' OR domain-name:value MATCHES '(a|aa)*b']"))
        let clock = ContinuousClock()
        var result = true
        let elapsed = clock.measure { result = evaluator.matches([subject]) }
        #expect(result == false)
        #expect(elapsed < .seconds(2))
    }

    @Test(
        "Regexes needing back-tracking features are rejected up front",
        arguments: ["(a)\\\\1", "(?=a)", "a{2000}", "[z-a]", "(a"])
    func unsupportedRegex(_ regex: String) throws {
        #expect(throws: UnrecognizedIndicator.self) {
            try STIXPatternEvaluator(STIXPattern("[domain-name:value MATCHES '\(regex)']"))
        }
    }
}
