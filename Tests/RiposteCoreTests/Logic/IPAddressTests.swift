// IPAddress: strict parsing, RFC 5952 canonical text, and the private-range test.
import RiposteCore
import Testing

@Suite("IPAddress")
struct IPAddressTests {
    @Test(
        "Dotted-quad IPv4 parses and prints back unchanged", arguments: ["0.0.0.0", "192.168.0.1", "255.255.255.255", "8.8.8.8"])
    func ipv4(_ text: String) {
        guard case .v4 = IPAddress(text) else {
            Issue.record("\(text) did not parse as IPv4")
            return
        }
        #expect(IPAddress(text)?.description == text)
    }

    @Test(
        "Malformed IPv4 is rejected: out of range, too few or many parts, leading zeros, signs, spaces",
        arguments: [
            "256.0.0.1", "1.2.3", "1.2.3.4.5", "01.2.3.4", "1.2.3.04", "1.2.3.-1", "+1.2.3.4", "", " 1.2.3.4",
            "1.2.3.4 ", "1..3.4", "1.2.3.", "1.2.3.4/24", "0x1.2.3.4", "1234.1.1.1",
        ]
    )
    func ipv4Rejects(_ text: String) {
        #expect(IPAddress(text) == nil)
    }

    @Test(
        "IPv6 prints in RFC 5952 form: lowercase, no leading zeros, longest zero run compressed (first on ties), never one group",
        arguments: [
            ("2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1"),
            ("2001:db8::0:1", "2001:db8::1"),
            ("2001:db8:0:0:0:0:2:1", "2001:db8::2:1"),
            ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),
            ("2001:0:0:1:0:0:0:1", "2001:0:0:1::1"),
            ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
            ("1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"),
            ("::", "::"),
            ("::1", "::1"),
            ("1::", "1::"),
            ("FE80::ABCD", "fe80::abcd"),
            ("0:0:0:0:0:0:0:0", "::"),
            ("::2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8"),
        ]
    )
    func ipv6Canonical(_ input: String, _ expected: String) {
        #expect(IPAddress(input)?.description == expected)
    }

    @Test("IPv4-mapped IPv6 should print with a dotted tail (RFC 5952 §5)")
    func ipv4Mapped() {
        #expect(IPAddress("::ffff:192.0.2.1") == IPAddress("::ffff:c000:201"))
        withKnownIssue("IPAddress.description prints ::ffff:c000:201; RFC 5952 §5 recommends ::ffff:192.0.2.1") {
            #expect(IPAddress("::ffff:192.0.2.1")?.description == "::ffff:192.0.2.1")
        }
    }

    @Test(
        "Malformed IPv6 is rejected: extra groups, two ::, long groups, bad digits, zones, brackets",
        arguments: [
            ":::", "1:2:3:4:5:6:7:8:9", "1::2::3", "12345::", "g::1", "1:2:3:4:5:6:7", ":1::", "1::2:",
            "fe80::1%eth0", "[::1]", "::ffff:256.0.0.1", "1:2:3:4:5:6:7:8::", ":", "1:2:3:4:5:6:1.2.3.4:5",
            "+1::", "1::-2",
        ]
    )
    func ipv6Rejects(_ text: String) {
        #expect(IPAddress(text) == nil)
    }

    @Test("Equal addresses compare equal whatever their spelling")
    func equality() {
        #expect(IPAddress("2001:db8::1") == IPAddress("2001:0db8:0:0:0:0:0:0001"))
        #expect(IPAddress("10.0.0.1") != IPAddress("::ffff:10.0.0.1"))
    }

    @Test(
        "Private, loopback and link-local ranges are private; public addresses are not",
        arguments: [
            ("10.1.2.3", true), ("172.16.0.1", true), ("172.31.255.255", true), ("172.32.0.1", false),
            ("192.168.1.1", true), ("127.0.0.1", true), ("169.254.1.1", true), ("8.8.8.8", false),
            ("203.0.113.5", false), ("::1", true), ("fc00::1", true), ("fd12:3456::1", true), ("fe80::1", true),
            ("2001:db8::1", false), ("2606:4700::1111", false),
        ]
    )
    func privateRanges(_ text: String, _ isPrivate: Bool) {
        #expect(IPAddress(text)?.isPrivate == isPrivate)
    }
}
