// Maps Microsoft Sentinel incidents and alerts (REST API, Logic App triggers, poller bundles) to alert drafts.
import FoundationEssentials
package import RiposteCore

/// Parses Microsoft Sentinel incidents and alerts with their entities.
///
/// A record may be:
/// - an **incident** as the REST API returns it (`name`, `type: Microsoft.SecurityInsights/incidents`,
///   `properties.title/severity/incidentNumber/…`), or as the Logic App incident trigger sends it
///   (the incident under `object`, with `properties.alerts` and `properties.relatedEntities`);
/// - a **poller bundle** `{"incident": …, "alerts": …, "entities": …}`: the answers of
///   `GET incidents/{id}`, `POST incidents/{id}/alerts` and `…/entities` (each a list response
///   `{"value": [...]}`, an `{"entities": [...]}` answer or a plain array) — one draft for the incident;
/// - an **alert** (`kind: SecurityAlert` with `properties.alertDisplayName/…`), or the SecurityAlert
///   schema the Logic App alert trigger and Log Analytics use (`AlertDisplayName`, `Severity`,
///   `SystemAlertId`, `Entities`, …);
/// - a **list response** `{"value": [...]}` of incidents or alerts: one draft per item, whose raw
///   payload is the item's compact JSON.
///
/// Incident mapping: **title** `properties.title` (required); **severity** High/Medium/Low/
/// Informational; **time** `firstActivityTimeUtc`, else `createdTimeUtc`; **source ref** the
/// incident `name` (its GUID), else the last segment of `id`, else `providerIncidentId`; **rule**
/// uid the GUID of the first `relatedAnalyticRuleIds`, category the `additionalData.tactics`.
///
/// Alert mapping: **title** `alertDisplayName` (else `AlertName`); **severity** as above; **time**
/// `startTimeUtc`, else `timeGenerated`; **source ref** `systemAlertId`, else `name`, else
/// `ProviderAlertId`; **rule** uid `alertType`, name the title, category the `tactics`; **host**
/// `compromisedEntity`. Property names are read in camelCase (REST) or PascalCase (SecurityAlert).
///
/// Entities (REST `kind` + `properties`, or SecurityAlert `Type` + fields; an array, an object keyed
/// by `$id` as msticpy stores them, or the JSON text of the `Entities` column) give observables:
/// Ip `address`; Host `hostName` (also the draft's host name); Account `ntDomain\accountName`, else
/// `accountName@upnSuffix`, else the name (also the draft's user); Url `url`; FileHash
/// `algorithm` + `hashValue`, and File `fileHashes`; DnsResolution `domainName`; Mailbox
/// `mailboxPrimaryAddress`; MailMessage `sender`, `p1Sender`, `p2Sender`, `recipient`, `urls`.
/// `$ref` placeholders and other kinds add nothing. Property names match in any letter case.
package struct SentinelAlertParser: JSONMultiAlertParser {
    package var source: String { "sentinel" }
    package var version: Int { 1 }

    package init() {}

    package func parse(record: [UInt8], value: JSONValue) throws -> [AlertDraft] {
        guard value.objectMembers != nil else { throw RiposteError.invalid("expected a JSON object") }
        if let incident = value.field("incident") {
            guard incident.objectMembers != nil else { throw RiposteError.invalid("field 'incident' must be an object") }
            var entities = Entities()
            try entities.collect(value.field("entities"), label: "entities")
            let alerts = try listItems(value.field("alerts"), label: "alerts")
            return [try incidentDraft(incident, alerts: alerts, entities: entities, raw: record, label: "incident")]
        }
        if let object = value.field("object"), object.objectMembers != nil {
            return [try draft(object, raw: record, label: "object")]
        }
        if let items = value.field("value") {
            guard let elements = items.arrayValue else { throw RiposteError.invalid("field 'value' must be an array") }
            return try elements.enumerated().map { index, item in
                try draft(item, raw: JSONText.bytes(item), label: "value[\(index)]")
            }
        }
        return [try draft(value, raw: record, label: nil)]
    }

    /// One incident or alert. - Throws: `.invalid` prefixed with `label` when given.
    func draft(_ value: JSONValue, raw: [UInt8], label: String?) throws -> AlertDraft {
        do {
            guard value.objectMembers != nil else { throw RiposteError.invalid("expected an object") }
            let properties = value.field("properties") ?? value
            let kind = value.field("kind")?.stringValue
            if value.field("type")?.stringValue?.lowercased().hasSuffix("/incidents") == true
                || properties.field("incidentNumber") != nil || properties.field("title") != nil
            {
                return try incidentDraft(value, alerts: [], entities: Entities(), raw: raw, label: nil)
            }
            if kind == "SecurityAlert" || Self.property(properties, "alertDisplayName") != nil
                || Self.property(properties, "alertName") != nil
            {
                return try alertDraft(value, raw: raw)
            }
            if let kind {
                throw RiposteError.invalid(
                    "kind '\(kind)' is not an incident or alert; send entities with their incident as {\"incident\", \"entities\"}"
                )
            }
            throw RiposteError.invalid(
                "not a Sentinel incident or alert: expected 'properties.title', 'properties.alertDisplayName' or 'AlertDisplayName'"
            )
        } catch let error as RiposteError {
            guard let label else { throw error }
            throw RiposteError(error.code, "\(label): \(error.message)", underlying: error)
        }
    }

    func incidentDraft(
        _ incident: JSONValue, alerts: [JSONValue], entities: Entities, raw: [UInt8], label: String?
    ) throws -> AlertDraft {
        let prefix = label.map { "\($0)." } ?? ""
        guard let properties = incident.field("properties"), properties.objectMembers != nil else {
            throw RiposteError.invalid("missing object '\(prefix)properties'")
        }
        guard let title = properties.field("title")?.nonEmptyString else {
            throw RiposteError.invalid("missing string field '\(prefix)properties.title'")
        }
        var entities = entities
        try entities.collect(properties.field("relatedEntities"), label: "\(prefix)properties.relatedEntities")
        var hostName: String?
        for (index, alert) in (alerts + (properties.field("alerts")?.arrayValue ?? [])).enumerated() {
            let alertProperties = alert.field("properties") ?? alert
            try entities.collect(Self.property(alertProperties, "entities"), label: "alerts[\(index)].entities")
            hostName = hostName ?? Self.property(alertProperties, "compromisedEntity")?.nonEmptyString
        }
        let time =
            try rfc3339Time(properties.field("firstActivityTimeUtc"), field: "\(prefix)properties.firstActivityTimeUtc")
            ?? rfc3339Time(properties.field("createdTimeUtc"), field: "\(prefix)properties.createdTimeUtc")
        let ruleID = properties.field("relatedAnalyticRuleIds")?.arrayValue?.first?.nonEmptyString.map(Self.lastSegment)
        let tactics = properties.field("additionalData")?.field("tactics")?.arrayValue?.compactMap(\.nonEmptyString) ?? []
        let sourceRef =
            incident.field("name")?.text ?? incident.field("id")?.nonEmptyString.map(Self.lastSegment)
            ?? properties.field("providerIncidentId")?.text ?? "sha256:" + sha256Hex(raw)
        return AlertDraft(
            source: source,
            sourceRef: sourceRef,
            title: title,
            severity: try Self.severity(properties.field("severity"), field: "\(prefix)properties.severity"),
            time: time,
            rule: DetectionRule(uid: ruleID, category: tactics.isEmpty ? nil : tactics.joined(separator: ", ")),
            hostName: entities.hostName ?? hostName,
            userName: entities.userName,
            observables: entities.observables.drafts,
            raw: raw,
            parserVersion: version
        )
    }

    func alertDraft(_ alert: JSONValue, raw: [UInt8]) throws -> AlertDraft {
        let properties = alert.field("properties") ?? alert
        func property(_ name: String) -> JSONValue? { Self.property(properties, name) }
        guard let title = property("alertDisplayName")?.nonEmptyString ?? property("alertName")?.nonEmptyString else {
            throw RiposteError.invalid("missing string field 'alertDisplayName'")
        }
        var entities = Entities()
        try entities.collect(property("entities"), label: "entities")
        let time =
            try rfc3339Time(property("startTimeUtc"), field: "startTimeUtc")
            ?? rfc3339Time(property("timeGenerated"), field: "timeGenerated")
        let tactics = property("tactics")?.arrayValue?.compactMap(\.nonEmptyString) ?? []
        let sourceRef =
            property("systemAlertId")?.text ?? alert.field("name")?.text ?? property("providerAlertId")?.text
            ?? "sha256:" + sha256Hex(raw)
        return AlertDraft(
            source: source,
            sourceRef: sourceRef,
            title: title,
            severity: try Self.severity(property("severity"), field: "severity"),
            time: time,
            rule: DetectionRule(
                uid: property("alertType")?.text, name: title, category: tactics.isEmpty ? nil : tactics.joined(separator: ", ")),
            hostName: property("compromisedEntity")?.nonEmptyString ?? entities.hostName,
            userName: entities.userName,
            observables: entities.observables.drafts,
            raw: raw,
            parserVersion: version
        )
    }

    /// The items of a list response (`{"value": [...]}`) or a plain array; none when absent.
    func listItems(_ value: JSONValue?, label: String) throws -> [JSONValue] {
        guard let value, value != .null else { return [] }
        if let elements = value.arrayValue ?? value.field("value")?.arrayValue { return elements }
        throw RiposteError.invalid("field '\(label)' must be a list response {\"value\": [...]} or an array")
    }

    /// Sentinel severity names (High, Medium, Low, Informational); unknown when absent.
    static func severity(_ value: JSONValue?, field: String) throws -> Severity {
        guard let value, value != .null else { return .unknown }
        guard let name = value.stringValue, let severity = Severity(name: name) else {
            throw RiposteError.invalid("\(field) \(quoted(value)) is not High, Medium, Low or Informational")
        }
        return severity
    }

    /// A property by its camelCase name, else its PascalCase form (`hostName`, `HostName`), else
    /// any spelling that differs only in case (SecurityAlert writes `NTDomain` for `ntDomain`).
    static func property(_ object: JSONValue, _ camelCase: String) -> JSONValue? {
        if let value = object.field(camelCase), value != .null { return value }
        guard let first = camelCase.first, let members = object.objectMembers else { return nil }
        let pascal = first.uppercased() + camelCase.dropFirst()
        if let value = object.field(pascal), value != .null { return value }
        let count = camelCase.utf8.count
        for (key, value) in members where key.utf8.count == count && value != .null {
            if key.utf8.elementsEqual(camelCase.utf8, by: { $0 | 0x20 == $1 | 0x20 }) { return value }
        }
        return nil
    }

    /// The last `/`-separated segment of an ARM resource id (its GUID).
    static func lastSegment(_ id: String) -> String {
        id.split(separator: "/").last.map(String.init) ?? id
    }
}

