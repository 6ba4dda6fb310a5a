// ObservableExtractor: what free text yields, what it must not, defanged input, and linear time on hostile input.
import RiposteCore
import Testing

@Suite("ObservableExtractor")
struct ObservableExtractorTests {
    func extract(_ text: String) -> [ObservableDraft] { ObservableExtractor.observables(in: text) }

    func values(_ text: String, _ type: ObservableType) -> [String] {
        extract(text).filter { $0.type == type }.map(\.value)
    }

    func draft(_ type: ObservableType, _ value: String) -> ObservableDraft {
        ObservableDraft(type: type, normalizedValue: value)
    }

    @Test("IPv4 addresses are found alone, with ports, in CIDR notation and at sentence ends")
    func ipv4Positives() {
        let text = "Blocked 203.0.113.45:51234 -> 198.51.100.7 (rule 12); net 10.0.0.0/8, last hop 192.0.2.1."
        #expect(values(text, .ipv4) == ["203.0.113.45", "198.51.100.7", "10.0.0.0", "192.0.2.1"])
    }

    @Test("Version numbers, out-of-range octets and leading zeros are not IPv4 addresses")
    func ipv4Negatives() {
        for text in ["agent 1.2.3.4.5 started", "256.1.1.1", "1.2.3.999", "01.2.3.4", "1.2.3", "v1.2.3.4", "1.2.3.4.example"] {
            #expect(values(text, .ipv4).isEmpty, "\(text)")
        }
    }

    @Test("IPv6 addresses are found in canonical form, with brackets and ports, and embedded IPv4")
    func ipv6Positives() {
        let text = "src FE80::1C2D:3E4F:5A6B:7C8D dst [2001:DB8:0:0:0:0:0:1]:443, mapped ::ffff:192.0.2.1 and ::1"
        let mapped = IPAddress("::ffff:192.0.2.1")!.description  // see IPAddressTests: RFC 5952 §5 form pending
        #expect(values(text, .ipv6) == ["fe80::1c2d:3e4f:5a6b:7c8d", "2001:db8::1", mapped, "::1"])
        #expect(values("fe80::1%eth0 is link-local", .ipv6) == ["fe80::1"])
        #expect(values("full 0:0:0:0:0:ffff:192.0.2.1 form", .ipv6) == [mapped])
    }

    @Test("Not every a:b is IPv6: times, MAC addresses, C++ scopes and lone :: are not")
    func ipv6Negatives() {
        for text in [
            "at 12:30:45 the job ran", "mac 00:1a:2b:3c:4d:5e", "std::vector<int>", "a::", "::", "Foo::Bar::baz",
            "ratio 10:1", "dead:beef", "1:2:3:4:5:6:7:8:9",
        ] {
            #expect(values(text, .ipv6).isEmpty, "\(text)")
        }
    }

