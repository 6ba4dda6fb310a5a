// Turns the common shape of feed patterns — a disjunction of equalities on addresses, domains, URLs, emails and
// file hashes — into plain index entries, so most STIX indicators are matched by the index, not evaluated.
package import RiposteCore

/// One value the index can hold: what it is and its normalised text.
package struct STIXIndexEntry: Sendable, Hashable {
    package var type: IndicatorType
    package var value: String

    package init(type: IndicatorType, value: String) {
        self.type = type
        self.value = value
    }
}

/// What a pattern becomes for matching.
package enum STIXPatternReduction: Sendable, Hashable {
    /// Any one of these values matching an observable is a match of the pattern.
    case indexed([STIXIndexEntry])
    /// The pattern needs `STIXPatternEvaluator` (AND, NOT, other operators or paths, qualifiers).
    case evaluated
}

/// The object paths the index can serve, and the indicator type their values are.
enum STIXIndexablePath {
    case ipv4, ipv6, domain, url, email, md5, sha1, sha256

    /// `ipv4-addr:value`, `ipv6-addr:value`, `domain-name:value`, `url:value`, `email-addr:value`,
    /// `email-message:from_ref.value`, `file:hashes.MD5`/`'SHA-1'`/`'SHA-256'` (any case, with or without `-`/`_`).
    init?(_ path: STIXObjectPath) {
        // Checked step by step rather than by building the key list: this runs once per feed comparison.
        guard case .key(let first)? = path.steps.first else { return nil }
        switch path.steps.count {
        case 1:
            guard first == "value" else { return nil }
            switch path.objectType {
            case "ipv4-addr": self = .ipv4
            case "ipv6-addr": self = .ipv6
            case "domain-name": self = .domain
            case "url": self = .url
            case "email-addr": self = .email
            default: return nil
            }
        case 2:
            guard case .key(let second) = path.steps[1] else { return nil }
            if path.objectType == "file", first == "hashes", let hash = Self.hashAlgorithm(second) {
                self = hash
            } else if path.objectType == "email-message", first == "from_ref", second == "value" {
                self = .email
            } else {
                return nil
            }
        default: return nil
        }
    }

    /// `MD5`, `md5`, `SHA-1`, `sha1`, `SHA_256`, `'SHA-256'` … → the algorithm; nil for others (SHA-512, SSDEEP, TLSH).
    static func hashAlgorithm(_ name: String) -> STIXIndexablePath? {
        switch name {  // the spellings feeds use, without folding
        case "MD5": return .md5
        case "SHA-1": return .sha1
        case "SHA-256": return .sha256
        default: break
        }
        guard name.utf8.count <= 8 else { return nil }
        let key = String(name.lowercased().unicodeScalars.filter { $0 != "-" && $0 != "_" })
        switch key {
        case "md5": return .md5
        case "sha1": return .sha1
        case "sha256": return .sha256
        default: return nil
        }
    }

    /// The index entry for `raw` on this path; an IPv4/IPv6 value may be a CIDR (`/32` and `/128` read as hosts).
    ///
    /// - Throws: `UnrecognizedIndicator` when `raw` is not a valid value of the path's type.
    func entry(_ raw: String) throws(UnrecognizedIndicator) -> STIXIndexEntry {
        let normalized: (IndicatorType, String)?
        switch self {
        case .ipv4: normalized = Self.address(raw, v6: false)
        case .ipv6: normalized = Self.address(raw, v6: true)
        case .domain: normalized = ObservableNormalizer.normalizeDomain(raw).map { (.domain, $0) }
        case .url: normalized = ObservableNormalizer.normalize(raw, as: .url).map { (.url, $0) }
        case .email: normalized = ObservableNormalizer.normalize(raw, as: .email).map { (.email, $0) }
        case .md5: normalized = ObservableNormalizer.normalize(raw, as: .md5).map { (.md5, $0) }
        case .sha1: normalized = ObservableNormalizer.normalize(raw, as: .sha1).map { (.sha1, $0) }
        case .sha256: normalized = ObservableNormalizer.normalize(raw, as: .sha256).map { (.sha256, $0) }
        }
        guard let (type, value) = normalized else {
            throw UnrecognizedIndicator(reason: "\(IndicatorClassifier.quoted(raw)) is not a valid \(noun)")
        }
        return STIXIndexEntry(type: type, value: value)
    }

