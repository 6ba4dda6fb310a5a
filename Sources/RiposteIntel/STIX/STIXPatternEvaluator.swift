// Evaluates a STIX pattern against the observables of one alert, for the indicators the index cannot serve.
//
// Semantics: the alert is ONE observation whose objects are its observables (an IP is an `ipv4-addr` with `value`,
// a SHA-256 a `file` with `hashes.'SHA-256'`, …). Every observation expression is tested against that same
// observation, so `A FOLLOWEDBY B` means "A and B", and qualifiers (`WITHIN`, `REPEATS`, `START/STOP`) are ignored:
// they constrain timing and counts across several observations, which one alert cannot show. The result is
// therefore a candidate match — never a miss of a pattern the full semantics would match on this alert, but
// possibly a match the full semantics would withhold until more observations arrive.
package import RiposteCore

/// A pattern made ready for repeated evaluation: regexes compiled, constants normalised.
package struct STIXPatternEvaluator: Sendable {
    package let pattern: STIXPattern
    private let regexes: [String: LinearRegex]
    /// The un-negated comparisons, which name the observables a match is about.
    private let positiveComparisons: [STIXComparison]

    /// - Throws: `UnrecognizedIndicator` for a `MATCHES` regex that is invalid or needs back-tracking features.
    package init(_ pattern: STIXPattern) throws(UnrecognizedIndicator) {
        self.pattern = pattern
        var regexes: [String: LinearRegex] = [:]
        try Self.compileRegexes(pattern.expression, into: &regexes)
        self.regexes = regexes
        positiveComparisons = Self.comparisons(in: pattern).filter { !$0.negated }
    }

    /// Whether the pattern matches an alert with these observables (values normalised, as `ObservableDraft` holds).
    package func matches(_ observables: [ObservableDraft]) -> Bool {
        evaluate(pattern.expression, observables)
    }

    /// When the pattern matches, the positions of the observables it names: those that pass one of its
    /// un-negated comparisons (all of them when it holds only through negations); nil when it does not match.
    package func namedObservables(_ observables: [ObservableDraft]) -> [Int]? {
        guard matches(observables) else { return nil }
        let named = observables.indices.filter { position in
            positiveComparisons.contains { comparison in
                guard let value = Self.value(of: comparison.path, in: observables[position]) else {
                    return false
                }
                return test(comparison.test, value: value, type: observables[position].type)
            }
        }
        return named.isEmpty ? Array(observables.indices) : named
    }

    /// The observable types any comparison of `pattern` can read; an alert without one of them cannot match,
    /// since every comparison, negated or not, needs an object with its property.
    package static func observableTypes(in pattern: STIXPattern) -> Set<ObservableType> {
        Set(
            comparisons(in: pattern).flatMap { comparison in
                ObservableType.allCases.filter { type in
                    value(of: comparison.path, in: ObservableDraft(type: type, normalizedValue: "")) != nil
                }
            })
    }

    /// Values one of which an alert must carry for `pattern` to hold, read from its un-negated `=` and `IN`
    /// comparisons; nil when it can hold without any particular value (ranges, LIKE, MATCHES, NOT, CIDR constants).
    /// An `AND` needs only one anchored operand, an `OR` needs all of them. Sound by construction: each anchor set
    /// holds every form `equal(_:type:_:)` can accept, so a pattern is never skipped on an alert it matches.
    package static func anchors(in pattern: STIXPattern) -> Set<PatternAnchor>? {
        anchors(pattern.expression)
    }

    private static func anchors(_ expression: STIXObservationExpression) -> Set<PatternAnchor>? {
        switch expression {
        case .observation(let comparison): anchors(comparison)
        case .and(let operands), .followedBy(let operands): narrowest(operands.map(anchors))
        case .or(let operands): union(operands.map(anchors))
        case .qualified(let inner, _): anchors(inner)
        }
    }

    private static func anchors(_ expression: STIXComparisonExpression) -> Set<PatternAnchor>? {
        switch expression {
        case .comparison(let comparison):
            guard !comparison.negated else { return nil }
            switch comparison.test {
            case .equal(let literal): return anchors(literal)
            case .in(let literals): return union(literals.map(anchors))
            default: return nil
            }
        case .and(let operands): return narrowest(operands.map(anchors))
        case .or(let operands): return union(operands.map(anchors))
        }
    }

    /// The values an equality with `literal` can accept: none for a non-string (equality fails), nil for a
    /// network wider than one address (it accepts too many to list).
    private static func anchors(_ literal: STIXLiteral) -> Set<PatternAnchor>? {
        guard case .string(let constant) = literal else { return [] }
        // Text forms too for an address: on a `domain-name` or `user-account` path it is compared as text.
        var forms: Set<PatternAnchor> = [.text(constant), .text(constant.lowercased())]
        if let url = ObservableNormalizer.normalize(constant, as: .url) { forms.insert(.text(url)) }
        if let range = IPRange(constant) {
            guard range.first == range.last else { return nil }
            forms.insert(.address(isV6: range.isV6, range.first))
        }
        return forms
    }

    private static func narrowest(_ sets: [Set<PatternAnchor>?]) -> Set<PatternAnchor>? {
        sets.compactMap(\.self).min { $0.count < $1.count }
    }

    private static func union(_ sets: [Set<PatternAnchor>?]) -> Set<PatternAnchor>? {
        var all: Set<PatternAnchor> = []
        for set in sets {
            guard let set else { return nil }
            all.formUnion(set)
        }
        return all
    }

    /// Every comparison of `pattern`, negated or not.
    private static func comparisons(in pattern: STIXPattern) -> [STIXComparison] {
        var comparisons: [STIXComparison] = []
        collect(pattern.expression, into: &comparisons)
        return comparisons
    }

    private static func collect(_ expression: STIXObservationExpression, into comparisons: inout [STIXComparison]) {
        switch expression {
        case .observation(let comparison): collect(comparison, into: &comparisons)
        case .and(let operands), .or(let operands), .followedBy(let operands):
            for operand in operands { collect(operand, into: &comparisons) }
        case .qualified(let inner, _): collect(inner, into: &comparisons)
        }
    }

    private static func collect(_ expression: STIXComparisonExpression, into comparisons: inout [STIXComparison]) {
        switch expression {
        case .comparison(let comparison): comparisons.append(comparison)
        case .and(let operands), .or(let operands):
            for operand in operands { collect(operand, into: &comparisons) }
        }
    }

    private func evaluate(_ expression: STIXObservationExpression, _ observables: [ObservableDraft]) -> Bool {
        switch expression {
        case .observation(let comparison): evaluate(comparison, observables)
        case .and(let operands), .followedBy(let operands): operands.allSatisfy { evaluate($0, observables) }
        case .or(let operands): operands.contains { evaluate($0, observables) }
        case .qualified(let inner, _): evaluate(inner, observables)
        }
    }

    private func evaluate(_ expression: STIXComparisonExpression, _ observables: [ObservableDraft]) -> Bool {
        switch expression {
        case .comparison(let comparison):
            // True when some object has the property and the test (or, with NOT, its negation) holds for it.
            observables.contains { observable in
                guard let value = Self.value(of: comparison.path, in: observable) else { return false }
                return test(comparison.test, value: value, type: observable.type) != comparison.negated
            }
        case .and(let operands): operands.allSatisfy { evaluate($0, observables) }
        case .or(let operands): operands.contains { evaluate($0, observables) }
        }
    }

    private func test(_ test: STIXPropertyTest, value: String, type: ObservableType) -> Bool {
        switch test {
        case .exists: return true
        case .equal(let literal): return Self.equal(value, type: type, literal)
        case .notEqual(let literal): return !Self.equal(value, type: type, literal)
        case .in(let literals): return literals.contains { Self.equal(value, type: type, $0) }
        case .less(let literal): return Self.compare(value, literal).map { $0 < 0 } ?? false
        case .lessOrEqual(let literal): return Self.compare(value, literal).map { $0 <= 0 } ?? false
        case .greater(let literal): return Self.compare(value, literal).map { $0 > 0 } ?? false
        case .greaterOrEqual(let literal): return Self.compare(value, literal).map { $0 >= 0 } ?? false
        case .like(let pattern): return SQLLike.matches(value, pattern: pattern)
        case .matches(let regex): return regexes[regex]?.matches(value) ?? false
        case .isSubset(let network):
            guard let inner = IPRange(value), let outer = IPRange(network) else { return false }
            return outer.contains(inner)
        case .isSuperset(let other):
            guard let outer = IPRange(value), let inner = IPRange(other) else { return false }
            return outer.contains(inner)
        }
    }

    /// Equality as the index sees it: normalised values; an address equals a CIDR constant that contains it.
    private static func equal(_ value: String, type: ObservableType, _ literal: STIXLiteral) -> Bool {
        guard case .string(let constant) = literal else { return false }
        switch type {
        case .ipv4, .ipv6:
            guard let address = IPRange(value), let range = IPRange(constant) else { return false }
            return range.contains(address)
        case .domain, .hostname, .email, .md5, .sha1, .sha256:
            return value == constant.lowercased()
        case .url:
            return value == (ObservableNormalizer.normalize(constant, as: .url) ?? constant)
        case .username:
            return value == constant
        }
    }

    /// String ordering by Unicode scalars, as STIX compares strings; nil for non-string constants.
    private static func compare(_ value: String, _ literal: STIXLiteral) -> Int? {
        guard case .string(let constant) = literal else { return nil }
        if value == constant { return 0 }
        return value.unicodeScalars.lexicographicallyPrecedes(constant.unicodeScalars) ? -1 : 1
    }

    /// The observable's value at `path`, when the observable is that kind of object and has that property.
    static func value(of path: STIXObjectPath, in observable: ObservableDraft) -> String? {
        let keys = path.steps.compactMap { step -> String? in
            if case .key(let key) = step { return key }
            return nil
        }
        guard keys.count == path.steps.count else { return nil }  // observables hold no lists
        let matches: Bool
        switch (observable.type, path.objectType) {
        case (.ipv4, "ipv4-addr"), (.ipv6, "ipv6-addr"), (.domain, "domain-name"), (.hostname, "domain-name"),
            (.url, "url"), (.email, "email-addr"):
            matches = keys == ["value"]
        case (.email, "email-message"): matches = keys == ["from_ref", "value"]
        case (.md5, "file"), (.sha1, "file"), (.sha256, "file"):
            guard keys.count == 2, keys[0] == "hashes", let algorithm = STIXIndexablePath.hashAlgorithm(keys[1]) else {
                return nil
            }
            matches =
                (algorithm == .md5 && observable.type == .md5) || (algorithm == .sha1 && observable.type == .sha1)
                || (algorithm == .sha256 && observable.type == .sha256)
        case (.username, "user-account"): matches = keys == ["account_login"] || keys == ["user_id"]
        default: matches = false
        }
        return matches ? observable.value : nil
    }

    private static func compileRegexes(
        _ expression: STIXObservationExpression, into regexes: inout [String: LinearRegex]
    ) throws(UnrecognizedIndicator) {
        switch expression {
        case .observation(let comparison): try compileRegexes(comparison, into: &regexes)
        case .and(let operands), .or(let operands), .followedBy(let operands):
            for operand in operands { try compileRegexes(operand, into: &regexes) }
        case .qualified(let inner, _): try compileRegexes(inner, into: &regexes)
        }
    }

    private static func compileRegexes(
        _ expression: STIXComparisonExpression, into regexes: inout [String: LinearRegex]
    ) throws(UnrecognizedIndicator) {
        switch expression {
        case .comparison(let comparison):
            if case .matches(let source) = comparison.test, regexes[source] == nil {
                regexes[source] = try LinearRegex(source)
            }
        case .and(let operands), .or(let operands):
            for operand in operands { try compileRegexes(operand, into: &regexes) }
        }
    }
}