    @Test("Domains need a real top-level domain, so file names are not domains")
    func domains() {
        #expect(values("Query for update.Evil-Domain.TOP. from host", .domain) == ["update.evil-domain.top"])
        #expect(
            values("beacon to xn--80ak6aa92e.xn--p1ai and cdn.example.co.uk", .domain)
                == ["xn--80ak6aa92e.xn--p1ai", "cdn.example.co.uk"])
        for text in [
            "ran file.exe then index.php", "see invoice.pdf.exe", "config.json and app.js", "e.g. this", "pi is 3.14",
            "host.local and srv.internal", "C:\\Windows\\System32\\evil.dll", "user.name = x", "a.b",
        ] {
            #expect(values(text, .domain).isEmpty, "\(text)")
        }
    }

    @Test("URLs are found with their host, trailing punctuation and unbalanced brackets trimmed")
    func urls() {
        let drafts = extract("Clicked https://Login.Example.com/a/b?x=1&y=2, then (see http://example.org/help).")
        #expect(
            drafts == [
                draft(.url, "https://login.example.com/a/b?x=1&y=2"), draft(.domain, "login.example.com"),
                draft(.url, "http://example.org/help"), draft(.domain, "example.org"),
            ])
        #expect(values("wiki http://en.wikipedia.org/wiki/Foo_(bar) ok", .url) == ["http://en.wikipedia.org/wiki/Foo_(bar)"])
        #expect(values("wget ftp://198.51.100.9:2121/x.sh", .url) == ["ftp://198.51.100.9:2121/x.sh"])
        #expect(values("wget ftp://198.51.100.9:2121/x.sh", .ipv4) == ["198.51.100.9"])
        #expect(values("curl 'http://[2001:db8::1]:8080/p'", .url) == ["http://[2001:db8::1]:8080/p"])
        #expect(values("x=\"http://evil.example/p\"", .url) == ["http://evil.example/p"])
    }

    @Test("Defanged URLs, domains, IPs and emails are refanged")
    func defanged() {
        #expect(values("hxxps://login-micros0ft[.]com/auth?s=1", .url) == ["https://login-micros0ft.com/auth?s=1"])
        #expect(values("hxxp[:]//198.51.100[.]7/gate.php", .url) == ["http://198.51.100.7/gate.php"])
        #expect(values("HXXP[://]evil(.)example/x", .url) == ["http://evil.example/x"])
        #expect(values("C2 at evil[.]com and bad[dot]example[.]net", .domain) == ["evil.com", "bad.example.net"])
        #expect(values("from 203.0.113[.]45", .ipv4) == ["203.0.113.45"])
        #expect(values("reply to bob[at]evil[.]com or eve[@]evil.com", .email) == ["bob@evil.com", "eve@evil.com"])
        #expect(values("array[0] and f(x) are code", .domain).isEmpty)
    }

    @Test("Emails are lowercased and need a real domain")
    func emails() {
        #expect(
            values("From: \"Alice\" <Alice.Smith+tag@Example.COM>; cc mailto:ops@corp.example.com", .email)
                == ["alice.smith+tag@example.com", "ops@corp.example.com"])
        for text in ["root@localhost", "user@host.local", "a@b", "@example.com", "git@github"] {
            #expect(values(text, .email).isEmpty, "\(text)")
        }
        // Tracking senders use local parts past RFC 5321's 64 bytes (this one is from the phishing corpus).
        let tracking = "notifications+7b22636f6e766572736174696f6e5f6964223a313536333638307d@mailer.kickserv.com"
        #expect(values("Return-Path: <\(tracking)>", .email) == [tracking])
        #expect(values(String(repeating: "a", count: 129) + "@example.com", .email).isEmpty, "over 128 bytes")
    }

    @Test("Hashes are hex runs of exactly 32, 40 or 64 characters bounded by non-hex")
    func hashes() {
        let md5 = "D41D8CD98F00B204E9800998ECF8427E"
        let sha1 = "da39a3ee5e6b4b0d3255bfef95601890afd80709"
        let sha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        let drafts = extract("md5=\(md5) sha1:\(sha1) file \(sha256).bin")
        #expect(
            drafts.filter { [.md5, .sha1, .sha256].contains($0.type) } == [
                draft(.md5, md5.lowercased()), draft(.sha1, sha1), draft(.sha256, sha256),
            ])
        #expect(values("x" + md5 + "a", .md5).isEmpty)  // 33 hex digits with the trailing 'a'
        #expect(values(String(md5.dropLast()), .md5).isEmpty)
        #expect(values(sha256, .md5).isEmpty && values(sha256, .sha1).isEmpty)
        #expect(values(String(repeating: "1", count: 32), .md5).isEmpty)  // digits only: a number, not a hash
        #expect(values("guid 550e8400-e29b-41d4-a716-446655440000", .md5).isEmpty)
    }

    @Test("Results are deduplicated in order of first appearance")
    func orderAndDeduplication() {
        let drafts = extract("1.1.1.1 then evil.com, again 1.1.1.1 and EVIL.COM and 2.2.2.2")
        #expect(drafts == [draft(.ipv4, "1.1.1.1"), draft(.domain, "evil.com"), draft(.ipv4, "2.2.2.2")])
        #expect(extract("").isEmpty)
        #expect(ObservableExtractor.observables(inUTF8: Array("see 192.0.2.9".utf8)) == [draft(.ipv4, "192.0.2.9")])
    }

    @Test("Every extracted value is already in ObservableNormalizer's canonical form")
    func canonical() {
        let text = """
            Blocked 203.0.113.45 -> fe80::1c2d:3e4f:5a6b:7c8d; user Alice@Example.COM fetched hxxps://Evil[.]Example.COM/a?b=C \
            and ftp://files.example.net:2121/x; hash E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855, \
            md5 D41D8CD98F00B204E9800998ECF8427E, DNS WWW.Example.ORG. from ::ffff:192.0.2.1 and [2001:DB8::5]:80
            """
        let drafts = extract(text)
        #expect(drafts.count >= 10)
        for draft in drafts {
            #expect(ObservableDraft(draft.type, draft.value)?.value == draft.value, "\(draft.type) \(draft.value)")
        }
    }

    @Test("A 5 MB base64 line and other hostile inputs finish with the right result")
    func hostileInputs() {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        let block = (0..<65_536).map { _ -> UInt8 in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return alphabet[Int(state >> 58)]
        }
        var base64: [UInt8] = []
        base64.reserveCapacity(5_000_000)
        while base64.count < 5_000_000 { base64 += block }
        let found = ObservableExtractor.observables(inUTF8: base64 + Array(" then 192.0.2.77".utf8))
        #expect(found.contains(draft(.ipv4, "192.0.2.77")))
        #expect(found.allSatisfy { [.ipv4, .md5, .sha1, .sha256].contains($0.type) })

        let dotted = String(repeating: "1.", count: 100_000) + " 192.0.2.8"
        #expect(extract(dotted) == [draft(.ipv4, "192.0.2.8")])
        let colons = String(repeating: "a:", count: 100_000)
        #expect(extract(colons).isEmpty)
        let longURL = "http://example.com/" + String(repeating: "a", count: 200_000) + " and evil.com"
        #expect(extract(longURL) == [draft(.domain, "evil.com")])
        let brackets = String(repeating: "x[.]", count: 50_000) + "com"
        #expect(extract(brackets).count <= 1)
        let parentheses = "http://example.com/" + String(repeating: ")", count: 2_000)
        #expect(values(parentheses, .url) == ["http://example.com/"])
    }

    @Test("Known top-level domains: country codes, common generic ones and IDNs")
    func topLevelDomains() {
        for tld in ["com", "DE", "uk", "top", "xyz", "onion", "xn--p1ai", "example"] {
            #expect(ObservableExtractor.isKnownTopLevelDomain(tld), "\(tld)")
        }
        for tld in ["exe", "php", "dll", "local", "internal", "json", "zz", "", "c", "xn--"] {
            #expect(!ObservableExtractor.isKnownTopLevelDomain(tld), "\(tld)")
        }
    }
}
