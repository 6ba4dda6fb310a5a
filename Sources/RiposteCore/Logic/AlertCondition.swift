// The condition language of grouping and suppression rules: a list of clauses over named alert
// fields, all of which must hold. Small on purpose: no OR, no regex, nothing that can run long.

/// A field of an alert a condition can test.
public enum AlertField: String, Sendable, CaseIterable, Hashable {
    case source
    case ruleUID = "rule_uid"
    case ruleName = "rule_name"
    case severity
    case sourceIP = "src_ip"
    case destinationIP = "dst_ip"
    case host
    case user
    case title

    /// The field's text in `draft`, nil when the alert has none. Severity is its wire name (`high`).
    public func value(in draft: AlertDraft) -> String? {
        switch self {
        case .source: draft.source
        case .ruleUID: draft.rule.uid
        case .ruleName: draft.rule.name
        case .severity: draft.severity.name
        case .sourceIP: draft.sourceEndpoint.ip
        case .destinationIP: draft.destinationEndpoint.ip
        case .host: draft.hostName
        case .user: draft.userName
        case .title: draft.title
        }
    }
}

/// How a clause compares a field.
public enum ConditionOperator: String, Sendable, CaseIterable, Hashable {
    /// The field equals the value exactly (severity: by name, case-insensitively).
    case equals
    /// The field equals one of the values.
    case `in`
    /// The field starts with the value.
    case prefix
    /// The field is an IP address inside the CIDR block (`10.0.0.0/8`, `2001:db8::/32`).
    case cidr
    /// The field is present (value `true`) or absent (value `false`).
    case exists
}

/// An IPv4 or IPv6 block: an address and a prefix length.
public struct CIDRBlock: Hashable, Sendable, CustomStringConvertible {
    public let address: IPAddress
    public let prefixLength: Int

    /// Parses `address/length`; the address bits past the prefix must be zero. Nil for anything else.
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let address = IPAddress(parts[0]), let length = Int(parts[1]),
            parts[1].utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 })
        else { return nil }
        let maximum = if case .v4 = address { 32 } else { 128 }
        guard (0...maximum).contains(length) else { return nil }
        self.address = address
        self.prefixLength = length
        guard Self.masked(address, length) == address else { return nil }
    }

    /// Whether `candidate` (same family) lies inside the block.
    public func contains(_ candidate: IPAddress) -> Bool { Self.masked(candidate, prefixLength) == address }

    public var description: String { "\(address)/\(prefixLength)" }

    /// `address` with the bits past `length` cleared; an IPv4 address under a longer (IPv6) length is unchanged.
    private static func masked(_ address: IPAddress, _ length: Int) -> IPAddress {
        switch address {
        case .v4(let value):
            guard length <= 32 else { return address }
            let mask: UInt32 = length == 0 ? 0 : ~UInt32(0) << UInt32(32 - length)
            return .v4(value & mask)
        case .v6(let high, let low):
            let highMask: UInt64 = length >= 64 ? ~0 : (length == 0 ? 0 : ~UInt64(0) << UInt64(64 - length))
            let lowMask: UInt64 = length <= 64 ? 0 : (length >= 128 ? ~0 : ~UInt64(0) << UInt64(128 - length))
            return .v6(high: high & highMask, low: low & lowMask)
        }
    }
}

/// One test of one field.
public struct ConditionClause: Hashable, Sendable {
    public enum Test: Hashable, Sendable {
        case equals(String)
        case `in`(Set<String>)
        case prefix(String)
        case cidr(CIDRBlock)
        case exists(Bool)
    }

    public var field: AlertField
    public var test: Test

    public init(field: AlertField, test: Test) {
        self.field = field
        self.test = test
    }

    /// The clause's operator name.
    public var op: ConditionOperator {
        switch test {
        case .equals: .equals
        case .in: .in
        case .prefix: .prefix
        case .cidr: .cidr
        case .exists: .exists
        }
    }

    /// Whether the clause holds for `draft`.
    public func matches(_ draft: AlertDraft) -> Bool {
        let value = field.value(in: draft)
        switch test {
        case .exists(let wanted): return (value != nil && value != "") == wanted
        case .equals(let expected):
            guard let value else { return false }
            return field == .severity ? value == expected.lowercased() : value == expected
        case .in(let values):
            guard let value else { return false }
            return values.contains(value)
        case .prefix(let prefix):
            guard let value else { return false }
            return value.hasPrefix(prefix)
        case .cidr(let block):
            guard let value, let address = IPAddress(value) else { return false }
            return block.contains(address)
        }
    }

