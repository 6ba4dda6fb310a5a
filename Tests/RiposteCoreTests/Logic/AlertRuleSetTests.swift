// The rule decisions as tables: clause matching, condition parsing errors, CIDR blocks, which
// grouping rule decides, and when suppression applies.
import FoundationEssentials
import RiposteCore
import Testing

@Suite("Alert rules")
struct AlertRuleSetTests {
    static let t0 = Date(timeIntervalSince1970: 1_700_000_000)

    static func draft(
        source: String = "suricata", ruleUID: String? = "2024897", ruleName: String? = "ET POLICY curl User-Agent",
        severity: Severity = .high, sourceIP: String? = "10.1.2.3", destinationIP: String? = "203.0.113.80",
        host: String? = "ws-042", user: String? = nil, title: String = "ET POLICY curl User-Agent", ref: String = "r"
    ) -> AlertDraft {
        AlertDraft(
            source: source, sourceRef: ref, title: title, severity: severity, time: nil,
            rule: DetectionRule(uid: ruleUID, name: ruleName), sourceEndpoint: Endpoint(ip: sourceIP),
            destinationEndpoint: Endpoint(ip: destinationIP), hostName: host, userName: user, observables: [], raw: [],
            parserVersion: 1)
    }

    static func clause(_ json: String) throws -> ConditionClause {
        try ConditionClause(json: try JSONParser.parse(Array(json.utf8)), path: "c")
    }