/// What the entities of an incident or alert contribute: observables, the first host and user.
struct Entities {
    var observables = ObservableCollector()
    var hostName: String?
    var userName: String?

    /// The most entities one record may carry.
    static let limit = 10_000
    private var count = 0

    /// Adds the entities in `container`: an array, an object keyed by `$id`, a list or entities
    /// answer, a single entity, or JSON text holding one of those.
    mutating func collect(_ container: JSONValue?, label: String, parsingText: Bool = true) throws {
        guard let container, container != .null else { return }
        switch container {
        case .array(let elements):
            for element in elements { try add(element, label: label) }
        case .string(let text) where parsingText:
            let decoded: JSONValue
            do {
                decoded = try JSONParser.parse(Array(text.utf8), maxDepth: 32)
            } catch let error as RiposteError {
                throw RiposteError.invalid("\(label) is not valid JSON text: \(error.message)")
            }
            try collect(decoded, label: label, parsingText: false)
        case .object:
            if let list = container.field("value") ?? container.field("entities") {
                try collect(list, label: label, parsingText: false)
            } else if Self.kind(of: container) != nil || container.field("$ref") != nil {
                try add(container, label: label)
            } else {
                for (_, member) in container.objectMembers ?? [] { try add(member, label: label) }
            }
        default:
            throw RiposteError.invalid("\(label) must be an array of entities")
        }
    }