/// A value as pattern anchors name it: an address by its number (so `2001:db8::1` and `2001:0db8::1` meet),
/// anything else by its text.
package enum PatternAnchor: Hashable, Sendable {
    case address(isV6: Bool, UInt128)
    case text(String)

    /// The anchors an observable carries: its text, and its number when it is an address.
    package static func carried(by observable: ObservableDraft) -> [PatternAnchor] {
        guard observable.type == .ipv4 || observable.type == .ipv6, let range = IPRange(observable.value),
            range.first == range.last
        else { return [.text(observable.value)] }
        return [.text(observable.value), .address(isV6: range.isV6, range.first)]
    }
}

/// An IPv4 or IPv6 address or network as a range, for CIDR containment.
struct IPRange {
    let isV6: Bool
    let first: UInt128
    let last: UInt128

    init?(_ text: String) {
        var text = text
        let parsed = text.withUTF8 { bytes -> (Bool, UInt128, UInt8)? in
            if let address = AddressText.ipv4(bytes) { return (false, UInt128(address), 32) }
            if let address = AddressText.ipv6(bytes) { return (true, address, 128) }
            if let (network, length) = AddressText.cidr4(bytes) { return (false, UInt128(network), length) }
            if let (network, length) = AddressText.cidr6(bytes) { return (true, network, length) }
            return nil
        }
        guard let (isV6, network, length) = parsed else { return nil }
        let bits: UInt8 = isV6 ? 128 : 32
        let hostMask: UInt128 = length == bits ? 0 : (UInt128(1) << UInt128(bits - length)) - 1
        self.isV6 = isV6
        first = network
        last = network | hostMask
    }