    @Test(
        "A clause holds exactly when its field passes its test",
        arguments: [
            (#"{"field":"source","op":"equals","value":"suricata"}"#, true),
            (#"{"field":"source","op":"equals","value":"Suricata"}"#, false),
            (#"{"field":"severity","op":"equals","value":"HIGH"}"#, true),
            (#"{"field":"severity","op":"equals","value":"info"}"#, false),
            (#"{"field":"rule_uid","op":"in","value":["1","2024897"]}"#, true),
            (#"{"field":"rule_uid","op":"in","value":["1","2"]}"#, false),
            (#"{"field":"rule_name","op":"prefix","value":"ET POLICY"}"#, true),
            (#"{"field":"rule_name","op":"prefix","value":"ET SCAN"}"#, false),
            (#"{"field":"src_ip","op":"cidr","value":"10.0.0.0/8"}"#, true),
            (#"{"field":"src_ip","op":"cidr","value":"10.1.2.3/32"}"#, true),
            (#"{"field":"src_ip","op":"cidr","value":"11.0.0.0/8"}"#, false),
            (#"{"field":"src_ip","op":"cidr","value":"::/0"}"#, false),
            (#"{"field":"dst_ip","op":"cidr","value":"0.0.0.0/0"}"#, true),
            (#"{"field":"host","op":"exists","value":true}"#, true),
            (#"{"field":"user","op":"exists","value":true}"#, false),
            (#"{"field":"user","op":"exists","value":false}"#, true),
            (#"{"field":"user","op":"equals","value":"alice"}"#, false),
            (#"{"field":"title","op":"prefix","value":"ET"}"#, true),
        ])
    func clauseMatching(_ json: String, _ expected: Bool) throws {
        #expect(try Self.clause(json).matches(Self.draft()) == expected)
    }

    @Test("CIDR on an IPv6 source", arguments: [("2001:db8::/32", true), ("2001:db9::/32", false), ("10.0.0.0/8", false)])
    func cidrIPv6(_ block: String, _ expected: Bool) throws {
        let clause = try Self.clause(#"{"field":"src_ip","op":"cidr","value":"\#(block)"}"#)
        #expect(clause.matches(Self.draft(sourceIP: "2001:db8::7")) == expected)
        #expect(!clause.matches(Self.draft(sourceIP: "not-an-ip")), "a field that is no address never matches")
    }

    @Test(
        "Bad clauses are rejected with the clause and member named",
        arguments: [
            (#"[{"field":"colour","op":"equals","value":"x"}]"#, "conditions[0].field 'colour' is unknown"),
            (#"[{"field":"source","op":"regex","value":"x"}]"#, "conditions[0].op 'regex' is unknown"),
            (#"[{"field":"source","op":"equals"}]"#, "conditions[0].value must be a string"),
            (#"[{"field":"source","op":"equals","value":""}]"#, "conditions[0].value must be 1 to 1024 bytes"),
            (#"[{"field":"source","op":"in","value":[]}]"#, "conditions[0].value must be an array of 1 to 1000 strings"),
            (#"[{"field":"source","op":"in","value":["a",3]}]"#, "conditions[0].value[1] must be a string"),
            (
                #"[{"field":"host","op":"cidr","value":"10.0.0.0/8"}]"#,
                "conditions[0]: op 'cidr' applies only to src_ip and dst_ip"
            ),
            (#"[{"field":"src_ip","op":"cidr","value":"10.0.0.1/8"}]"#, "is not a CIDR block"),
            (#"[{"field":"src_ip","op":"cidr","value":"10.0.0.0/33"}]"#, "is not a CIDR block"),
            (#"[{"field":"user","op":"exists","value":"yes"}]"#, "conditions[0].value must be true or false"),
            (#"[{"field":"severity","op":"equals","value":"severe"}]"#, "'severe' is not a severity"),
            (#"[{"field":"source","op":"equals","value":"a","extra":1}]"#, "conditions[0]: unknown member 'extra'"),
            (#"[{"field":"source","op":"equals","value":"a"}, 7]"#, "conditions[1] must be an object"),
            (#"{"field":"source"}"#, "conditions must be an array of clauses"),
        ])
    func badConditions(_ json: String, _ message: String) throws {
        let value = try JSONParser.parse(Array(json.utf8))
        #expect {
            _ = try AlertCondition(json: value, path: "conditions")
        } throws: { error in
            (error as? RiposteError)?.code == .invalid && "\(error)".contains(message)
        }
    }

    @Test("A condition round-trips through its JSON")
    func conditionRoundTrip() throws {
        let json = #"""
            [{"field":"src_ip","op":"cidr","value":"192.0.2.0/24"},{"field":"rule_uid","op":"in","value":["b","a"]},
             {"field":"severity","op":"equals","value":"Critical"},{"field":"user","op":"exists","value":false}]
            """#
        let condition = try AlertCondition(json: try JSONParser.parse(Array(json.utf8)), path: "conditions")
        #expect(try AlertCondition(json: condition.json, path: "conditions") == condition)
        #expect(condition.clauses[2].test == .equals("critical"), "severity names are stored canonical")
        #expect(AlertCondition().matches(Self.draft()), "no clauses match every alert")
    }

    static func grouping(
        _ id: String, position: Int, conditions: String, groupBy: [FingerprintField], window: Int = 600,
        maxAlerts: Int? = nil, enabled: Bool = true
    ) throws -> GroupingRule {
        GroupingRule(
            id: GroupingRuleID(rawValue: "grp_" + id), name: id, position: position, enabled: enabled,
            condition: try AlertCondition(json: try JSONParser.parse(Array(conditions.utf8)), path: "conditions"),
            groupBy: groupBy, window: .seconds(window), maxAlerts: maxAlerts, createdAt: t0, updatedAt: t0)
    }

    static func rules() throws -> AlertRuleSet {
        AlertRuleSet(
            groupingRules: [
                try grouping(
                    "late", position: 20, conditions: #"[{"field":"source","op":"equals","value":"suricata"}]"#,
                    groupBy: [.sourceIP], window: 300, maxAlerts: 500),
                try grouping(
                    "early", position: 10, conditions: #"[{"field":"rule_name","op":"prefix","value":"ET SCAN"}]"#,
                    groupBy: [.rule], window: 900),
                try grouping("off", position: 0, conditions: "[]", groupBy: [.title], enabled: false),
            ],
            suppressionRules: [
                SuppressionRule(
                    id: SuppressionRuleID(rawValue: "sup_scanner"), name: "scanner",
                    condition: AlertCondition(clauses: [
                        ConditionClause(field: .sourceIP, test: .cidr(CIDRBlock("10.9.0.0/16")!))
                    ]), owner: "alice", reason: "authorised scanner", expiresAt: t0.addingTimeInterval(3600),
                    createdAt: t0, updatedAt: t0),
                SuppressionRule(
                    id: SuppressionRuleID(rawValue: "sup_paused"), name: "paused",
                    condition: AlertCondition(clauses: [ConditionClause(field: .source, test: .equals("suricata"))]),
                    owner: "bob", reason: "disabled", expiresAt: t0.addingTimeInterval(3600), enabled: false,
                    createdAt: t0, updatedAt: t0),
            ],
            defaultPolicy: GroupingPolicy(window: .seconds(3600)))
    }

    @Test(
        "The first enabled grouping rule by position decides; others fall back to the default",
        arguments: [
            (draft(ruleName: "ET SCAN nmap"), "grp_early", 900, nil as Int?),
            (draft(ruleName: "ET POLICY curl"), "grp_late", 300, 500),
            (draft(source: "wazuh", ruleName: "sshd brute force"), nil, 3600, nil),
        ])
    func groupingDecision(_ draft: AlertDraft, _ rule: String?, _ window: Int, _ maxAlerts: Int?) throws {
        let decision = try Self.rules().decide(draft, now: Self.t0)
        #expect(decision.groupingRule?.rawValue == rule)
        #expect(decision.window == .seconds(window))
        #expect(decision.maxAlerts == maxAlerts)
        #expect(decision.suppressedBy == nil)
    }

    @Test("Alerts a rule groups by entity share a key across rules' other fields, and rules never share keys")
    func groupingKeys() throws {
        let rules = try Self.rules()
        let a = rules.decide(Self.draft(ruleUID: "1", ruleName: "ET POLICY a", ref: "a"), now: Self.t0)
        let b = rules.decide(Self.draft(ruleUID: "2", ruleName: "ET POLICY b", ref: "b"), now: Self.t0)
        let otherHost = rules.decide(Self.draft(sourceIP: "10.1.2.4"), now: Self.t0)
        #expect(a.fingerprint == b.fingerprint, "grp_late groups by src_ip only: different rules, one incident")
        #expect(a.fingerprint != otherHost.fingerprint)
        // Same fields, another rule: a different key, so two rules never feed one incident.
        let scan1 = rules.decide(Self.draft(ruleUID: "9", ruleName: "ET SCAN x"), now: Self.t0)
        let byRuleDefault = Fingerprinter(fields: [.rule]).fingerprint(of: Self.draft(ruleUID: "9", ruleName: "ET SCAN x"))
        #expect(scan1.fingerprint != byRuleDefault)
        let unmatched = Self.draft(source: "wazuh")
        #expect(rules.decide(unmatched, now: Self.t0).fingerprint == Fingerprinter.default.fingerprint(of: unmatched))
    }

    @Test(
        "Suppression applies to matching alerts while enabled and before expiry",
        arguments: [
            ("10.9.1.1", 0.0, "sup_scanner" as String?),
            ("10.9.1.1", 3599.999, "sup_scanner"),
            ("10.9.1.1", 3600, nil),
            ("10.8.1.1", 0, nil),
        ])
    func suppressionDecision(_ sourceIP: String, _ offset: Double, _ expected: String?) throws {
        let decision = try Self.rules().decide(Self.draft(sourceIP: sourceIP), now: Self.t0.addingTimeInterval(offset))
        #expect(decision.suppressedBy?.rawValue == expected)
        #expect(decision.groupingRule?.rawValue == "grp_late", "a suppressed alert still gets its grouping decided")
    }

    @Test("prepare carries the decision into the alert for the store")
    func prepare() throws {
        let id = AlertID(rawValue: "alert_1")
        let prepared = try Self.rules().prepare(Self.draft(sourceIP: "10.9.0.1"), id: id, now: Self.t0)
        #expect(prepared.id == id)
        #expect(prepared.window == .seconds(300) && prepared.maxAlerts == 500)
        #expect(prepared.suppressedBy?.rawValue == "sup_scanner")
    }

    @Test("The live set swaps whole")
    func liveSwap() throws {
        let live = LiveAlertRules()
        #expect(live.current.groupingRules.isEmpty)
        let rules = try Self.rules()
        live.replace(with: rules)
        #expect(live.current == rules)
        #expect(live.current.groupingRules.map(\.id.rawValue) == ["grp_early", "grp_late"], "disabled rules drop out")
        #expect(live.current.suppressionRules.map(\.id.rawValue) == ["sup_scanner"])
    }
}

@Suite("Dedup keys")
struct DedupKeysTests {
    static let keys = try! DedupKeys(parsing: "cef=rule_uid,src_ip,time; syslog=host,title")

    @Test(
        "Only a source with a key and a fallback (sha256:) ref is re-keyed",
        arguments: [
            ("cef", "sha256:ab", "key:100\u{1F}10.0.0.1\u{1F}1700000000123"),
            ("cef", "Vendor|Product|ext-42", "Vendor|Product|ext-42"),
            ("syslog", "sha256:cd", "key:ws-042\u{1F}Login failed"),
            ("leef", "sha256:ef", "sha256:ef"),
        ])
    func rekeying(_ source: String, _ ref: String, _ expected: String) {
        let draft = AlertDraft(
            source: source, sourceRef: ref, title: "Login failed", severity: .low,
            time: Date(timeIntervalSince1970: 1_700_000_000.123), rule: DetectionRule(uid: "100"),
            sourceEndpoint: Endpoint(ip: "10.0.0.1"), hostName: "ws-042", observables: [], raw: [], parserVersion: 1)
        #expect(Self.keys.sourceRef(for: draft) == expected)
        let prepared = AlertRuleSet(dedupKeys: Self.keys).prepare(draft, id: AlertID(rawValue: "alert_1"), now: Date())
        #expect(prepared.draft.sourceRef == expected, "prepare applies the key before the store dedups")
    }

    @Test(
        "Bad key lists name the entry",
        arguments: [
            ("cef", "dedup key 1 'cef' must be source=field,field"),
            ("cef=colour", "dedup key 1 (cef): unknown field 'colour'"),
            ("cef=title;cef=host", "dedup key 2: source 'cef' appears twice"),
            ("cef=", "dedup key 1 (cef) lists no fields"),
        ])
    func badKeys(_ text: String, _ message: String) {
        #expect {
            _ = try DedupKeys(parsing: text)
        } throws: { error in
            (error as? RiposteError)?.code == .invalid && "\(error)".contains(message)
        }
    }
}
