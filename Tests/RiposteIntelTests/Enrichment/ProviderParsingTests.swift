// The pure parts of the providers: each vendor's documented sample answer → summary and verdict, the
// VirusTotal URL identifier, Retry-After, and the token bucket over an injected time.
import Foundation
import RiposteCore
import RiposteIntel
import RiposteTesting
import Testing

@Suite("Enrichment provider parsing")
struct ProviderParsingTests {
    private func parse(_ text: String) throws -> JSONValue { try JSONParser.parse(Array(text.utf8)) }

    @Test("VirusTotal: last_analysis_stats decide; 9 malicious engines make it malicious, 1 suspicious")
    func virusTotal() throws {
        let ip = try VirusTotalProvider.parse(parse(ReputationSimulator.Samples.virusTotalIP))
        #expect(ip.status == .found)
        #expect(ip.verdict == .malicious)
        #expect(ip.summary["malicious"]?.numberValue == 9)
        #expect(ip.summary["engines"]?.numberValue == 94)
        #expect(ip.summary["as_owner"]?.stringValue == "EXAMPLE-NET")
        #expect(ip.reason == "VirusTotal: 9 of 94 engines flag it malicious, 2 suspicious")
        let domain = try VirusTotalProvider.parse(parse(ReputationSimulator.Samples.virusTotalDomain))
        #expect(domain.verdict == .suspicious)
        #expect(domain.summary["registrar"]?.stringValue == "Example Registrar, Inc.")
        let clean = try VirusTotalProvider.parse(
            parse(#"{"data":{"attributes":{"last_analysis_stats":{"harmless":70,"malicious":0,"suspicious":0}}}}"#))
        #expect(clean.verdict == nil)
        #expect(throws: RiposteError.self) { try VirusTotalProvider.parse(parse(#"{"error":{"code":"NotFoundError"}}"#)) }
    }

    @Test("VirusTotal URL identifiers are unpadded base64url, and paths follow the observable type")
    func virusTotalPaths() {
        // base64("http://a.example/?x=1>") = aHR0cDovL2EuZXhhbXBsZS8/eD0xPg== → '/'→'_' and no padding.
        #expect(VirusTotalProvider.urlIdentifier("http://a.example/?x=1>") == "aHR0cDovL2EuZXhhbXBsZS8_eD0xPg")
        #expect(VirusTotalProvider.urlIdentifier("https://www.virustotal.com/") == "aHR0cHM6Ly93d3cudmlydXN0b3RhbC5jb20v")
        #expect(
            VirusTotalProvider.path(for: EnrichmentKey(type: .ipv6, value: "2001:db8::1"))
                == "/api/v3/ip_addresses/2001%3Adb8%3A%3A1")
        #expect(VirusTotalProvider.path(for: EnrichmentKey(type: .sha256, value: "ab")) == "/api/v3/files/ab")
        #expect(VirusTotalProvider.path(for: EnrichmentKey(type: .hostname, value: "a.example")) == "/api/v3/domains/a.example")
        #expect(VirusTotalProvider.path(for: EnrichmentKey(type: .email, value: "a@b.example")) == nil)
    }

    @Test("AbuseIPDB: the documented CHECK example scores 100 and is malicious; 25–74 is suspicious")
    func abuseIPDB() throws {
        let answer = try AbuseIPDBProvider.parse(parse(ReputationSimulator.Samples.abuseIPDBCheck))
        #expect(answer.verdict == .malicious)
        #expect(answer.summary["country_code"]?.stringValue == "CN")
        #expect(answer.summary["usage_type"]?.stringValue == "Data Center/Web Hosting/Transit")
        #expect(answer.summary["total_reports"]?.numberValue == 1)
        #expect(answer.summary["isp"]?.stringValue == "Tencent Cloud Computing (Beijing) Co. Ltd")
        let middling = try AbuseIPDBProvider.parse(parse(#"{"data":{"abuseConfidenceScore":40,"totalReports":3}}"#))
        #expect(middling.verdict == .suspicious)
        #expect(middling.reason == "AbuseIPDB: abuse confidence 40% from 3 reports")
        #expect(try AbuseIPDBProvider.parse(parse(#"{"data":{"abuseConfidenceScore":24}}"#)).verdict == nil)
        #expect(throws: RiposteError.self) { try AbuseIPDBProvider.parse(parse(#"{"errors":[]}"#)) }
    }

    @Test("OTX: pulses make a value suspicious, never malicious; validated values get no verdict")
    func otx() throws {
        let answer = try OTXProvider.parse(parse(ReputationSimulator.Samples.otxIPv4General))
        #expect(answer.verdict == .suspicious)
        #expect(answer.summary["pulse_count"]?.numberValue == 2)
        #expect(answer.reason == #"OTX: in 2 pulses ("Example botnet C2 infrastructure"…)"#)
        let validated = try OTXProvider.parse(
            parse(#"{"pulse_info":{"count":4,"pulses":[]},"validation":[{"source":"alexa","name":"Alexa top"}]}"#))
        #expect(validated.verdict == nil)
        #expect(try OTXProvider.parse(parse(#"{"pulse_info":{"count":0,"pulses":[]}}"#)).verdict == nil)
        #expect(OTXProvider.section(for: .sha1) == "file")
        #expect(OTXProvider.section(for: .ipv6) == "IPv6")
    }

    @Test("GreyNoise: malicious classification is malicious; RIOT/benign gives no verdict but is summarised")
    func greyNoise() throws {
        let riot = try GreyNoiseProvider.parse(parse(ReputationSimulator.Samples.greyNoiseRIOT))
        #expect(riot.verdict == nil)
        #expect(riot.summary["riot"] == .bool(true))
        #expect(riot.summary["name"]?.stringValue == "Cloudflare")
        let bad = try GreyNoiseProvider.parse(parse(ReputationSimulator.Samples.greyNoiseMalicious))
        #expect(bad.verdict == .malicious)
        #expect(bad.reason == "GreyNoise classifies it malicious (seen mass-scanning the internet)")
    }

    @Test("RDAP: registrar from the registrar entity's jCard, events, and IP network fields")
    func rdap() throws {
        let domain = try RDAPProvider.parse(parse(ReputationSimulator.Samples.rdapDomain))
        #expect(domain.summary["name"]?.stringValue == "EXAMPLE.COM")
        #expect(domain.summary["registrar"]?.stringValue == "RESERVED-Internet Assigned Numbers Authority")
        #expect(domain.summary["registrar_iana_id"]?.stringValue == "376")
        #expect(domain.summary["registered"]?.stringValue == "1995-08-14T04:00:00Z")
        #expect(domain.summary["expires"]?.stringValue == "2025-08-13T04:00:00Z")
        #expect(domain.verdict == nil)
        let network = try RDAPProvider.parse(parse(ReputationSimulator.Samples.rdapIP))
        #expect(network.summary["country"]?.stringValue == "AU")
        #expect(network.summary["start_address"]?.stringValue == "203.0.113.0")
        #expect(network.summary["registrant"]?.stringValue == "Example Org")
        #expect(throws: RiposteError.self) { try RDAPProvider.parse(parse(#"{"errorCode":404}"#)) }
    }

    @Test("Retry-After as seconds or an HTTP date")
    func retryAfter() {
        let now = Date(timeIntervalSince1970: 1_445_412_480)  // Wed, 21 Oct 2015 07:28:00 GMT
        #expect(ProviderEndpoint.retryAfterSeconds("120", now: now) == 120)
        #expect(ProviderEndpoint.retryAfterSeconds("Wed, 21 Oct 2015 07:29:00 GMT", now: now) == 60)
        #expect(ProviderEndpoint.retryAfterSeconds("soon", now: now) == nil)
        #expect(ProviderEndpoint.retryAfterSeconds(nil, now: now) == nil)
    }

    @Test("The token bucket grants its burst, then one token per 60/rate seconds of injected time")
    func tokenBucket() {
        let t0 = Date(timeIntervalSince1970: 1_700_000_000)
        let bucket = TokenBucket(ratePerMinute: 4)
        for _ in 0..<4 { #expect(bucket.take(now: t0) == nil) }
        #expect(bucket.take(now: t0) == .seconds(15))
        #expect(bucket.take(now: t0.addingTimeInterval(10)) == .seconds(5))
        #expect(bucket.take(now: t0.addingTimeInterval(15)) == nil)
        #expect(bucket.wait(for: 2, now: t0.addingTimeInterval(15)) == .seconds(30))
        // Refill never passes the capacity.
        #expect(bucket.wait(for: 10, now: t0.addingTimeInterval(3600)) == .zero)
        for _ in 0..<4 { #expect(bucket.take(now: t0.addingTimeInterval(3600)) == nil) }
        #expect(bucket.take(now: t0.addingTimeInterval(3600)) != nil)
    }
}
