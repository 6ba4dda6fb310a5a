// How the index answers: several feeds, metadata, URL hosts, email domains, counts, batches, the holder.
import FoundationEssentials
import RiposteCore
import RiposteIntel
import Testing

@Suite("Indicator index")
struct IndicatorIndexTests {
    let t0 = Date(timeIntervalSince1970: 1_700_000_000.123)

    func indicator(
        _ type: IndicatorType, _ value: String, feed: String = "feed-a", label: String? = nil,
        confidence: Int? = nil, at date: Date? = nil
    ) -> Indicator {
        Indicator(type: type, value: value, feed: feed, confidence: confidence, label: label, firstSeen: date ?? t0)
    }

    @Test("A value listed by several feeds gives one hit per feed; a feed's repeat gives one, the earliest")
    func oneHitPerFeed() {
        let index = IndicatorIndex(indicators: [
            indicator(.ipv4, "203.0.113.7", feed: "feed-b", label: "later", at: t0 + 60),
            indicator(.ipv4, "203.0.113.7", feed: "feed-a", label: "botnet_cc", confidence: 80),
            indicator(.ipv4, "203.0.113.7", feed: "feed-b", label: "earlier", at: t0),
        ])
        #expect(index.count == 2)
        let hits = index.lookup(.ipv4, "203.0.113.7")
        #expect(
            hits == [
                IntelHit(
                    feed: "feed-a", indicator: "203.0.113.7", match: .exact,
                    firstSeen: Date(timeIntervalSince1970: 1_700_000_000.123),
                    confidence: 80, label: "botnet_cc"),
                IntelHit(
                    feed: "feed-b", indicator: "203.0.113.7", match: .exact,
                    firstSeen: Date(timeIntervalSince1970: 1_700_000_000.123),
                    label: "earlier"),
            ])
    }

    @Test("Every hit carries its indicator's TLP marking, in each kind of table", arguments: TLP.allCases)
    func tlpMarking(_ marking: TLP) {
        let values: [(IndicatorType, String, ObservableType, String)] = [
            (.ipv4, "203.0.113.7", .ipv4, "203.0.113.7"), (.cidr6, "2001:db8::/32", .ipv6, "2001:db8::1"),
            (.domain, "evil.example", .hostname, "www.evil.example"),
            (.sha256, String(repeating: "ab", count: 32), .sha256, String(repeating: "ab", count: 32)),
        ]
        let index = IndicatorIndex(
            indicators: values.map {
                Indicator(type: $0.0, value: $0.1, feed: "isac", firstSeen: t0, tlp: marking)
            } + values.map { Indicator(type: $0.0, value: $0.1, feed: "open", firstSeen: t0) })
        for (_, _, type, value) in values {
            let hits = index.lookup(type, value)
            #expect(hits.map(\.feed) == ["isac", "open"], "\(value)")
            #expect(hits.map(\.tlp) == [marking, nil], "\(value)")
        }
    }

    @Test("STIX patterns: an AND across objects hits the observables it names, only when the alert has all of them")
    func patterns() throws {
        let both = "[ipv4-addr:value = '198.51.100.1'] AND [domain-name:value = 'evil.example']"
        let gate = "[url:value MATCHES '^https?://[^/]+/gate[.]php$']"
        let index = IndicatorIndex(indicators: [
            Indicator(type: .stixPattern, value: both, feed: "isac", confidence: 90, firstSeen: t0, tlp: .amber),
            Indicator(type: .stixPattern, value: gate, feed: "isac", firstSeen: t0),
            Indicator(type: .stixPattern, value: "[ipv4-addr:value = ", feed: "isac", firstSeen: t0),
        ])
        #expect(index.count(of: .stixPattern) == 2 && index.skippedCount == 1, "a pattern that does not parse is skipped")
        #expect(index.hasPatterns)
        let alert = [
            ObservableDraft(type: .ipv4, normalizedValue: "198.51.100.1"),
            ObservableDraft(type: .ipv4, normalizedValue: "10.0.0.1"),
            ObservableDraft(type: .domain, normalizedValue: "evil.example"),
        ]
        let hits = index.patternHits(alert)
        #expect(hits.keys.sorted() == [0, 2], "the named observables, not the bystander")
        let hit = try #require(hits[0]?.first)
        #expect(hit.match == .pattern && hit.indicator == both && hit.confidence == 90 && hit.tlp == .amber)
        #expect(index.patternHits(Array(alert.prefix(2))).isEmpty, "the domain is missing: no match")
        #expect(index.lookup(.ipv4, "198.51.100.1").isEmpty, "one observable alone does not satisfy the AND")
        #expect(index.lookup(.url, "http://x.example/gate.php").map(\.indicator) == [gate])
        #expect(index.lookup(.url, "http://x.example/gate.php", includingPatterns: false).isEmpty)
        #expect(index.lookup(.url, "http://x.example/gate.php.bak").isEmpty)
    }

    @Test("An exact IP hit comes before the CIDRs containing it, most specific first")
    func ipOrder() {
        let index = IndicatorIndex(indicators: [
            indicator(.cidr4, "10.0.0.0/8"), indicator(.cidr4, "10.1.0.0/16"), indicator(.ipv4, "10.1.2.3"),
            indicator(.cidr4, "10.1.3.0/24"), indicator(.cidr4, "10.1.2.3/8", feed: "feed-b"),
        ])
        let hits = index.lookup(.ipv4, "10.1.2.3")
        #expect(hits.map(\.indicator) == ["10.1.2.3", "10.1.0.0/16", "10.0.0.0/8", "10.0.0.0/8"])
        #expect(hits.map(\.match) == [.exact, .cidr, .cidr, .cidr])
        #expect(index.lookup(.ipv4, "11.0.0.0").isEmpty)
        #expect(index.lookup(.ipv4, "not an ip").isEmpty)
    }

    @Test("IPv6 CIDRs contain addresses, and an IPv4-mapped IPv6 address is checked as IPv4")
    func ipv6() {
        let index = IndicatorIndex(indicators: [
            indicator(.cidr6, "2001:db8::/32"), indicator(.ipv6, "2001:db8::1"), indicator(.ipv4, "198.51.100.9"),
        ])
        #expect(index.lookup(.ipv6, "2001:db8::1").map(\.match) == [.exact, .cidr])
        #expect(index.lookup(.ipv6, "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff").map(\.indicator) == ["2001:db8::/32"])
        #expect(index.lookup(.ipv6, "2001:db9::").isEmpty)
        #expect(index.lookup(.ipv6, "::ffff:198.51.100.9").map(\.indicator) == ["198.51.100.9"])
    }

    @Test("A URL matches exactly, then by its host: a domain, a parent domain, an IP or a CIDR")
    func urlHosts() {
        let index = IndicatorIndex(indicators: [
            indicator(.url, "http://evil.example/login.php"), indicator(.domain, "evil.example"),
            indicator(.cidr4, "192.0.2.0/24"), indicator(.ipv6, "2001:db8::5"),
        ])
        #expect(index.lookup(.url, "http://evil.example/login.php").map(\.match) == [.exact, .exact])
        #expect(index.lookup(.url, "https://user@cdn.evil.example:8443/x?y#z").map(\.indicator) == ["evil.example"])
        #expect(index.lookup(.url, "https://cdn.evil.example/").map(\.match) == [.parentDomain])
        #expect(index.lookup(.url, "http://192.0.2.44:8080/gate").map(\.match) == [.cidr])
        #expect(index.lookup(.url, "http://[2001:db8::5]:80/").map(\.indicator) == ["2001:db8::5"])
        #expect(index.lookup(.url, "http://good.example/evil.example").isEmpty)
    }

    @Test("An email matches exactly and by its domain; a username never matches")
    func emailsAndUsernames() {
        let index = IndicatorIndex(indicators: [
            indicator(.email, "Billing@Evil.Example"), indicator(.domain, "evil.example"),
        ])
        #expect(index.lookup(.email, "billing@evil.example").map(\.match) == [.exact, .exact])
        #expect(index.lookup(.email, "ceo@mail.evil.example").map(\.match) == [.parentDomain])
        #expect(index.lookup(.username, "evil.example").isEmpty)
    }

    @Test("Domains are lowercased and lose a trailing dot; a one-label name is not a parent")
    func domainForms() {
        let index = IndicatorIndex(indicators: [indicator(.domain, "Evil.Example."), indicator(.domain, "example")])
        #expect(index.lookup(.domain, "evil.example").map(\.indicator) == ["evil.example"])
        #expect(index.lookup(.domain, "a.b.evil.example.").map(\.match) == [.parentDomain])
        #expect(index.lookup(.domain, "other.example").isEmpty)
    }

    @Test("Counts are per type; values that do not parse as their type are skipped and counted")
    func counts() {
        let index = IndicatorIndex(indicators: [
            indicator(.ipv4, "192.0.2.1"), indicator(.ipv4, "192.0.2.256"),
            indicator(.md5, "d41d8cd98f00b204e9800998ecf8427e"),
            indicator(.sha1, "da39a3ee5e6b4b0d3255bfef95601890afd80709"), indicator(.sha256, "abc"),
            indicator(.cidr6, "2001:db8::/129"), indicator(.domain, "evil.example"),
        ])
        #expect(index.count == 4)
        #expect(index.skippedCount == 3)
        #expect(index.count(of: .ipv4) == 1)
        #expect(index.count(of: .md5) == 1)
        #expect(index.count(of: .sha256) == 0)
        #expect(index.byteSize > 0)
        #expect(
            index.lookup(.sha1, "DA39A3EE5E6B4B0D3255BFEF95601890AFD80709").map(\.indicator)
                == ["da39a3ee5e6b4b0d3255bfef95601890afd80709"])
    }

    @Test("An empty index answers every observable type with no hits")
    func emptyIndex() {
        let index = IndicatorIndex(indicators: [])
        let samples: [ObservableType: String] = [
            .ipv4: "192.0.2.1", .ipv6: "2001:db8::1", .domain: "a.evil.example", .hostname: "host",
            .url: "http://evil.example/", .email: "a@evil.example", .md5: "d41d8cd98f00b204e9800998ecf8427e",
            .sha1: "da39a3ee5e6b4b0d3255bfef95601890afd80709",
            .sha256: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", .username: "root",
        ]
        for type in ObservableType.allCases {
            #expect(index.lookup(type, samples[type] ?? "").isEmpty)
        }
        #expect(index.count == 0)
    }

    @Test("Building in batches gives the same answers as building at once")
    func batches() {
        var indicators: [Indicator] = []
        for number in 0..<2_000 {
            indicators.append(
                indicator(.ipv4, "10.\(number % 7).\(number % 251).\(number % 13)", feed: "feed-\(number % 3)"))
            indicators.append(
                indicator(.domain, "host\(number % 97).zone\(number % 5).example", feed: "feed-\(number % 2)"))
        }
        var builder = IndicatorIndex.Builder()
        for start in stride(from: 0, to: indicators.count, by: 500) {
            builder.add(contentsOf: indicators[start..<min(start + 500, indicators.count)])
        }
        let batched = builder.build()
        let whole = IndicatorIndex(indicators: indicators)
        #expect(batched.count == whole.count)
        for value in ["10.1.1.1", "10.3.7.9", "10.6.250.12"] {
            #expect(batched.lookup(.ipv4, value) == whole.lookup(.ipv4, value))
        }
        #expect(batched.lookup(.domain, "a.host3.zone3.example") == whole.lookup(.domain, "a.host3.zone3.example"))
    }

    @Test("The holder swaps snapshots while readers keep answering from a whole one")
    func holder() async {
        let old = IndicatorIndex(indicators: [indicator(.ipv4, "192.0.2.1", feed: "old")])
        let new = IndicatorIndex(indicators: [indicator(.ipv4, "192.0.2.1", feed: "new")])
        let holder = IntelIndexHolder(old)
        #expect(holder.current.lookup(.ipv4, "192.0.2.1").map(\.feed) == ["old"])
        await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    (0..<2_000).allSatisfy { _ in
                        let feeds = holder.current.lookup(.ipv4, "192.0.2.1").map(\.feed)
                        return feeds == ["old"] || feeds == ["new"]
                    }
                }
            }
            group.addTask {
                for round in 0..<200 { holder.replace(with: round.isMultiple(of: 2) ? new : old) }
                return true
            }
            for await consistent in group { #expect(consistent) }
        }
        holder.replace(with: new)
        #expect(holder.current.lookup(.ipv4, "192.0.2.1").map(\.feed) == ["new"])
        #expect(IntelIndexHolder().current.count == 0)
    }
}
