// A declarative field mapping from any JSON alert shape to alert drafts, decoded and validated from JSON.
import FoundationEssentials
package import RiposteCore

/// How to read alerts of a JSON source that has no built-in parser: field paths for each normalised
/// field, a severity table, a time format, a dedup key and observable paths.
///
/// ```json
/// {
///   "version": 1,
///   "title": "rule.name",                          // required; a path, a list of paths (first
///                                                  //   present wins) or {"path": …, "default": "…"}
///   "severity": {"path": "level", "map": {"critical": "critical", "5": "high"},
///                "ranges": [{"min": 0, "max": 3, "severity": "low"}], "default": "medium"},
///   "time": {"path": "ts", "format": "epoch-ms"},  // rfc3339 (default), epoch-s, epoch-ms
///   "source_ref": "alert.id",                      // or {"hash": ["rule.id", "ts"]}; absent: sha256 of the record
///   "rule_uid": "rule.id", "rule_name": "rule.name", "rule_category": "rule.group",
///   "src_ip": "src.ip", "src_port": "src.port", "src_host": "src.host",
///   "dst_ip": "dst.ip", "dst_port": "dst.port", "dst_host": "dst.host",
///   "host_name": "device.name", "user_name": "user",
///   "observables": [{"path": "files[*].sha256", "type": "sha256"}, {"path": "cmd", "type": "text"}]
/// }
/// ```
///
/// Paths are ``FieldPath``s. Severity: the value's text is looked up in `map` (case-insensitive),
/// then a number in `ranges` (inclusive, first match), then `default` (unknown when absent); with
/// neither `map` nor `ranges`, a severity name or OCSF number 0-5 is taken as is. Observable types
/// are the ``ObservableType`` names plus `ip` (either family), `host` (IP, domain or host name),
/// `hash` (MD5/SHA-1/SHA-256 by length) and `text` (free text searched by ``ObservableExtractor``);
/// values that are not valid for their type are skipped.
///
/// Decoding is strict: unknown keys, bad paths, unknown severities, types or formats are `.invalid`
/// naming the key (`severity.map['urgent']: 'severe' is not a severity`).
package struct AlertMapping: Sendable, Hashable {
    /// A field read from one of several paths (the first with a value wins), or a fixed default.
    package struct Field: Sendable, Hashable {
        package var paths: [FieldPath]
        package var defaultValue: String?

        package init(paths: [FieldPath], defaultValue: String? = nil) {
            self.paths = paths
            self.defaultValue = defaultValue
        }

        /// The first non-null value any path reaches.
        func value(in record: JSONValue) -> JSONValue? {
            for path in paths {
                if let value = path.first(in: record) { return value }
            }
            return nil
        }

        /// The first value as text (strings and numbers), else the default.
        func text(in record: JSONValue) -> String? {
            value(in: record)?.text ?? defaultValue
        }
    }

    /// Severity from a field: a table of texts, numeric ranges, and a default.
    package struct SeverityRule: Sendable, Hashable {
        package struct Range: Sendable, Hashable {
            package var min: Double
            package var max: Double
            package var severity: Severity
        }

        package var field: Field
        /// Lowercased value text → severity.
        package var map: [String: Severity]
        package var ranges: [Range]
        package var defaultSeverity: Severity?

        func severity(in record: JSONValue) -> Severity {
            guard let value = field.value(in: record) else { return defaultSeverity ?? .unknown }
            if !map.isEmpty, let text = value.text?.lowercased(), let severity = map[text] { return severity }
            if let number = value.decimalValue, let range = ranges.first(where: { $0.min <= number && number <= $0.max }) {
                return range.severity
            }
            if map.isEmpty && ranges.isEmpty, let severity = Self.named(value) { return severity }
            return defaultSeverity ?? .unknown
        }

        /// A severity name or OCSF number 0-5 (as a number or text).
        static func named(_ value: JSONValue) -> Severity? {
            guard let text = value.text else { return nil }
            return Severity(name: text) ?? Int(text).flatMap(Severity.init(rawValue:))
        }
    }

    /// How the time field is written.
    package enum TimeFormat: String, Sendable, Hashable, CaseIterable {
        case rfc3339, epochSeconds = "epoch-s", epochMilliseconds = "epoch-ms"
    }

    /// Where the dedup key comes from.
    package enum SourceRef: Sendable, Hashable {
        /// The sender's id at a path; `sha256:` of the record when the record has none.
        case field(Field)
        /// `sha256:` over the texts at these paths, so a re-serialised repeat is still a duplicate.
        case hash([FieldPath])
        /// `sha256:` of the record's exact bytes.
        case record
    }

    /// Which observable type a path's values are.
    package enum ObservableKind: String, Sendable, Hashable, CaseIterable {
        case ipv4, ipv6, domain, url, email, md5, sha1, sha256, hostname, username, ip, host, hash, text
    }

    package var version: Int
    package var title: Field
    package var severity: SeverityRule?
    package var time: Field?
    package var timeFormat: TimeFormat
    package var sourceRef: SourceRef
    package var ruleUID: Field?
    package var ruleName: Field?
    package var ruleCategory: Field?
    package var sourceIP: Field?
    package var sourcePort: Field?
    package var sourceHost: Field?
    package var destinationIP: Field?
    package var destinationPort: Field?
    package var destinationHost: Field?
    package var hostName: Field?
    package var userName: Field?
    package var observables: [(path: FieldPath, kind: ObservableKind)]

    package static func == (lhs: AlertMapping, rhs: AlertMapping) -> Bool {
        lhs.version == rhs.version && lhs.title == rhs.title && lhs.severity == rhs.severity && lhs.time == rhs.time
            && lhs.timeFormat == rhs.timeFormat && lhs.sourceRef == rhs.sourceRef && lhs.ruleUID == rhs.ruleUID
            && lhs.ruleName == rhs.ruleName && lhs.ruleCategory == rhs.ruleCategory && lhs.sourceIP == rhs.sourceIP
            && lhs.sourcePort == rhs.sourcePort && lhs.sourceHost == rhs.sourceHost
            && lhs.destinationIP == rhs.destinationIP && lhs.destinationPort == rhs.destinationPort
            && lhs.destinationHost == rhs.destinationHost && lhs.hostName == rhs.hostName && lhs.userName == rhs.userName
            && lhs.observables.elementsEqual(rhs.observables) { $0.path == $1.path && $0.kind == $1.kind }
    }

    package func hash(into hasher: inout Hasher) {
        hasher.combine(version)
        hasher.combine(title)
        for observable in observables {
            hasher.combine(observable.path)
            hasher.combine(observable.kind)
        }
    }

    /// Decodes and validates a mapping from JSON text. - Throws: `.invalid` naming the bad key.
    package init(json: [UInt8]) throws {
        let value: JSONValue
        do {
            value = try JSONParser.parse(json, maxDepth: 16)
        } catch let error as RiposteError {
            throw RiposteError.invalid("mapping: \(error.message)")
        }
        try self.init(value: value)
    }

    /// Decodes and validates a mapping from a decoded JSON object. - Throws: `.invalid` naming the bad key.
    package init(value: JSONValue) throws {
        guard let members = value.objectMembers else { throw RiposteError.invalid("mapping: expected a JSON object") }
        let known: Set<String> = [
            "version", "title", "severity", "time", "source_ref", "rule_uid", "rule_name", "rule_category", "src_ip",
            "src_port", "src_host", "dst_ip", "dst_port", "dst_host", "host_name", "user_name", "observables",
        ]
        var seen: Set<String> = []
        for (key, _) in members {
            guard known.contains(key) else {
                throw RiposteError.invalid("mapping: unknown key '\(key)'; known: \(known.sorted().joined(separator: ", "))")
            }
            guard seen.insert(key).inserted else { throw RiposteError.invalid("mapping: key '\(key)' appears twice") }
        }
        func optionalField(_ key: String) throws -> Field? {
            guard let member = value.field(key), member != .null else { return nil }
            return try Self.field(member, key: key)
        }

        if let versionValue = value.field("version") {
            guard let number = versionValue.integerValue, (1...1_000_000).contains(number), case .number = versionValue else {
                throw RiposteError.invalid("mapping: 'version' must be an integer 1-1000000")
            }
            version = number
        } else {
            version = 1
        }
        guard let title = try optionalField("title") else { throw RiposteError.invalid("mapping: missing required key 'title'") }
        self.title = title
        severity = try value.field("severity").map(Self.severityRule)

        timeFormat = .rfc3339
        time = nil
        if let timeValue = value.field("time"), timeValue != .null {
            time = try Self.field(timeValue, key: "time", extraKeys: ["format"])
            if let format = timeValue.field("format") {
                guard let name = format.stringValue, let parsed = TimeFormat(rawValue: name) else {
                    let names = TimeFormat.allCases.map(\.rawValue).joined(separator: ", ")
                    throw RiposteError.invalid("mapping: time.format \(quoted(format)) is not one of \(names)")
                }
                timeFormat = parsed
            }
            if time?.defaultValue != nil { throw RiposteError.invalid("mapping: 'time' takes no default") }
        }

        if let refValue = value.field("source_ref"), refValue != .null {
            if let hashPaths = refValue.field("hash") {
                guard refValue.objectMembers?.count == 1, let elements = hashPaths.arrayValue, !elements.isEmpty else {
                    throw RiposteError.invalid("mapping: source_ref.hash must be a non-empty array of paths")
                }
                sourceRef = .hash(
                    try elements.enumerated().map { index, element in
                        try Self.path(element, key: "source_ref.hash[\(index)]")
                    })
            } else {
                sourceRef = .field(try Self.field(refValue, key: "source_ref"))
            }
        } else {
            sourceRef = .record
        }

        ruleUID = try optionalField("rule_uid")
        ruleName = try optionalField("rule_name")
        ruleCategory = try optionalField("rule_category")
        sourceIP = try optionalField("src_ip")
        sourcePort = try optionalField("src_port")
        sourceHost = try optionalField("src_host")
        destinationIP = try optionalField("dst_ip")
        destinationPort = try optionalField("dst_port")
        destinationHost = try optionalField("dst_host")
        hostName = try optionalField("host_name")
        userName = try optionalField("user_name")

        observables = []
        if let list = value.field("observables"), list != .null {
            guard let elements = list.arrayValue, elements.count <= 256 else {
                throw RiposteError.invalid("mapping: 'observables' must be an array of at most 256 {\"path\", \"type\"} objects")
            }
            let kinds = ObservableKind.allCases.map(\.rawValue).joined(separator: ", ")
            for (index, element) in elements.enumerated() {
                let key = "observables[\(index)]"
                guard let entry = element.objectMembers, entry.allSatisfy({ $0.0 == "path" || $0.0 == "type" }) else {
                    throw RiposteError.invalid("mapping: \(key) must be an object with only 'path' and 'type'")
                }
                guard let path = element.field("path") else { throw RiposteError.invalid("mapping: \(key) has no 'path'") }
                guard let typeName = element.field("type")?.stringValue, let kind = ObservableKind(rawValue: typeName) else {
                    throw RiposteError.invalid("mapping: \(key).type must be one of \(kinds)")
                }
                observables.append((try Self.path(path, key: "\(key).path"), kind))
            }
        }
    }

    /// A path string, a list of them, or `{"path": …, "default": "…"}` (plus `extraKeys`).
    static func field(_ value: JSONValue, key: String, extraKeys: Set<String> = [], textDefault: Bool = true) throws -> Field {
        switch value {
        case .string, .array:
            return Field(paths: try paths(value, key: key))
        case .object(let members):
            for (member, _) in members
            where member != "path" && (member != "default" || !textDefault) && !extraKeys.contains(member) {
                throw RiposteError.invalid("mapping: \(key) has unknown key '\(member)'")
            }
            guard let pathValue = value.field("path") else { throw RiposteError.invalid("mapping: \(key) has no 'path'") }
            var defaultValue: String?
            if textDefault, let member = value.field("default"), member != .null {
                guard let text = member.nonEmptyString else {
                    throw RiposteError.invalid("mapping: \(key).default must be a non-empty string")
                }
                defaultValue = text
            }
            return Field(paths: try paths(pathValue, key: "\(key).path"), defaultValue: defaultValue)
        default:
            throw RiposteError.invalid("mapping: \(key) must be a path, a list of paths or {\"path\", \"default\"}")
        }
    }

    static func paths(_ value: JSONValue, key: String) throws -> [FieldPath] {
        if let elements = value.arrayValue {
            guard !elements.isEmpty, elements.count <= 16 else {
                throw RiposteError.invalid("mapping: \(key) must list 1-16 paths")
            }
            return try elements.enumerated().map { index, element in try path(element, key: "\(key)[\(index)]") }
        }
        return [try path(value, key: key)]
    }

    static func path(_ value: JSONValue, key: String) throws -> FieldPath {
        guard let text = value.stringValue else { throw RiposteError.invalid("mapping: \(key) must be a path string") }
        do {
            return try FieldPath(text)
        } catch let error as RiposteError {
            throw RiposteError.invalid("mapping: \(key): \(error.message)")
        }
    }

    static func severityRule(_ value: JSONValue) throws -> SeverityRule {
        let field = try Self.field(value, key: "severity", extraKeys: ["map", "ranges", "default"], textDefault: false)
        var rule = SeverityRule(field: field, map: [:], ranges: [], defaultSeverity: nil)
        func severity(_ value: JSONValue, key: String) throws -> Severity {
            guard let severity = SeverityRule.named(value) else {
                let names = Severity.allCases.map(\.name).joined(separator: ", ")
                throw RiposteError.invalid("mapping: \(key): \(quoted(value)) is not a severity (\(names) or 0-5)")
            }
            return severity
        }
        if let map = value.field("map") {
            guard let members = map.objectMembers else {
                throw RiposteError.invalid("mapping: severity.map must be an object of value → severity")
            }
            for (text, target) in members {
                rule.map[text.lowercased()] = try severity(target, key: "severity.map['\(text)']")
            }
        }
        if let ranges = value.field("ranges") {
            guard let elements = ranges.arrayValue else {
                throw RiposteError.invalid("mapping: severity.ranges must be an array of {\"min\", \"max\", \"severity\"}")
            }
            for (index, element) in elements.enumerated() {
                let key = "severity.ranges[\(index)]"
                guard let entry = element.objectMembers, entry.allSatisfy({ ["min", "max", "severity"].contains($0.0) }),
                    let min = element.field("min")?.numberValue, let max = element.field("max")?.numberValue,
                    let target = element.field("severity")
                else {
                    throw RiposteError.invalid("mapping: \(key) must be {\"min\": number, \"max\": number, \"severity\": name}")
                }
                guard min <= max else { throw RiposteError.invalid("mapping: \(key): min \(min) is above max \(max)") }
                rule.ranges.append(SeverityRule.Range(min: min, max: max, severity: try severity(target, key: "\(key).severity")))
            }
        }
        if let fallback = value.field("default"), fallback != .null {
            rule.defaultSeverity = try severity(fallback, key: "severity.default")
        }
        return rule
    }
}
