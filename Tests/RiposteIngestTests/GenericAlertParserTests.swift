// GenericAlertParser: the documented shape, its required field, type checks and observable validation.
import RiposteCore
import RiposteIngest
import Testing

@Suite("GenericAlertParser")
struct GenericAlertParserTests {
    let parser = GenericAlertParser()

    func draft(_ json: String) throws -> AlertDraft {
        let record = bytes(json)
        return try parser.parse(record: record, value: JSONParser.parse(record))
    }

    func message(_ json: String) -> String? {
        let error = #expect(throws: RiposteError.self, "\(json)") { try draft(json) }
        #expect(error?.code == .invalid)
        return error?.message
    }

    @Test("A title alone is enough; the source ref is the SHA-256 of the exact bytes")
    func minimal() throws {
        let result = try draft(#"{"title":"Phish"}"#)
        #expect(result.title == "Phish")
        #expect(result.source == "generic" && result.parserVersion == 1)
        #expect(result.severity == .unknown && result.time == nil && result.rule == DetectionRule())
        #expect(result.sourceEndpoint.isEmpty && result.destinationEndpoint.isEmpty)
        #expect(result.observables.isEmpty && result.raw == bytes(#"{"title":"Phish"}"#))
        #expect(result.sourceRef == "sha256:66e87ead7dfad1971d054f23dcaa2601cc2ec68f4d198c302a9642567e4feb68")
        #expect(try draft(#"{"title":"Phish"}"#).sourceRef == result.sourceRef)
        #expect(try draft(#"{"title": "Phish"}"#).sourceRef != result.sourceRef)
    }

    @Test("Every documented field maps")
    func full() throws {
        let result = try draft(
            #"""
            {"title":"Phishing mail from x@evil.example","severity":"High","time":"2026-01-04T16:26:38.877Z",
             "source_ref":"INC-4711","rule":{"uid":"R-12","name":"Phishing","category":"Mail"},
             "src_ip":"203.0.113.7","src_port":51234,"dst_ip":"2001:DB8::2","dst_port":443,"host":"WS-042","user":"alice",
             "observables":[{"type":"domain","value":"Evil.Example"},{"type":"ip","value":"198.51.100.9"},{"type":"sha256","value":"E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"}],
             "description":"Clicked hxxps://evil[.]example/login from 203.0.113.7","extra":{"kept":"in raw"}}
            """#)
        #expect(result.severity == .high)
        #expect(result.time == EventTime.date(unixMilliseconds: 1_767_543_998_877))
        #expect(result.sourceRef == "INC-4711")
        #expect(result.rule == DetectionRule(uid: "R-12", name: "Phishing", category: "Mail"))
        #expect(result.sourceEndpoint == Endpoint(ip: "203.0.113.7", port: 51234))
        #expect(result.destinationEndpoint == Endpoint(ip: "2001:db8::2", port: 443))
        #expect(result.hostName == "WS-042" && result.userName == "alice")
        #expect(
            result.observables == [
                ObservableDraft(type: .ipv4, normalizedValue: "203.0.113.7"),
                ObservableDraft(type: .ipv6, normalizedValue: "2001:db8::2"),
                ObservableDraft(type: .domain, normalizedValue: "evil.example"),
                ObservableDraft(type: .ipv4, normalizedValue: "198.51.100.9"),
                ObservableDraft(
                    type: .sha256, normalizedValue: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
                ObservableDraft(type: .hostname, normalizedValue: "ws-042"),
                ObservableDraft(type: .username, normalizedValue: "alice"),
                ObservableDraft(type: .email, normalizedValue: "x@evil.example"),
                ObservableDraft(type: .url, normalizedValue: "https://evil.example/login"),
            ])
    }

    @Test("A missing or empty title is invalid")
    func title() {
        #expect(message(#"{"severity":"high"}"#) == "missing required field 'title'")
        #expect(message(#"{"title":null}"#) == "missing required field 'title'")
        for bad in [#"{"title":""}"#, #"{"title":"  \n"}"#, #"{"title":5}"#, #"{"title":["x"]}"#] {
            #expect(message(bad) == "field 'title' must be a non-empty string")
        }
    }

    @Test(
        "Severity is a name (any case) or an OCSF number 0-5",
        arguments: [
            (#""critical""#, Severity.critical), (#""HIGH""#, .high), (#""Medium""#, .medium), (#""low""#, .low),
            (#""info""#, .informational), (#""informational""#, .informational), (#""unknown""#, .unknown),
            ("0", .unknown), ("1", .informational), ("2", .low), ("3", .medium), ("4", .high), ("5", .critical),
            ("null", .unknown),
        ]
    )
    func severity(_ json: String, _ expected: Severity) throws {
        #expect(try draft(#"{"title":"t","severity":"# + json + "}").severity == expected)
    }

    @Test("Other severities are invalid and list the names", arguments: [#""severe""#, "6", "-1", "2.5", "true", #""3""#, "{}"])
    func badSeverity(_ json: String) {
        #expect(
            message(#"{"title":"t","severity":"# + json + "}")?
                .hasSuffix("is not one of unknown, informational, low, medium, high, critical or a number 0-5") == true)
    }

    @Test("Fields of the wrong type or with invalid values are invalid and named")
    func fieldErrors() {
        let cases: [(String, String)] = [
            (#""time":"yesterday""#, "field 'time' 'yesterday' is not an RFC 3339 timestamp"),
            (#""time":1767543998877"#, "field 'time' 1767543998877 is not an RFC 3339 timestamp"),
            (#""source_ref":"""#, "field 'source_ref' '' must be a non-empty string (at most 512 bytes) or an integer"),
            (#""id":1.5"#, "field 'source_ref' 1.5 must be a non-empty string (at most 512 bytes) or an integer"),
            (#""rule":[1]"#, "field 'rule' must be an object with 'uid', 'name' and 'category', or a string"),
            (#""rule":{"uid":true}"#, "field 'rule.uid' true must be a string"),
            (#""src_ip":"10.0.0.256""#, "field 'src_ip' '10.0.0.256' is not an IP address"),
            (#""dst_ip":7"#, "field 'dst_ip' 7 is not an IP address"),
            (#""src_port":70000"#, "field 'src_port' 70000 is not a port number (0-65535)"),
            (#""dst_port":"https""#, "field 'dst_port' 'https' is not a port number (0-65535)"),
            (#""host":1"#, "field 'host' must be a string"),
            (#""user":{}"#, "field 'user' must be a string"),
            (#""description":[]"#, "field 'description' must be a string"),
        ]
        for (field, expected) in cases {
            #expect(message(#"{"title":"t","# + field + "}") == expected)
        }
    }

    @Test("Source ref comes from source_ref, else id, as text")
    func sourceRef() throws {
        #expect(try draft(#"{"title":"t","id":4711}"#).sourceRef == "4711")
        #expect(try draft(#"{"title":"t","id":"a","source_ref":"b"}"#).sourceRef == "b")
        #expect(try draft(#"{"title":"t","rule":"Brute force"}"#).rule == DetectionRule(name: "Brute force"))
        #expect(try draft(#"{"title":"t","rule":{"uid":12}}"#).rule == DetectionRule(uid: "12"))
    }

    @Test("The observables list is validated element by element, naming the index")
    func observableErrors() {
        let known = "ip, ipv4, ipv6, domain, url, email, md5, sha1, sha256, hostname, username"
        let cases: [(String, String)] = [
            (
                #"{"type":"ipv4","value":"1.2.3.4"},{"type":"foo","value":"x"}"#,
                "observables[1]: unknown type 'foo'; known: \(known)"
            ),
            (#"{"type":"ipv4","value":"999.1.1.1"}"#, "observables[0]: '999.1.1.1' is not a valid ipv4"),
            (#"{"type":"ip","value":"evil.example"}"#, "observables[0]: 'evil.example' is not a valid ip"),
            (#"{"type":"md5","value":"abc"}"#, "observables[0]: 'abc' is not a valid md5"),
            (#"{"value":"1.2.3.4"}"#, "observables[0]: missing string field 'type'; known: \(known)"),
            (#"{"type":"ipv4"}"#, "observables[0]: missing string field 'value'"),
            (#"{"type":"ipv4","value":16909060}"#, "observables[0]: missing string field 'value'"),
            (#""1.2.3.4""#, "observables[0]: expected an object with 'type' and 'value'"),
        ]
        for (elements, expected) in cases {
            #expect(message(#"{"title":"t","observables":["# + elements + "]}") == expected)
        }
        #expect(
            message(#"{"title":"t","observables":{"type":"ipv4"}}"#)
                == #"field 'observables' must be an array of {"type", "value"} objects"#)
    }

    @Test("Observable types are case-insensitive, ip picks the family, and repeats collapse")
    func observableTypes() throws {
        let result = try draft(
            #"""
            {"title":"seen 10.0.0.1","src_ip":"10.0.0.1","observables":[{"type":"IP","value":"fe80::1"},
             {"type":"IPv4","value":"10.0.0.1"},{"type":"Username","value":"Bob"}]}
            """#)
        #expect(
            result.observables == [
                ObservableDraft(type: .ipv4, normalizedValue: "10.0.0.1"),
                ObservableDraft(type: .ipv6, normalizedValue: "fe80::1"),
                ObservableDraft(type: .username, normalizedValue: "Bob"),
            ])
    }
}
