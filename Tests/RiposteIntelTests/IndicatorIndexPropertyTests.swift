// Seeded random indicators and queries, checked against a brute-force matcher.
import FoundationEssentials
import RiposteCore
import RiposteIntel
import RiposteTesting
import Testing

@Suite("Indicator index agrees with a brute-force matcher")
struct IndicatorIndexPropertyTests {
    static let feeds = ["alpha", "bravo", "charlie"]
    static let seeds: [UInt64] = [1, 42, 0xDEAD_BEEF]

    /// A hit reduced to what identifies it.
    struct ExpectedHit: Hashable {
        var feed: String
        var indicator: String
        var match: IntelMatchKind
    }

    static func check(_ index: IndicatorIndex, _ type: ObservableType, _ value: String, expected: Set<ExpectedHit>) {
        let hits = index.lookup(type, value)
        let found = hits.map { ExpectedHit(feed: $0.feed, indicator: $0.indicator, match: $0.match) }
        #expect(found.count == Set(found).count, "duplicate hits for \(value)")
        #expect(Set(found) == expected, "\(type) \(value)")
    }

    @Test("IPv4 addresses and nested, overlapping CIDRs", arguments: seeds)
    func ipv4(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        // A few wide bases make nesting and overlap common.
        let bases = (0..<6).map { _ in UInt32.random(in: 0...UInt32.max, using: &random) & 0xFF00_0000 }
        var networks: [(network: UInt32, length: Int, feed: String)] = []
        var addresses: [(address: UInt32, feed: String)] = []
        var indicators: [Indicator] = []
        for _ in 0..<600 {
            let feed = Self.feeds.randomElement(using: &random)!
            let base = bases.randomElement(using: &random)!
            let address = base | UInt32.random(in: 0...0xFF_FFFF, using: &random)
            if Bool.random(using: &random) {
                let length = Int.random(in: 8...32, using: &random)
                let network = length == 0 ? 0 : address & ~(UInt32.max >> length)
                networks.append((network, length, feed))
                indicators.append(
                    Indicator(type: .cidr4, value: "\(IPAddress.v4(network))/\(length)", feed: feed, firstSeen: .now))
            } else {
                addresses.append((address, feed))
                indicators.append(
                    Indicator(type: .ipv4, value: IPAddress.v4(address).description, feed: feed, firstSeen: .now))
            }
        }
        let index = IndicatorIndex(indicators: indicators)
        var queries = addresses.map(\.address)
        queries += networks.flatMap { [$0.network, $0.network | (UInt32.max >> $0.length), $0.network &- 1] }
        queries += (0..<500).map { _ in
            bases.randomElement(using: &random)! | UInt32.random(in: 0...0xFF_FFFF, using: &random)
        }
        for query in queries {
            var expected: Set<ExpectedHit> = []
            for entry in addresses where entry.address == query {
                expected.insert(
                    ExpectedHit(feed: entry.feed, indicator: IPAddress.v4(query).description, match: .exact))
            }
            for entry in networks where query & ~(UInt32.max >> entry.length) == entry.network {
                expected.insert(
                    ExpectedHit(
                        feed: entry.feed, indicator: "\(IPAddress.v4(entry.network))/\(entry.length)", match: .cidr))
            }
            Self.check(index, .ipv4, IPAddress.v4(query).description, expected: expected)
        }
    }

    @Test("IPv6 addresses and nested, overlapping CIDRs", arguments: seeds)
    func ipv6(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        func text(_ address: UInt128) -> String {
            IPAddress.v6(high: UInt64(truncatingIfNeeded: address >> 64), low: UInt64(truncatingIfNeeded: address))
                .description
        }
        func randomAddress(under base: UInt128) -> UInt128 {
            // Sparse low bits so compressed (`::`) forms and shared prefixes both occur.
            let low = UInt128(UInt64.random(in: 0...UInt64.max, using: &random)) & UInt128(random.next() >> 40)
            return base | (UInt128(random.next() & 0xFFFF_0000_0000) << 64) | low
        }
        let bases = (0..<4).map { _ in UInt128(random.next() & 0xFFFF_0000_0000_0000) << 64 }
        var networks: [(network: UInt128, length: Int, feed: String)] = []
        var addresses: [(address: UInt128, feed: String)] = []
        var indicators: [Indicator] = []
        for _ in 0..<600 {
            let feed = Self.feeds.randomElement(using: &random)!
            let address = randomAddress(under: bases.randomElement(using: &random)!)
            if Bool.random(using: &random) {
                let length = Int.random(in: 16...128, using: &random)
                let network = address & ~(UInt128.max >> length)
                networks.append((network, length, feed))
                indicators.append(
                    Indicator(type: .cidr6, value: "\(text(network))/\(length)", feed: feed, firstSeen: .now))
            } else {
                addresses.append((address, feed))
                indicators.append(Indicator(type: .ipv6, value: text(address), feed: feed, firstSeen: .now))
            }
        }
        let index = IndicatorIndex(indicators: indicators)
        var queries = addresses.map(\.address)
        queries += networks.flatMap { [$0.network, $0.network | (UInt128.max >> $0.length), $0.network &- 1] }
        queries += (0..<500).map { _ in randomAddress(under: bases.randomElement(using: &random)!) }
        for query in queries {
            var expected: Set<ExpectedHit> = []
            for entry in addresses where entry.address == query {
                expected.insert(ExpectedHit(feed: entry.feed, indicator: text(query), match: .exact))
            }
            for entry in networks where query & ~(UInt128.max >> entry.length) == entry.network {
                expected.insert(
                    ExpectedHit(feed: entry.feed, indicator: "\(text(entry.network))/\(entry.length)", match: .cidr))
            }
            Self.check(index, .ipv6, text(query), expected: expected)
        }
    }

