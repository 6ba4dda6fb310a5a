// Recursive-descent parser for STIX 2.1 patterns: precedence FOLLOWEDBY < OR < AND < qualifiers, as in STIXPattern.g4.
import RiposteCore

/// Parses pattern text into a `STIXPattern`, in time linear in its length.
///
/// Grammar (OASIS cti-stix2-json-schemas `pattern_grammar/STIXPattern.g4`, STIX 2.1 section 9):
/// ```
/// pattern     := followedBy EOF
/// followedBy  := or ('FOLLOWEDBY' or)*          observation operators, lowest precedence first
/// or          := and ('OR' and)*
/// and         := qualified ('AND' qualified)*
/// qualified   := ('[' cmpOr ']' | '(' followedBy ')') qualifier*
/// cmpOr       := cmpAnd ('OR' cmpAnd)*
/// cmpAnd      := test ('AND' test)*
/// test        := '(' cmpOr ')' | 'EXISTS' path | path 'NOT'? operator operand
/// ```
package enum STIXPatternParser {
    /// - Throws: `RiposteError(.invalid)` "pattern column N: reason" (1-based, in Unicode scalars), or
    ///   `.tooLarge` when the text exceeds `limits.maxBytes`.
    package static func parse(_ text: String, limits: STIXPatternLimits = STIXPatternLimits()) throws -> STIXPattern {
        let bytes = Array(text.utf8)
        guard bytes.count <= limits.maxBytes else {
            throw RiposteError(.tooLarge, "pattern is longer than \(limits.maxBytes) bytes")
        }
        do throws(STIXPatternSyntaxError) {
            var parser = Parser(tokens: try STIXPatternLexer.tokens(bytes), maxDepth: limits.maxDepth)
            let expression = try parser.followedBy()
            guard parser.current.kind == .end else {
                throw parser.unexpected("an observation operator (AND, OR, FOLLOWEDBY), a qualifier or the end")
            }
            return STIXPattern(expression: expression)
        } catch {
            throw RiposteError.invalid("pattern column \(column(of: error.offset, in: bytes)): \(error.reason)")
        }
    }

    /// The 1-based column of a byte offset, counting Unicode scalars (UTF-8 lead bytes).
    static func column(of offset: Int, in bytes: [UInt8]) -> Int {
        bytes[..<min(offset, bytes.count)].reduce(1) { $1 & 0xC0 == 0x80 ? $0 : $0 + 1 }
    }

    private struct Parser {
        let tokens: [STIXToken]
        let maxDepth: Int
        var position = 0
        var depth = 0

        var current: STIXToken { tokens[position] }

        init(tokens: [STIXToken], maxDepth: Int) {
            self.tokens = tokens
            self.maxDepth = maxDepth
        }

        mutating func advance() -> STIXToken {
            let token = tokens[position]
            if position < tokens.count - 1 { position += 1 }
            return token
        }

        mutating func take(_ keyword: STIXKeyword) -> Bool {
            guard current.kind == .keyword(keyword) else { return false }
            position += 1
            return true
        }

        mutating func expect(_ kind: STIXToken.Kind, _ description: String) throws(STIXPatternSyntaxError) {
            guard current.kind == kind else { throw unexpected(description) }
            _ = advance()
        }

        func unexpected(_ expected: String) -> STIXPatternSyntaxError {
            STIXPatternSyntaxError(offset: current.offset, reason: "expected \(expected), found \(Self.name(current.kind))")
        }

        mutating func enter() throws(STIXPatternSyntaxError) {
            depth += 1
            guard depth <= maxDepth else {
                throw STIXPatternSyntaxError(offset: current.offset, reason: "nesting deeper than \(maxDepth) levels")
            }
        }

        // MARK: Observation expressions

        mutating func followedBy() throws(STIXPatternSyntaxError) -> STIXObservationExpression {
            let first = try or()
            guard take(.followedBy) else { return first }  // the common single operand needs no array
            var operands = [first, try or()]
            while take(.followedBy) { operands.append(try or()) }
            return .followedBy(operands)
        }

        mutating func or() throws(STIXPatternSyntaxError) -> STIXObservationExpression {
            let first = try and()
            guard take(.or) else { return first }  // the common single operand needs no array
            var operands = [first, try and()]
            while take(.or) { operands.append(try and()) }
            return .or(operands)
        }

        mutating func and() throws(STIXPatternSyntaxError) -> STIXObservationExpression {
            let first = try qualified()
            guard take(.and) else { return first }  // the common single operand needs no array
            var operands = [first, try qualified()]
            while take(.and) { operands.append(try qualified()) }
            return .and(operands)
        }

        mutating func qualified() throws(STIXPatternSyntaxError) -> STIXObservationExpression {
            var expression: STIXObservationExpression
            switch current.kind {
            case .leftBracket:
                _ = advance()
                try enter()
                expression = .observation(try comparisonOr())
                try expect(.rightBracket, "']' closing the observation expression")
                depth -= 1
            case .leftParen:
                _ = advance()
                try enter()
                expression = try followedBy()
                try expect(.rightParen, "')' closing the observation expression")
                depth -= 1
            default:
                throw unexpected("'[' or '(' starting an observation expression")
            }
            while let qualifier = try qualifier() { expression = .qualified(expression, qualifier) }
            return expression
        }

        mutating func qualifier() throws(STIXPatternSyntaxError) -> STIXQualifier? {
            if take(.within) {
                let seconds: Double
                switch current.kind {
                case .int(let value, let signed) where !signed && value > 0: seconds = Double(value)
                case .float(let value, let signed) where !signed && value > 0: seconds = value
                default: throw unexpected("a positive number of seconds after WITHIN")
                }
                _ = advance()
                guard take(.seconds) else { throw unexpected("SECONDS") }
                return .within(seconds: seconds)
            }
            if take(.repeats) {
                guard case .int(let value, let signed) = current.kind, !signed, value > 0, let times = Int(exactly: value)
                else { throw unexpected("a positive integer after REPEATS") }
                _ = advance()
                guard take(.times) else { throw unexpected("TIMES") }
                return .repeats(times: times)
            }
            if current.kind == .keyword(.start) {
                let startToken = advance()
                guard case .timestamp(let start) = current.kind else { throw unexpected("a t'…' timestamp after START") }
                _ = advance()
                guard take(.stop) else { throw unexpected("STOP") }
                guard case .timestamp(let stop) = current.kind else { throw unexpected("a t'…' timestamp after STOP") }
                _ = advance()
                guard start < stop else {
                    throw STIXPatternSyntaxError(offset: startToken.offset, reason: "START must be before STOP")
                }
                return .startStop(start: start, stop: stop)
            }
            return nil
        }

        // MARK: Comparison expressions

        mutating func comparisonOr() throws(STIXPatternSyntaxError) -> STIXComparisonExpression {
            let first = try comparisonAnd()
            guard take(.or) else { return first }  // the common single operand needs no array
            var operands = [first, try comparisonAnd()]
            while take(.or) { operands.append(try comparisonAnd()) }
            return .or(operands)
        }

        mutating func comparisonAnd() throws(STIXPatternSyntaxError) -> STIXComparisonExpression {
            let first = try propertyTest()
            guard take(.and) else { return first }  // the common single operand needs no array
            var operands = [first, try propertyTest()]
            while take(.and) { operands.append(try propertyTest()) }
            return .and(operands)
        }

        mutating func propertyTest() throws(STIXPatternSyntaxError) -> STIXComparisonExpression {
            if current.kind == .leftParen {
                _ = advance()
                try enter()
                let inner = try comparisonOr()
                try expect(.rightParen, "')' closing the comparison expression")
                depth -= 1
                return inner
            }
            if take(.exists) {
                return .comparison(STIXComparison(path: try objectPath(), test: .exists))
            }
            let path = try objectPath()
            let negated = take(.not)
            let operatorToken = advance()
            let test: STIXPropertyTest
            switch operatorToken.kind {
            case .equal: test = .equal(try literal(orderable: false))
            case .notEqual: test = .notEqual(try literal(orderable: false))
            case .less: test = .less(try literal(orderable: true))
            case .lessOrEqual: test = .lessOrEqual(try literal(orderable: true))
            case .greater: test = .greater(try literal(orderable: true))
            case .greaterOrEqual: test = .greaterOrEqual(try literal(orderable: true))
            case .keyword(.in): test = .in(try set())
            case .keyword(.like): test = .like(try string("LIKE"))
            case .keyword(.matches): test = .matches(try string("MATCHES"))
            case .keyword(.isSubset): test = .isSubset(try string("ISSUBSET"))
            case .keyword(.isSuperset): test = .isSuperset(try string("ISSUPERSET"))
            default:
                position -= operatorToken.kind == .end ? 0 : 1
                throw unexpected("a comparison operator (=, !=, <, <=, >, >=, IN, LIKE, MATCHES, ISSUBSET, ISSUPERSET)")
            }
            return .comparison(STIXComparison(path: path, negated: negated, test: test))
        }

        mutating func string(_ operation: String) throws(STIXPatternSyntaxError) -> String {
            guard case .string(let text) = current.kind else { throw unexpected("a string literal after \(operation)") }
            _ = advance()
            return text
        }

        mutating func set() throws(STIXPatternSyntaxError) -> [STIXLiteral] {
            try expect(.leftParen, "'(' starting the IN set")
            var members: [STIXLiteral] = []
            if current.kind == .rightParen {
                _ = advance()
                return members
            }
            while true {
                members.append(try literal(orderable: false))
                if current.kind == .comma {
                    _ = advance()
                    continue
                }
                try expect(.rightParen, "',' or ')' in the IN set")
                return members
            }
        }

        /// A constant; booleans only where `orderable` is false (they have no order).
        mutating func literal(orderable: Bool) throws(STIXPatternSyntaxError) -> STIXLiteral {
            let value: STIXLiteral
            switch current.kind {
            case .string(let text): value = .string(text)
            case .int(let number, _): value = .int(number)
            case .float(let number, _): value = .float(number)
            case .bool(let flag) where !orderable: value = .bool(flag)
            case .binary(let bytes): value = .binary(bytes)
            case .hex(let bytes): value = .hex(bytes)
            case .timestamp(let date): value = .timestamp(date)
            default:
                throw unexpected(orderable ? "an orderable constant (string, number, b'', h'', t'')" : "a constant")
            }
            _ = advance()
            return value
        }

        // MARK: Object paths

        /// `type:first(.key | .'key' | [n] | [*])*`; property names cannot hold an unquoted hyphen.
        mutating func objectPath() throws(STIXPatternSyntaxError) -> STIXObjectPath {
            guard case .identifier(let objectType) = current.kind else {
                throw unexpected("an object path (type:property)")
            }
            _ = advance()
            try expect(.colon, "':' after the object type '\(objectType)'")
            var steps = [STIXObjectPath.Step.key(try propertyName())]
            while true {
                switch current.kind {
                case .dot:
                    _ = advance()
                    steps.append(.key(try propertyName()))
                case .leftBracket:
                    _ = advance()
                    switch current.kind {
                    case .asterisk: steps.append(.anyIndex)
                    case .int(let value, _):
                        guard let index = Int(exactly: value) else { throw unexpected("a list index") }
                        steps.append(.index(index))
                    default: throw unexpected("a list index or '*'")
                    }
                    _ = advance()
                    try expect(.rightBracket, "']' closing the list index")
                default:
                    return STIXObjectPath(objectType: objectType, steps: steps)
                }
            }
        }

        mutating func propertyName() throws(STIXPatternSyntaxError) -> String {
            switch current.kind {
            case .identifier(let name) where !name.utf8.contains(UInt8(ascii: "-")):
                _ = advance()
                return name
            case .identifier(let name):
                throw STIXPatternSyntaxError(
                    offset: current.offset, reason: "property name '\(name)' has a hyphen; quote it as '\(name)'")
            case .string(let name):
                _ = advance()
                return name
            default:
                throw unexpected("a property name")
            }
        }

        static func name(_ kind: STIXToken.Kind) -> String {
            switch kind {
            case .leftBracket: "'['"
            case .rightBracket: "']'"
            case .leftParen: "'('"
            case .rightParen: "')'"
            case .colon: "':'"
            case .dot: "'.'"
            case .comma: "','"
            case .asterisk: "'*'"
            case .equal: "'='"
            case .notEqual: "'!='"
            case .less: "'<'"
            case .lessOrEqual: "'<='"
            case .greater: "'>'"
            case .greaterOrEqual: "'>='"
            case .keyword(let keyword): keyword.rawValue
            case .identifier(let name): "'\(name.prefix(32))'"
            case .string: "a string"
            case .int, .float: "a number"
            case .bool: "a boolean"
            case .binary: "a binary literal"
            case .hex: "a hex literal"
            case .timestamp: "a timestamp"
            case .end: "the end of the pattern"
            }
        }
    }
}