    private var noun: String {
        switch self {
        case .ipv4: "IPv4 address or CIDR"
        case .ipv6: "IPv6 address or CIDR"
        case .domain: IndicatorType.domain.noun
        case .url: IndicatorType.url.noun
        case .email: IndicatorType.email.noun
        case .md5: IndicatorType.md5.noun
        case .sha1: IndicatorType.sha1.noun
        case .sha256: IndicatorType.sha256.noun
        }
    }

    /// An address or CIDR in canonical text; host bits of a CIDR are cleared.
    static func address(_ raw: String, v6: Bool) -> (IndicatorType, String)? {
        var text = raw
        return text.withUTF8 { bytes -> (IndicatorType, String)? in
            if v6 {
                if let address = AddressText.ipv6(bytes) { return (.ipv6, AddressText.ipv6Text(address)) }
                guard let (network, length) = AddressText.cidr6(bytes) else { return nil }
                return length == 128
                    ? (.ipv6, AddressText.ipv6Text(network)) : (.cidr6, "\(AddressText.ipv6Text(network))/\(length)")
            }
            if let address = AddressText.ipv4(bytes) { return (.ipv4, AddressText.ipv4Text(address)) }
            guard let (network, length) = AddressText.cidr4(bytes) else { return nil }
            return length == 32
                ? (.ipv4, AddressText.ipv4Text(network)) : (.cidr4, "\(AddressText.ipv4Text(network))/\(length)")
        }
    }
}

/// Reduces patterns to index entries where that keeps their meaning.
package enum STIXPatternReducer {
    /// `.indexed` when the pattern is a disjunction (observation- or comparison-level `OR`, any parentheses) of
    /// un-negated `=` / `IN` tests with string constants on indexable paths and carries no qualifier; else `.evaluated`.
    ///
    /// - Throws: `UnrecognizedIndicator` when such a test's value is not valid for its path
    ///   (`[ipv4-addr:value = 'evil.example']`).
    package static func reduce(_ pattern: STIXPattern) throws(UnrecognizedIndicator) -> STIXPatternReduction {
        var tests: [(STIXIndexablePath, String)] = []
        guard collect(pattern.expression, into: &tests) else { return .evaluated }
        var entries: [STIXIndexEntry] = []
        entries.reserveCapacity(tests.count)
        var seen: Set<STIXIndexEntry> = []  // only for long lists; short ones are searched
        for (path, text) in tests {
            let entry = try path.entry(text)
            if tests.count <= 16 {
                if !entries.contains(entry) { entries.append(entry) }
            } else if seen.insert(entry).inserted {
                entries.append(entry)
            }
        }
        return .indexed(entries)
    }

    private static func collect(
        _ expression: STIXObservationExpression, into tests: inout [(STIXIndexablePath, String)]
    ) -> Bool {
        switch expression {
        case .observation(let comparison): collect(comparison, into: &tests)
        case .or(let operands): operands.allSatisfy { collect($0, into: &tests) }
        case .and, .followedBy, .qualified: false
        }
    }

    private static func collect(
        _ expression: STIXComparisonExpression, into tests: inout [(STIXIndexablePath, String)]
    ) -> Bool {
        switch expression {
        case .comparison(let comparison):
            guard !comparison.negated, let path = STIXIndexablePath(comparison.path) else { return false }
            let values: [STIXLiteral]
            switch comparison.test {
            case .equal(let literal): values = [literal]
            case .in(let literals): values = literals
            default: return false
            }
            for literal in values {
                guard case .string(let text) = literal else { return false }
                tests.append((path, text))
            }
            return !values.isEmpty
        case .or(let operands): return operands.allSatisfy { collect($0, into: &tests) }
        case .and: return false
        }
    }
}
