// The index over real feeds from the corpus: Feodo Tracker (CSV), Spamhaus DROP and OpenPhish domains (plaintext).
import FoundationEssentials
import RiposteCore
import RiposteIntel
import RiposteTesting
import Testing

@Suite("Indicator index over corpus feeds")
struct IndicatorIndexCorpusTests {
    let firstSeen = Date(timeIntervalSince1970: 1_700_000_000)

    func plaintext(_ path: String, feed: String) throws -> IndicatorParseResult {
        let options = try IndicatorImportOptions(feed: feed, firstSeen: firstSeen)
        return try PlaintextIndicatorParser.parse(Corpus.contents(path), options: options)
    }

    @Test("A Feodo Tracker IP matches exactly, with the feed name, label and the feed's first-seen time")
    func feodoExact() throws {
        let options = try IndicatorImportOptions(feed: "feodotracker", confidence: 90, firstSeen: firstSeen)
        let parsed = try CSVIndicatorParser(mapping: .feodoTracker)
            .parse(Corpus.contents("threat_intel/blocklists/abusech-feodotracker-ipblocklist.csv"), options: options)
        #expect(parsed.indicators.count == 28)
        #expect(parsed.rejected.isEmpty)
        let index = IndicatorIndex(indicators: parsed.indicators)

        // "2023-05-23 17:51:44","192.9.135.73","1194","online","2024-04-01","Pikabot"
        let hits = index.lookup(.ipv4, "192.9.135.73")
        #expect(
            hits == [
                IntelHit(
                    feed: "feodotracker", indicator: "192.9.135.73", match: .exact,
                    firstSeen: Date(timeIntervalSince1970: 1_684_864_304), confidence: 90, label: "Pikabot")
            ])
        #expect(index.lookup(.ipv4, "192.9.135.74").isEmpty)
        #expect(index.lookup(.url, "http://192.9.135.73:1194/gate.php").map(\.match) == [.exact])
    }

    @Test("An address inside a Spamhaus DROP CIDR matches as cidr; addresses just outside do not")
    func spamhausDrop() throws {
        let parsed = try plaintext("threat_intel/blocklists/spamhaus-drop.txt", feed: "spamhaus-drop")
        #expect(parsed.rejected.isEmpty)
        #expect(parsed.indicators.count == 989)
        #expect(parsed.indicators.allSatisfy { $0.type == .cidr4 })
        let index = IndicatorIndex(indicators: parsed.indicators)
        #expect(index.count(of: .cidr4) == 989)

        let first = try #require(parsed.indicators.first)
        let network = try #require(IPv4Network(first.value))
        let inside = IPAddress.v4(network.first + (network.last - network.first) / 2).description
        #expect(index.lookup(.ipv4, inside).map(\.indicator) == [first.value])
        #expect(index.lookup(.ipv4, inside).map(\.match) == [.cidr])
        #expect(index.lookup(.ipv4, IPAddress.v4(network.last).description).count == 1)

        let networks = parsed.indicators.compactMap { IPv4Network($0.value) }
        for outside in [network.first - 1, network.last + 1] {
            let isListed = networks.contains { $0.contains(outside) }
            #expect(index.lookup(.ipv4, IPAddress.v4(outside).description).isEmpty == !isListed)
        }
        #expect(index.lookup(.ipv4, "192.0.2.1").isEmpty)
    }

    @Test("A subdomain of an OpenPhish domain matches as parent_domain; the domain itself exactly")
    func openPhishParentDomain() throws {
        let parsed = try plaintext("threat_intel/blocklists/openphish-derived-domains.txt", feed: "openphish")
        #expect(parsed.indicators.count == 2000)
        #expect(parsed.rejected.isEmpty)
        #expect(parsed.skippedLineCount == 1)
        let index = IndicatorIndex(indicators: parsed.indicators)

        let listed = try #require(parsed.indicators.first { $0.value.split(separator: ".").count == 2 })
        let hits = index.lookup(.domain, "login.secure.\(listed.value)")
        #expect(hits.map(\.indicator) == [listed.value])
        #expect(hits.map(\.match) == [.parentDomain])
        #expect(index.lookup(.domain, listed.value).map(\.match) == [.exact])
        #expect(index.lookup(.hostname, "www.\(listed.value)").map(\.match) == [.parentDomain])

        // Both `15epalthessalonikis.028426.com` and its parent `028426.com` are listed.
        let nested = index.lookup(.domain, "15epalthessalonikis.028426.com")
        #expect(nested.map(\.indicator) == ["15epalthessalonikis.028426.com", "028426.com"])
        #expect(nested.map(\.match) == [.exact, .parentDomain])
        #expect(index.lookup(.domain, "example.com").isEmpty)
    }
}

/// An IPv4 CIDR as first and last address, for brute-force checks.
struct IPv4Network {
    var first: UInt32
    var last: UInt32

    init?(_ text: String) {
        let parts = text.split(separator: "/")
        guard parts.count == 2, case .v4(let address)? = IPAddress(parts[0]), let length = UInt32(parts[1]),
            length <= 32
        else { return nil }
        let hostMask: UInt32 = length == 0 ? .max : (1 << (32 - length)) &- 1
        first = address & ~hostMask
        last = first | hostMask
    }

    func contains(_ address: UInt32) -> Bool {
        first <= address && address <= last
    }
}
