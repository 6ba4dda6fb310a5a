// A parser for any JSON alert source, driven by a declarative AlertMapping.
import FoundationEssentials
package import RiposteCore

/// Parses a JSON source by an ``AlertMapping``: bodies are split as for every JSON source (one
/// object, an array or NDJSON) and each record is mapped field by field.
///
/// A title that no path reaches (and no default) is an error; so are a time, IP or port that is
/// present but not valid for its field, named with the mapping key and path
/// (`src_ip (path 'src.addr'): 'x' is not an IP address`). Absent optional fields are left empty.
package struct MappedAlertParser: JSONAlertParser {
    package let source: String
    package var version: Int { mapping.version }
    package let mapping: AlertMapping

    package init(name: String, mapping: AlertMapping) {
        self.source = name
        self.mapping = mapping
    }

    package func parse(record: [UInt8], value: JSONValue) throws -> AlertDraft {
        guard value.objectMembers != nil else { throw RiposteError.invalid("expected a JSON object") }
        guard let title = mapping.title.text(in: value) else {
            throw RiposteError.invalid("no title at \(Self.describe(mapping.title))")
        }
        let sourceIP = try address(mapping.sourceIP, key: "src_ip", in: value)
        let destinationIP = try address(mapping.destinationIP, key: "dst_ip", in: value)
        let sourceHost = mapping.sourceHost?.text(in: value)
        let destinationHost = mapping.destinationHost?.text(in: value)
        let hostName = mapping.hostName?.text(in: value)
        let userName = mapping.userName?.text(in: value)

        var observables = ObservableCollector()
        observables.add(sourceIP)
        observables.add(destinationIP)
        observables.addHost(sourceHost)
        observables.addHost(destinationHost)
        observables.addHost(hostName)
        observables.add(.username, userName)
        for (path, kind) in mapping.observables {
            for found in path.all(in: value) {
                guard let text = found.text else { continue }
                add(text, as: kind, to: &observables)
            }
        }

        return AlertDraft(
            source: source,
            sourceRef: sourceRef(value, record: record),
            title: title,
            severity: mapping.severity?.severity(in: value) ?? .unknown,
            time: try time(in: value),
            rule: DetectionRule(
                uid: mapping.ruleUID?.text(in: value), name: mapping.ruleName?.text(in: value),
                category: mapping.ruleCategory?.text(in: value)),
            sourceEndpoint: Endpoint(
                ip: sourceIP?.text, port: try port(mapping.sourcePort, key: "src_port", in: value), hostname: sourceHost),
            destinationEndpoint: Endpoint(
                ip: destinationIP?.text, port: try port(mapping.destinationPort, key: "dst_port", in: value),
                hostname: destinationHost),
            hostName: hostName,
            userName: userName,
            observables: observables.drafts,
            raw: record,
            parserVersion: version
        )
    }

    func add(_ text: String, as kind: AlertMapping.ObservableKind, to observables: inout ObservableCollector) {
        switch kind {
        case .ipv4: observables.add(.ipv4, text)
        case .ipv6: observables.add(.ipv6, text)
        case .domain: observables.add(.domain, text)
        case .url: observables.add(.url, text)
        case .email: observables.add(.email, text)
        case .md5: observables.add(.md5, text)
        case .sha1: observables.add(.sha1, text)
        case .sha256: observables.add(.sha256, text)
        case .hostname: observables.add(.hostname, text)
        case .username: observables.add(.username, text)
        case .ip:
            if let address = IPAddress(text) { observables.add(ParsedIP(address: address, text: address.description)) }
        case .host: observables.addHost(text)
        case .hash: observables.add(hashOfLength: text)
        case .text: observables.add(contentsOf: ObservableExtractor.observables(in: text))
        }
    }

    func sourceRef(_ value: JSONValue, record: [UInt8]) -> String {
        switch mapping.sourceRef {
        case .field(let field):
            if let text = field.text(in: value), text.utf8.count <= 512 { return text }
            return "sha256:" + sha256Hex(record)
        case .hash(let paths):
            return derivedSourceRef(
                paths.map { path in path.first(in: value).map { String(decoding: JSONText.bytes($0), as: UTF8.self) } ?? "" })
        case .record:
            return "sha256:" + sha256Hex(record)
        }
    }

    func time(in value: JSONValue) throws -> Date? {
        guard let field = mapping.time, let found = field.value(in: value) else { return nil }
        let date: Date?
        switch mapping.timeFormat {
        case .rfc3339: date = found.stringValue.flatMap { EventTime.parse($0) }
        case .epochSeconds: date = found.decimalValue.flatMap(EventTime.date(unixSeconds:))
        case .epochMilliseconds: date = found.decimalValue.flatMap(EventTime.date(unixMillisecondsValue:))
        }
        guard let date else {
            throw RiposteError.invalid("time at \(Self.describe(field)): \(quoted(found)) is not \(mapping.timeFormat.rawValue)")
        }
        return date
    }

    func address(_ field: AlertMapping.Field?, key: String, in value: JSONValue) throws -> ParsedIP? {
        guard let field, let found = field.value(in: value) else { return nil }
        return try ipAddress(found, field: "\(key) at \(Self.describe(field)):")
    }

    func port(_ field: AlertMapping.Field?, key: String, in value: JSONValue) throws -> Int? {
        guard let field, let found = field.value(in: value) else { return nil }
        return try RiposteIngest.port(found, field: "\(key) at \(Self.describe(field)):")
    }

    /// `path 'a.b'` or `paths 'a', 'b'`, for error messages.
    static func describe(_ field: AlertMapping.Field) -> String {
        let names = field.paths.map { "'\($0.text)'" }.joined(separator: ", ")
        return field.paths.count == 1 ? "path \(names)" : "paths \(names)"
    }
}