    func contains(_ other: IPRange) -> Bool {
        isV6 == other.isV6 && first <= other.first && other.last <= last
    }
}

/// SQL `LIKE`: `%` matches any run of characters, `_` exactly one; everything else literally, case-sensitive.
enum SQLLike {
    /// Greedy matching with one backtrack point (the last `%`): O(value × pattern) at worst, never exponential.
    static func matches(_ value: String, pattern: String) -> Bool {
        let text = Array(value.unicodeScalars)
        let wildcard = Array(pattern.unicodeScalars)
        var textIndex = 0
        var patternIndex = 0
        var starPattern = -1
        var starText = 0
        while textIndex < text.count {
            if patternIndex < wildcard.count && wildcard[patternIndex] == "%" {
                starPattern = patternIndex
                starText = textIndex
                patternIndex += 1
            } else if patternIndex < wildcard.count
                && (wildcard[patternIndex] == "_" || wildcard[patternIndex] == text[textIndex])
            {
                patternIndex += 1
                textIndex += 1
            } else if starPattern >= 0 {
                patternIndex = starPattern + 1
                starText += 1
                textIndex = starText
            } else {
                return false
            }
        }
        while patternIndex < wildcard.count && wildcard[patternIndex] == "%" { patternIndex += 1 }
        return patternIndex == wildcard.count
    }
}