    @Test("Domains match exactly and as parents of subdomains", arguments: seeds)
    func domains(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        // A small label alphabet so listed domains are often parents of one another.
        let labels = ["a", "b", "mail", "x-1", "evil", "cdn"]
        let tlds = ["example", "test", "xn--p1ai"]
        func randomName(labelCount: Int) -> String {
            let names = (0..<labelCount).map { _ in labels.randomElement(using: &random)! }
            return (names + [tlds.randomElement(using: &random)!]).joined(separator: ".")
        }
        var listed: [(domain: String, feed: String)] = []
        for _ in 0..<300 {
            listed.append(
                (
                    randomName(labelCount: Int.random(in: 1...3, using: &random)),
                    Self.feeds.randomElement(using: &random)!
                ))
        }
        let index = IndicatorIndex(
            indicators: listed.map { Indicator(type: .domain, value: $0.domain, feed: $0.feed, firstSeen: .now) })
        let queries =
            listed.map(\.domain) + (0..<400).map { _ in randomName(labelCount: Int.random(in: 1...5, using: &random)) }
        for query in queries {
            var expected: Set<ExpectedHit> = []
            for entry in listed {
                if entry.domain == query {
                    expected.insert(ExpectedHit(feed: entry.feed, indicator: entry.domain, match: .exact))
                } else if query.hasSuffix("." + entry.domain) {
                    expected.insert(ExpectedHit(feed: entry.feed, indicator: entry.domain, match: .parentDomain))
                }
            }
            Self.check(index, .domain, query, expected: expected)
            Self.check(index, .hostname, query, expected: expected)
            Self.check(index, .url, "https://\(query):8443/login?next=/", expected: expected)
        }
    }

    @Test("Hashes match only exactly, as raw digests of their own type", arguments: seeds)
    func hashes(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        func hex(_ digits: Int) -> String {
            String((0..<digits).map { _ in "0123456789abcdef".randomElement(using: &random)! })
        }
        let types: [(IndicatorType, ObservableType, Int)] = [
            (.md5, .md5, 32), (.sha1, .sha1, 40), (.sha256, .sha256, 64),
        ]
        var listed: [(type: ObservableType, value: String, feed: String)] = []
        var indicators: [Indicator] = []
        for _ in 0..<600 {
            let (indicatorType, observableType, digits) = types.randomElement(using: &random)!
            let feed = Self.feeds.randomElement(using: &random)!
            let value = hex(digits)
            listed.append((observableType, value, feed))
            indicators.append(Indicator(type: indicatorType, value: value, feed: feed, firstSeen: .now))
            if Int.random(in: 0..<5, using: &random) == 0 {
                let other = Self.feeds.randomElement(using: &random)!
                listed.append((observableType, value, other))
                indicators.append(
                    Indicator(type: indicatorType, value: value.uppercased(), feed: other, firstSeen: .now))
            }
        }
        let index = IndicatorIndex(indicators: indicators)
        var queries = listed.map { ($0.type, $0.value) }
        queries += (0..<300).map { _ in
            let (_, observableType, digits) = types.randomElement(using: &random)!
            return (observableType, hex(digits))
        }
        for (type, value) in queries {
            let expected = Set(
                listed.filter { $0.type == type && $0.value == value }
                    .map { ExpectedHit(feed: $0.feed, indicator: $0.value, match: .exact) })
            Self.check(index, type, value, expected: expected)
        }
        // A longer digest's first 32 digits are an MD5 only if that MD5 is itself listed.
        for entry in listed where entry.type != .md5 {
            let prefix = String(entry.value.prefix(32))
            let expected = Set(
                listed.filter { $0.type == .md5 && $0.value == prefix }
                    .map { ExpectedHit(feed: $0.feed, indicator: prefix, match: .exact) })
            Self.check(index, .md5, prefix, expected: expected)
        }
    }

    @Test("Random address-like text parses exactly when IPAddress parses it", arguments: seeds)
    func addressParsingAgreesWithCore(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        let alphabet = Array("0123456789abcdef:.")
        for _ in 0..<5_000 {
            var text = String(
                (0..<Int.random(in: 1...20, using: &random)).map { _ in alphabet.randomElement(using: &random)! })
            if Bool.random(using: &random) {
                // Also real addresses, half of them with one character changed.
                let address =
                    Bool.random(using: &random)
                    ? IPAddress.v4(UInt32(truncatingIfNeeded: random.next()))
                    : IPAddress.v6(high: random.next() & 0xFFFF_0000_0000_FFFF, low: random.next() >> 32)
                var characters = Array(address.description)
                if Bool.random(using: &random) {
                    characters[Int.random(in: 0..<characters.count, using: &random)] = alphabet.randomElement(
                        using: &random)!
                }
                text = String(characters)
            }
            let core = IPAddress(text)
            let classified = try? IndicatorClassifier.classify(text)
            let parsedAsIP = classified.flatMap { [.ipv4, .ipv6].contains($0.type) ? $0.value : nil }
            #expect(parsedAsIP == core?.description, "\(text)")
        }
    }
}
