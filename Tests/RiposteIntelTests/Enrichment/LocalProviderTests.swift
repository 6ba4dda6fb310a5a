// The local providers: GeoIP/ASN from MaxMind's own test databases (scripts/mmdb-testdata) and DNS
// through the system resolver (/etc/hosts answers for localhost without a network).
import Foundation
import RiposteCore
import RiposteIntel
import RiposteRuntime
import Testing

@Suite("Enrichment local providers")
struct LocalProviderTests {
    /// The MaxMind test databases: `RIPOSTE_MMDB_TESTDATA` or `.build/testdata/mmdb` (scripts/mmdb-testdata).
    static func mmdb(_ name: String) throws -> String {
        let directory =
            ProcessInfo.processInfo.environment["RIPOSTE_MMDB_TESTDATA"]
            ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(".build/testdata/mmdb").path
        let path = directory + "/" + name
        guard FileManager.default.fileExists(atPath: path) else {
            throw RiposteError(.unavailable, "\(path) is missing: run scripts/mmdb-testdata (make test does)")
        }
        return path
    }

    @Test("GeoIP2-City-Test and GeoLite2-ASN-Test answer MaxMind's documented test networks")
    func geoip() async throws {
        let city = try MaxMindDatabase(path: try Self.mmdb("GeoIP2-City-Test.mmdb"))
        let asn = try MaxMindDatabase(path: try Self.mmdb("GeoLite2-ASN-Test.mmdb"))
        #expect(city.databaseType == "GeoIP2-City")
        #expect(asn.databaseType == "GeoLite2-ASN")
        let provider = GeoIPProvider(city: city, asn: asn)
        let london = try await provider.lookup(EnrichmentKey(type: .ipv4, value: "81.2.69.142"), timeout: .seconds(5))
        #expect(london.status == .found)
        #expect(london.summary["country"]?.stringValue == "GB")
        #expect(london.summary["city"]?.stringValue == "London")
        #expect(london.summary["subdivision"]?.stringValue == "ENG")
        #expect(london.summary["latitude"]?.numberValue == 51.5142)
        #expect(london.summary["time_zone"]?.stringValue == "Europe/London")
        #expect(london.summary["asn"] == nil, "81.2.69.142 is in no network of the ASN test file")

        let telstra = try await provider.lookup(EnrichmentKey(type: .ipv4, value: "1.128.0.0"), timeout: .seconds(5))
        #expect(telstra.summary["asn"]?.numberValue == 1221)
        #expect(telstra.summary["as_organization"]?.stringValue == "Telstra Pty Ltd")
        let merit = try await provider.lookup(EnrichmentKey(type: .ipv6, value: "2600:6000::"), timeout: .seconds(5))
        #expect(merit.summary["asn"]?.numberValue == 237)
        let japan = try await provider.lookup(EnrichmentKey(type: .ipv6, value: "2001:218::"), timeout: .seconds(5))
        #expect(japan.summary["country"]?.stringValue == "JP")
        #expect(japan.summary["city"] == nil)

        let privateAddress = try await provider.lookup(EnrichmentKey(type: .ipv4, value: "10.0.0.1"), timeout: .seconds(5))
        #expect(privateAddress == .notFound)
        #expect(throws: RiposteError.self) { try MaxMindDatabase(path: "/nonexistent/x.mmdb") }
    }

    @Test("DNS: A/AAAA of localhost and the PTR of 127.0.0.1 through the system resolver; unknown names are not found")
    func dns() async throws {
        let resolver = SystemResolver(threadCount: 2)
        let provider = DNSProvider(resolver: resolver)
        let forward = try await provider.lookup(EnrichmentKey(type: .hostname, value: "localhost"), timeout: .seconds(10))
        let addresses = (forward.summary["a"]?.arrayValue ?? []) + (forward.summary["aaaa"]?.arrayValue ?? [])
        #expect(addresses.contains(.string("127.0.0.1")) || addresses.contains(.string("::1")))
        let reverse = try await provider.lookup(EnrichmentKey(type: .ipv4, value: "127.0.0.1"), timeout: .seconds(10))
        #expect(reverse.summary["ptr"]?.stringValue?.hasPrefix("localhost") == true)
        // RFC 6761: .invalid never resolves.
        let missing = try await provider.lookup(
            EnrichmentKey(type: .domain, value: "no-such-name.invalid"), timeout: .seconds(10))
        #expect(missing == .notFound)
        await #expect(throws: RiposteError.self) { try await resolver.name(of: "not-an-ip", timeout: .seconds(5)) }
        await resolver.shutdown()
    }
}