    /// The clause as JSON: `{"field", "op", "value"}`.
    public var json: JSONValue {
        let value: JSONValue =
            switch test {
            case .equals(let text), .prefix(let text): .string(text)
            case .in(let values): .array(values.sorted().map(JSONValue.string))
            case .cidr(let block): .string(block.description)
            case .exists(let wanted): .bool(wanted)
            }
        return .object([("field", .string(field.rawValue)), ("op", .string(op.rawValue)), ("value", value)])
    }

    /// The longest text value a clause may compare with, in bytes.
    public static let maximumValueBytes = 1024
    /// The most values an `in` clause may list.
    public static let maximumInValues = 1000

    /// Decodes `{"field", "op", "value"}`; `path` names the clause in errors (`conditions[2]`).
    /// - Throws: `.invalid` naming the clause and member that is wrong.
    public init(json: JSONValue, path: String) throws {
        guard case .object(let members) = json else { throw RiposteError.invalid("\(path) must be an object") }
        for (key, _) in members where !["field", "op", "value"].contains(key) {
            throw RiposteError.invalid("\(path): unknown member '\(key)'; allowed: field, op, value")
        }
        guard case .string(let fieldName)? = json["field"] else {
            throw RiposteError.invalid("\(path).field is required and must be a string")
        }
        guard let field = AlertField(rawValue: fieldName) else {
            let known = AlertField.allCases.map(\.rawValue).joined(separator: ", ")
            throw RiposteError.invalid("\(path).field '\(fieldName)' is unknown; known: \(known)")
        }
        guard case .string(let opName)? = json["op"] else {
            throw RiposteError.invalid("\(path).op is required and must be a string")
        }
        guard let op = ConditionOperator(rawValue: opName) else {
            let known = ConditionOperator.allCases.map(\.rawValue).joined(separator: ", ")
            throw RiposteError.invalid("\(path).op '\(opName)' is unknown; known: \(known)")
        }
        let value = json["value"]
        func text(_ value: JSONValue?, at location: String) throws -> String {
            guard case .string(let text)? = value else { throw RiposteError.invalid("\(location) must be a string") }
            guard !text.isEmpty, text.utf8.count <= Self.maximumValueBytes else {
                throw RiposteError.invalid("\(location) must be 1 to \(Self.maximumValueBytes) bytes")
            }
            if field == .severity, Severity(name: text) == nil {
                throw RiposteError.invalid(
                    "\(location) '\(text)' is not a severity; known: \(Severity.allCases.map(\.name).joined(separator: ", "))")
            }
            return field == .severity ? Severity(name: text)?.name ?? text : text
        }
        switch op {
        case .equals: test = .equals(try text(value, at: "\(path).value"))
        case .prefix: test = .prefix(try text(value, at: "\(path).value"))
        case .in:
            guard case .array(let elements)? = value, !elements.isEmpty, elements.count <= Self.maximumInValues else {
                throw RiposteError.invalid("\(path).value must be an array of 1 to \(Self.maximumInValues) strings")
            }
            var values: Set<String> = []
            for (index, element) in elements.enumerated() { values.insert(try text(element, at: "\(path).value[\(index)]")) }
            test = .in(values)
        case .cidr:
            guard field == .sourceIP || field == .destinationIP else {
                throw RiposteError.invalid("\(path): op 'cidr' applies only to src_ip and dst_ip")
            }
            let blockText = try text(value, at: "\(path).value")
            guard let block = CIDRBlock(blockText) else {
                throw RiposteError.invalid(
                    "\(path).value '\(blockText)' is not a CIDR block (address/length, host bits zero)")
            }
            test = .cidr(block)
        case .exists:
            guard case .bool(let wanted)? = value else { throw RiposteError.invalid("\(path).value must be true or false") }
            test = .exists(wanted)
        }
        self.field = field
    }
}

/// Clauses that must all hold. No clauses matches every alert.
public struct AlertCondition: Hashable, Sendable {
    public var clauses: [ConditionClause]

    public init(clauses: [ConditionClause] = []) { self.clauses = clauses }

    /// The most clauses a condition may have.
    public static let maximumClauses = 32

    /// Whether every clause holds for `draft`.
    public func matches(_ draft: AlertDraft) -> Bool { clauses.allSatisfy { $0.matches(draft) } }

    /// The condition as a JSON array of clauses.
    public var json: JSONValue { .array(clauses.map(\.json)) }

    /// Decodes a JSON array of clauses; `path` names it in errors (`conditions`).
    /// - Throws: `.invalid` naming the clause and member that is wrong.
    public init(json: JSONValue, path: String) throws {
        guard case .array(let elements) = json else { throw RiposteError.invalid("\(path) must be an array of clauses") }
        guard elements.count <= Self.maximumClauses else {
            throw RiposteError.invalid("\(path) has \(elements.count) clauses; at most \(Self.maximumClauses)")
        }
        clauses = try elements.enumerated().map { index, element in
            try ConditionClause(json: element, path: "\(path)[\(index)]")
        }
    }
}
