// Fingerprinter: the same rule and entities group together, anything else does not; field lists parse strictly.
import RiposteCore
import Testing

@Suite("Fingerprinter")
struct FingerprinterTests {
    static func alert(
        source: String = "suricata", rule: String? = "1:2018452", title: String = "ET TROJAN CryptoWall Check-in",
        src: String? = "192.168.122.145", dst: String? = "184.170.149.44", host: String? = "ws-1", user: String? = "alice"
    ) -> AlertDraft {
        AlertDraft(
            source: source, sourceRef: "ref", title: title, severity: .high, time: nil, rule: DetectionRule(uid: rule),
            sourceEndpoint: Endpoint(ip: src), destinationEndpoint: Endpoint(ip: dst), hostName: host, userName: user,
            observables: [], raw: [], parserVersion: 1)
    }

    @Test("The same rule and entities give the same 32-hex-digit fingerprint, whatever else differs")
    func same() {
        let first = Fingerprinter.default.fingerprint(of: Self.alert())
        var other = Self.alert(title: "another title")
        other.sourceRef = "other"
        other.severity = .low
        #expect(Fingerprinter.default.fingerprint(of: other) == first)
        #expect(first.count == 32 && first.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) })
    }

    @Test(
        "A different source, rule, address, host or user gives a different fingerprint",
        arguments: [
            ("source", FingerprinterTests.alert(source: "generic")),
            ("rule", FingerprinterTests.alert(rule: "1:2018453")),
            ("src", FingerprinterTests.alert(src: "192.168.122.146")),
            ("dst", FingerprinterTests.alert(dst: nil)),
            ("host", FingerprinterTests.alert(host: "ws-2")),
            ("user", FingerprinterTests.alert(user: "bob")),
        ]
    )
    func different(_ name: String, _ draft: AlertDraft) {
        #expect(Fingerprinter.default.fingerprint(of: draft) != Fingerprinter.default.fingerprint(of: Self.alert()), "\(name)")
    }

    @Test("Field values cannot run into each other across the separator")
    func noAmbiguity() {
        let fingerprinter = Fingerprinter(fields: [.host, .user])
        #expect(
            fingerprinter.fingerprint(of: Self.alert(host: "ab", user: "c"))
                != fingerprinter.fingerprint(of: Self.alert(host: "a", user: "bc")))
    }

    @Test("Without a rule id or name the title stands in, so unrelated rule-less alerts stay apart")
    func ruleless() {
        let one = Self.alert(rule: nil, title: "Disk full")
        let two = Self.alert(rule: nil, title: "Login failed")
        #expect(Fingerprinter.default.fingerprint(of: one) != Fingerprinter.default.fingerprint(of: two))
        #expect(
            Fingerprinter.default.fingerprint(of: one)
                == Fingerprinter.default.fingerprint(of: Self.alert(rule: nil, title: "Disk full")))
    }

    @Test("Only the configured fields count")
    func configuredFields() throws {
        let byRule = try Fingerprinter(parsing: "rule")
        #expect(byRule.fingerprint(of: Self.alert(src: "10.0.0.1")) == byRule.fingerprint(of: Self.alert(src: "10.0.0.2")))
        #expect(byRule.fields == [.rule])
    }

    @Test("Field lists parse with spaces; unknown or empty lists are invalid and name the problem")
    func parsing() throws {
        #expect(try Fingerprinter(parsing: "rule, src_ip ,dst_ip").fields == [.rule, .sourceIP, .destinationIP])
        #expect(try Fingerprinter(parsing: "source,rule,src_ip,dst_ip,host,user").fields == Fingerprinter.default.fields)
        let unknown = #expect(throws: RiposteError.self) { try Fingerprinter(parsing: "rule,srcip") }
        #expect(unknown?.code == .invalid)
        #expect(unknown?.message.contains("'srcip'") == true)
        #expect(unknown?.message.contains("src_ip") == true)
        for empty in ["", ",", " , "] {
            let error = #expect(throws: RiposteError.self) { try Fingerprinter(parsing: empty) }
            #expect(error?.code == .invalid)
        }
    }
}
