// Maps Elastic Security detection alerts (ECS + `kibana.alert.*`, flat or nested) to alert drafts.
import FoundationEssentials
package import RiposteCore

/// Parses Elastic Security detection alert documents as a Kibana webhook connector sends them
/// (the `.alerts-security.alerts-*` documents of `{{context.alerts}}`), one per draft.
///
/// A record is either one alert document or an envelope holding them in `alerts` or
/// `context.alerts` (the usual action body `{"alerts": {{{context.alerts}}}}`). Documents may be
/// dotted-flat (`"kibana.alert.rule.name": …`), nested, or mixed: fields are read with
/// ``FieldPath``, which accepts all three.
///
/// Mapping:
/// - **title**: `kibana.alert.rule.name`, else `rule.name`, else `kibana.alert.reason` (one is required).
/// - **rule**: uid `kibana.alert.rule.uuid` (else `rule.id`), name as the title's rule name,
///   category `kibana.alert.rule.category`.
/// - **severity**: `kibana.alert.severity` (low, medium, high, critical), else
///   `kibana.alert.risk_score` in Elastic's default bands (0-21 low, 22-47 medium, 48-73 high,
///   74-100 critical), else unknown.
/// - **time**: `kibana.alert.original_time` (the source event's time), else `@timestamp`.
/// - **endpoints**: `source.ip`/`.port`/`.domain`, `destination.ip`/`.port`/`.domain`.
/// - **host name**: `host.name` (else `host.hostname`); **user**: `user.name`.
/// - **observables**, in order: source and destination IPs and domains, `host.ip`, `host.name`,
///   `user.name`, `url.full` (else `url.original`), `dns.question.name`, `file.hash.md5/sha1/sha256`,
///   `process.hash.*`, `email.from.address`, `email.to.address`. Multi-valued fields give every value.
/// - **source ref**: `kibana.alert.uuid`, else `_id`, else `sha256:` of the document's bytes.
///
/// An item's raw payload is the record's exact bytes for a single document, and the document's
/// compact JSON when it came inside an envelope.
package struct ElasticAlertParser: JSONMultiAlertParser {
    package var source: String { "elastic" }
    package var version: Int { 1 }

    package init() {}

    /// The field paths the mapping reads, parsed once.
    enum Paths {
        static let envelope = path("alerts")
        static let contextEnvelope = path("context.alerts")
        static let uuid = path("kibana.alert.uuid")
        static let documentID = path("_id")
        static let ruleName = path("kibana.alert.rule.name")
        static let ecsRuleName = path("rule.name")
        static let reason = path("kibana.alert.reason")
        static let ruleUUID = path("kibana.alert.rule.uuid")
        static let ecsRuleID = path("rule.id")
        static let ruleCategory = path("kibana.alert.rule.category")
        static let severity = path("kibana.alert.severity")
        static let riskScore = path("kibana.alert.risk_score")
        static let originalTime = path("kibana.alert.original_time")
        static let timestamp = path("@timestamp")
        static let sourceIP = path("source.ip")
        static let sourcePort = path("source.port")
        static let sourceDomain = path("source.domain")
        static let destinationIP = path("destination.ip")
        static let destinationPort = path("destination.port")
        static let destinationDomain = path("destination.domain")
        static let hostName = path("host.name")
        static let hostHostname = path("host.hostname")
        static let hostIP = path("host.ip")
        static let userName = path("user.name")
        static let urlFull = path("url.full")
        static let urlOriginal = path("url.original")
        static let dnsQuestion = path("dns.question.name")
        static let hashes: [(FieldPath, ObservableType)] = [
            (path("file.hash.md5"), .md5), (path("file.hash.sha1"), .sha1), (path("file.hash.sha256"), .sha256),
            (path("process.hash.md5"), .md5), (path("process.hash.sha1"), .sha1), (path("process.hash.sha256"), .sha256),
        ]
        static let emails = [path("email.from.address"), path("email.to.address")]

        static func path(_ text: String) -> FieldPath {
            // The literals above are valid paths; a typo fails every test at once.
            try! FieldPath(text)
        }
    }

    package func parse(record: [UInt8], value: JSONValue) throws -> [AlertDraft] {
        guard value.objectMembers != nil else { throw RiposteError.invalid("expected a JSON object") }
        if let envelope = Paths.envelope.first(in: value) ?? Paths.contextEnvelope.first(in: value),
            Paths.ruleName.first(in: value) == nil
        {
            guard let documents = envelope.arrayValue else {
                throw RiposteError.invalid("field 'alerts' must be an array of alert documents")
            }
            return try documents.enumerated().map { index, document in
                do {
                    return try parse(document: document, raw: JSONText.bytes(document))
                } catch let error as RiposteError {
                    throw RiposteError(error.code, "alerts[\(index)]: \(error.message)", underlying: error)
                }
            }
        }
        return [try parse(document: value, raw: record)]
    }

    func parse(document: JSONValue, raw: [UInt8]) throws -> AlertDraft {
        guard document.objectMembers != nil else { throw RiposteError.invalid("expected an alert document (an object)") }
        let ruleName = Paths.ruleName.first(in: document)?.text ?? Paths.ecsRuleName.first(in: document)?.text
        guard let title = ruleName ?? Paths.reason.first(in: document)?.text else {
            throw RiposteError.invalid("missing 'kibana.alert.rule.name'; not an Elastic Security alert")
        }
        let time =
            try rfc3339Time(Paths.originalTime.first(in: document), field: "kibana.alert.original_time")
            ?? rfc3339Time(Paths.timestamp.first(in: document), field: "@timestamp")

        let sourceIP = try ipAddress(Paths.sourceIP.first(in: document), field: "source.ip")
        let destinationIP = try ipAddress(Paths.destinationIP.first(in: document), field: "destination.ip")
        let sourceDomain = Paths.sourceDomain.first(in: document)?.nonEmptyString
        let destinationDomain = Paths.destinationDomain.first(in: document)?.nonEmptyString
        let hostName = Paths.hostName.first(in: document)?.text ?? Paths.hostHostname.first(in: document)?.text
        let userName = Paths.userName.first(in: document)?.text

        var observables = ObservableCollector()
        observables.add(sourceIP)
        observables.add(destinationIP)
        observables.addHost(sourceDomain)
        observables.addHost(destinationDomain)
        for address in Paths.hostIP.all(in: document) { observables.addHost(address.text) }
        for name in Paths.hostName.all(in: document) { observables.addHost(name.text) }
        for name in Paths.userName.all(in: document) { observables.add(.username, name.text) }
        let urls = Paths.urlFull.all(in: document)
        for url in urls.isEmpty ? Paths.urlOriginal.all(in: document) : urls { observables.add(.url, url.text) }
        for name in Paths.dnsQuestion.all(in: document) { observables.addHost(name.text) }
        for (path, type) in Paths.hashes {
            for hash in path.all(in: document) { observables.add(type, hash.text) }
        }
        for path in Paths.emails {
            for address in path.all(in: document) { observables.add(.email, address.text) }
        }

        return AlertDraft(
            source: source,
            sourceRef: Paths.uuid.first(in: document)?.text ?? Paths.documentID.first(in: document)?.text
                ?? "sha256:" + sha256Hex(raw),
            title: title,
            severity: try severity(document),
            time: time,
            rule: DetectionRule(
                uid: Paths.ruleUUID.first(in: document)?.text ?? Paths.ecsRuleID.first(in: document)?.text,
                name: ruleName, category: Paths.ruleCategory.first(in: document)?.text),
            sourceEndpoint: Endpoint(
                ip: sourceIP?.text, port: try port(Paths.sourcePort.first(in: document), field: "source.port"),
                hostname: sourceDomain),
            destinationEndpoint: Endpoint(
                ip: destinationIP?.text, port: try port(Paths.destinationPort.first(in: document), field: "destination.port"),
                hostname: destinationDomain),
            hostName: hostName,
            userName: userName,
            observables: observables.drafts,
            raw: raw,
            parserVersion: version
        )
    }

    /// `kibana.alert.severity`, else the risk score's band; see the type's documentation.
    func severity(_ document: JSONValue) throws -> Severity {
        if let value = Paths.severity.first(in: document) {
            guard let name = value.stringValue, let severity = Severity(name: name) else {
                throw RiposteError.invalid("kibana.alert.severity \(quoted(value)) is not low, medium, high or critical")
            }
            return severity
        }
        guard let value = Paths.riskScore.first(in: document) else { return .unknown }
        guard let score = value.decimalValue, (0...100).contains(score) else {
            throw RiposteError.invalid("kibana.alert.risk_score \(quoted(value)) is not a number 0-100")
        }
        switch score {
        case ..<22: return .low
        case ..<48: return .medium
        case ..<74: return .high
        default: return .critical
        }
    }
}