    /// The entity kind, lowercased: REST `kind` or SecurityAlert `Type`.
    static func kind(of entity: JSONValue) -> String? {
        (entity.field("kind") ?? entity.field("Type") ?? entity.field("type"))?.stringValue?.lowercased()
    }

    private mutating func add(_ entity: JSONValue, label: String) throws {
        count += 1
        guard count <= Self.limit else { throw RiposteError(.tooLarge, "\(label): more than \(Self.limit) entities") }
        guard let kind = Self.kind(of: entity) else { return }
        let fields = entity.field("properties") ?? entity
        func text(_ name: String) -> String? { SentinelAlertParser.property(fields, name)?.nonEmptyString }
        switch kind {
        case "ip":
            observables.addHost(text("address"))
        case "host":
            let name = text("hostName") ?? text("netBiosName")
            observables.addHost(name)
            hostName = hostName ?? name
        case "account":
            guard let name = text("accountName") ?? text("name") else { return }
            let user: String
            if let domain = text("ntDomain") {
                user = "\(domain)\\\(name)"
            } else if let suffix = text("upnSuffix") {
                user = "\(name)@\(suffix)"
            } else {
                user = name
            }
            observables.add(.username, user)
            userName = userName ?? user
        case "url":
            observables.add(.url, text("url"))
        case "filehash":
            let hash = text("hashValue") ?? text("value")
            switch text("algorithm")?.lowercased() {
            case "md5": observables.add(.md5, hash)
            case "sha1": observables.add(.sha1, hash)
            case "sha256": observables.add(.sha256, hash)
            default: observables.add(hashOfLength: hash)
            }
        case "file":
            if let hashes = SentinelAlertParser.property(fields, "fileHashes")?.arrayValue {
                for hash in hashes { try add(hash, label: label) }
            }
        case "dns", "dnsresolution":
            observables.addHost(text("domainName"))
        case "mailbox":
            observables.add(.email, text("mailboxPrimaryAddress"))
        case "mailmessage":
            for name in ["sender", "p1Sender", "p2Sender", "recipient"] { observables.add(.email, text(name)) }
            for url in SentinelAlertParser.property(fields, "urls")?.arrayValue ?? [] {
                observables.add(.url, url.nonEmptyString)
            }
        default:
            break
        }
    }
}
