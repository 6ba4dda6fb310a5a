// ObservableNormalizer: canonical forms per observable type, and what each type rejects.
import RiposteCore
import Testing

@Suite("ObservableNormalizer")
struct ObservableNormalizerTests {
    func normalize(_ raw: String, _ type: ObservableType) -> String? { ObservableNormalizer.normalize(raw, as: type) }

    @Test(
        "Values get their canonical form",
        arguments: [
            ("Example.COM.", ObservableType.domain, "example.com"),
            ("  evil.example\n", .domain, "evil.example"),
            ("_dmarc.Example.com", .domain, "_dmarc.example.com"),
            ("xn--80ak6aa92e.XN--P1AI", .domain, "xn--80ak6aa92e.xn--p1ai"),
            ("WS-042.", .hostname, "ws-042"),
            ("Alice.Smith@Example.COM", .email, "alice.smith@example.com"),
            (String(repeating: "A", count: 128) + "@Example.com", .email, String(repeating: "a", count: 128) + "@example.com"),
            ("HTTP://Example.COM/Path?Q=1#Frag", .url, "http://example.com/Path?Q=1#Frag"),
            ("hxxps://Evil.example/x", .url, "https://evil.example/x"),
            ("ftp://User@Files.Example.net:2121/a", .url, "ftp://user@files.example.net:2121/a"),
            ("http://[2001:DB8::1]:8080/", .url, "http://[2001:db8::1]:8080/"),
            ("http://intranet/wiki", .url, "http://intranet/wiki"),
            ("D41D8CD98F00B204E9800998ECF8427E", .md5, "d41d8cd98f00b204e9800998ecf8427e"),
            ("DA39A3EE5E6B4B0D3255BFEF95601890AFD80709", .sha1, "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
            (
                "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855", .sha256,
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
            ),
            ("192.0.2.1", .ipv4, "192.0.2.1"),
            ("2001:DB8:0:0::1", .ipv6, "2001:db8::1"),
            ("CORP\\Alice", .username, "CORP\\Alice"),
            // Byte-level trimming: a CRLF line end is whitespace too, non-ASCII text is kept whole.
            ("\r\nevil.example\r\n", .domain, "evil.example"),
            ("\t José Müller ", .username, "José Müller"),
            ("http://Example.com/ü?q=é", .url, "http://example.com/ü?q=é"),
            // Unicode lowercasing turns the Kelvin sign (U+212A) into ASCII 'k': the non-ASCII path.
            ("\u{212A}ELVIN.Example", .domain, "kelvin.example"),
        ]
    )
    func canonical(_ raw: String, _ type: ObservableType, _ expected: String) {
        #expect(normalize(raw, type) == expected)
        #expect(ObservableDraft(type, raw)?.value == expected)
        #expect(normalize(expected, type) == expected, "canonical form is a fixed point")
    }

    @Test(
        "Invalid values are rejected",
        arguments: [
            ("localhost", ObservableType.domain), ("exa mple.com", .domain), ("-bad.com", .domain), ("bad-.com", .domain),
            ("a..com", .domain), ("example.123", .domain), ("example.c", .domain), ("bücher.de", .domain),
            (String(repeating: "a", count: 64) + ".com", .domain),
            (String(repeating: "abcdefghi.", count: 26) + "com", .domain),
            ("alice", .email), ("@example.com", .email), ("alice@localhost", .email), ("a b@example.com", .email),
            (String(repeating: "a", count: 129) + "@example.com", .email),
            ("javascript:alert(1)", .url), ("http://", .url), ("http:///path", .url), ("mailto:a@example.com", .url),
            ("http://exa mple.com/", .url), ("http://evil.com/a b", .url), ("http://host:port/", .url),
            ("gopher://example.com/", .url), ("http://[::1/", .url),
            ("d41d8cd98f00b204e9800998ecf8427", .md5), ("g41d8cd98f00b204e9800998ecf8427e", .md5),
            ("da39a3ee5e6b4b0d3255bfef95601890afd8070", .sha1), ("e3b0c442", .sha256),
            ("010.1.1.1", .ipv4), ("2001:db8::1", .ipv4), ("192.0.2.1", .ipv6), ("", .ipv4),
            ("ali\u{7}ce", .username), ("", .username), ("host name", .hostname),
        ]
    )
    func rejects(_ raw: String, _ type: ObservableType) {
        #expect(normalize(raw, type) == nil)
        #expect(ObservableDraft(type, raw) == nil)
    }

    @Test("Values longer than 2048 bytes are rejected")
    func lengthLimit() {
        #expect(normalize("http://example.com/" + String(repeating: "a", count: 2030), .url) == nil)
        #expect(normalize("http://example.com/" + String(repeating: "a", count: 2000), .url) != nil)
        #expect(normalize(String(repeating: "a", count: 2049), .username) == nil)
    }
}
