// The syntax tree of a STIX 2.1 pattern (STIX 2.1 section 9), as `STIXPatternParser` builds it.
package import FoundationEssentials

/// A parsed STIX 2.1 pattern: observation expressions joined by `AND`, `OR`, `FOLLOWEDBY`, with qualifiers.
package struct STIXPattern: Sendable, Hashable {
    package var expression: STIXObservationExpression

    package init(expression: STIXObservationExpression) {
        self.expression = expression
    }

    /// Parses `text` with the default limits. - Throws: `RiposteError(.invalid)` naming the 1-based column.
    package init(_ text: String, limits: STIXPatternLimits = STIXPatternLimits()) throws {
        self = try STIXPatternParser.parse(text, limits: limits)
    }
}

/// Guards on one pattern's size, so a hostile pattern cannot exhaust the stack or the time budget.
package struct STIXPatternLimits: Sendable, Hashable {
    /// Bytes of pattern text.
    package var maxBytes: Int
    /// Nested parentheses and brackets.
    package var maxDepth: Int

    package init(maxBytes: Int = 65_536, maxDepth: Int = 64) {
        self.maxBytes = maxBytes
        self.maxDepth = maxDepth
    }
}

/// Observation expressions (section 9.5): n-ary operators keep their operands in pattern order.
package indirect enum STIXObservationExpression: Sendable, Hashable {
    /// `[ comparison expression ]`.
    case observation(STIXComparisonExpression)
    case and([STIXObservationExpression])
    case or([STIXObservationExpression])
    case followedBy([STIXObservationExpression])
    /// An observation expression restricted by `WITHIN`, `REPEATS` or `START … STOP`.
    case qualified(STIXObservationExpression, STIXQualifier)
}

/// Comparison expressions inside one observation's brackets.
package indirect enum STIXComparisonExpression: Sendable, Hashable {
    case comparison(STIXComparison)
    case and([STIXComparisonExpression])
    case or([STIXComparisonExpression])
}

/// A qualifier on an observation expression (section 9.6).
package enum STIXQualifier: Sendable, Hashable {
    /// `WITHIN n SECONDS`, n > 0.
    case within(seconds: Double)
    /// `REPEATS n TIMES`, n > 0.
    case repeats(times: Int)
    /// `START t'…' STOP t'…'`, start before stop.
    case startStop(start: Date, stop: Date)
}

/// One comparison: an object path, an optional `NOT`, and an operator with its operand.
package struct STIXComparison: Sendable, Hashable {
    package var path: STIXObjectPath
    /// `NOT` before the operator: the comparison is true when the property exists and the test fails.
    package var negated: Bool
    package var test: STIXPropertyTest

    package init(path: STIXObjectPath, negated: Bool = false, test: STIXPropertyTest) {
        self.path = path
        self.negated = negated
        self.test = test
    }
}

/// What a comparison checks a property for.
package enum STIXPropertyTest: Sendable, Hashable {
    case equal(STIXLiteral)
    case notEqual(STIXLiteral)
    case less(STIXLiteral)
    case lessOrEqual(STIXLiteral)
    case greater(STIXLiteral)
    case greaterOrEqual(STIXLiteral)
    case `in`([STIXLiteral])
    /// SQL `LIKE`: `%` any run of characters, `_` one character.
    case like(String)
    /// PCRE-style regular expression, matched anywhere in the value.
    case matches(String)
    /// The IP address or network is inside the given CIDR.
    case isSubset(String)
    /// The IP network contains the given address or CIDR.
    case isSuperset(String)
    /// The property is present (`EXISTS path`; never negated).
    case exists
}

/// A constant in a pattern.
package enum STIXLiteral: Sendable, Hashable {
    case string(String)
    case int(Int64)
    case float(Double)
    case bool(Bool)
    /// `b'base64'`, decoded.
    case binary([UInt8])
    /// `h'hex'`, decoded.
    case hex([UInt8])
    /// `t'2016-01-01T00:00:00Z'`.
    case timestamp(Date)
}

/// `type:property.step[index]…` (section 9.3): the SCO type and the steps into it.
package struct STIXObjectPath: Sendable, Hashable, CustomStringConvertible {
    package enum Step: Sendable, Hashable {
        /// A property or dictionary key (`.value`, `.'SHA-256'`).
        case key(String)
        /// `[n]`; a negative n counts from the end.
        case index(Int)
        /// `[*]`: any element.
        case anyIndex
    }

    package var objectType: String
    /// The first step is always a key.
    package var steps: [Step]

    package init(objectType: String, steps: [Step]) {
        self.objectType = objectType
        self.steps = steps
    }

    /// The path in pattern syntax, keys quoted only when they need it (`file:hashes.'SHA-256'`).
    package var description: String {
        var text = objectType + ":"
        for (position, step) in steps.enumerated() {
            switch step {
            case .key(let key):
                if position > 0 { text += "." }
                let isPlain =
                    key.utf8.first.map { !($0 >= 0x30 && $0 <= 0x39) } ?? false
                    && key.utf8.allSatisfy { STIXPatternLexer.isIdentifierByte($0) && $0 != UInt8(ascii: "-") }
                text += isPlain ? key : "'" + key.replacing("\\", with: "\\\\").replacing("'", with: "\\'") + "'"
            case .index(let index): text += "[\(index)]"
            case .anyIndex: text += "[*]"
            }
        }
        return text
    }
}
