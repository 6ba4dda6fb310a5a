// Splits STIX 2.1 pattern text into tokens (the lexer rules of the OASIS STIXPattern.g4 grammar), in one pass.
import FoundationEssentials

/// A pattern syntax error at a byte offset of the pattern text; `STIXPatternParser` turns it into a column.
struct STIXPatternSyntaxError: Error {
    var offset: Int
    var reason: String
}

/// One token and the byte offset where it starts.
struct STIXToken {
    enum Kind: Equatable {
        case leftBracket, rightBracket, leftParen, rightParen, colon, dot, comma, asterisk
        case equal, notEqual, less, lessOrEqual, greater, greaterOrEqual
        case keyword(STIXKeyword)
        case identifier(String)
        case string(String)
        /// An integer; `signed` when it was written with `+` or `-`.
        case int(Int64, signed: Bool)
        case float(Double, signed: Bool)
        case bool(Bool)
        case binary([UInt8])
        case hex([UInt8])
        case timestamp(Date)
        case end
    }

    var kind: Kind
    var offset: Int
}

/// The reserved words; STIX 2.1 keywords are case-sensitive (upper case; `true`/`false` lower case).
enum STIXKeyword: String, CaseIterable {
    case and = "AND", or = "OR", not = "NOT", followedBy = "FOLLOWEDBY", like = "LIKE", matches = "MATCHES"
    case isSubset = "ISSUBSET", isSuperset = "ISSUPERSET", exists = "EXISTS", last = "LAST", `in` = "IN"
    case start = "START", stop = "STOP", seconds = "SECONDS", within = "WITHIN", repeats = "REPEATS"
    case times = "TIMES"
}

/// Turns pattern bytes into tokens; linear in the input.
struct STIXPatternLexer {
    private let bytes: [UInt8]
    private var index = 0

    private static let keywords: [String: STIXKeyword] = Dictionary(
        uniqueKeysWithValues: STIXKeyword.allCases.map { ($0.rawValue, $0) })

    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// All tokens of the pattern, ending with `.end`. - Throws: the first lexical error.
    static func tokens(_ bytes: [UInt8]) throws(STIXPatternSyntaxError) -> [STIXToken] {
        var lexer = STIXPatternLexer(bytes: bytes)
        var tokens: [STIXToken] = []
        while true {
            let token = try lexer.next()
            tokens.append(token)
            if token.kind == .end { return tokens }
        }
    }

    static func isIdentifierByte(_ byte: UInt8) -> Bool {
        (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x30 && byte <= 0x39)
            || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte &- 0x30 < 10 }

    private func peek(_ ahead: Int = 0) -> UInt8? {
        index + ahead < bytes.count ? bytes[index + ahead] : nil
    }

    private func error(_ reason: String, at offset: Int? = nil) -> STIXPatternSyntaxError {
        STIXPatternSyntaxError(offset: offset ?? index, reason: reason)
    }

    mutating func next() throws(STIXPatternSyntaxError) -> STIXToken {
        try skipWhitespaceAndComments()
        let start = index
        guard let byte = peek() else { return STIXToken(kind: .end, offset: start) }
        func single(_ kind: STIXToken.Kind, length: Int = 1) -> STIXToken {
            index += length
            return STIXToken(kind: kind, offset: start)
        }
        switch byte {
        case UInt8(ascii: "["): return single(.leftBracket)
        case UInt8(ascii: "]"): return single(.rightBracket)
        case UInt8(ascii: "("): return single(.leftParen)
        case UInt8(ascii: ")"): return single(.rightParen)
        case UInt8(ascii: ":"): return single(.colon)
        case UInt8(ascii: ","): return single(.comma)
        case UInt8(ascii: "*"): return single(.asterisk)
        case UInt8(ascii: "="): return peek(1) == UInt8(ascii: "=") ? single(.equal, length: 2) : single(.equal)
        case UInt8(ascii: "!"):
            guard peek(1) == UInt8(ascii: "=") else { throw error("expected '!=' after '!'") }
            return single(.notEqual, length: 2)
        case UInt8(ascii: "<"):
            if peek(1) == UInt8(ascii: "=") { return single(.lessOrEqual, length: 2) }
            if peek(1) == UInt8(ascii: ">") { return single(.notEqual, length: 2) }
            return single(.less)
        case UInt8(ascii: ">"): return peek(1) == UInt8(ascii: "=") ? single(.greaterOrEqual, length: 2) : single(.greater)
        case UInt8(ascii: "'"): return STIXToken(kind: .string(try quoted()), offset: start)
        case UInt8(ascii: "."):
            if let next = peek(1), Self.isDigit(next) { return try number() }
            return single(.dot)
        case UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return try number()
        default:
            if peek(1) == UInt8(ascii: "'") {
                switch byte {
                case UInt8(ascii: "b"): return STIXToken(kind: .binary(try binary()), offset: start)
                case UInt8(ascii: "h"): return STIXToken(kind: .hex(try hex()), offset: start)
                case UInt8(ascii: "t"): return STIXToken(kind: .timestamp(try timestamp()), offset: start)
                default: break
                }
            }
            guard (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || byte == UInt8(ascii: "_") else {
                throw error("unexpected character \(Self.describe(bytes, at: start))")
            }
            while let next = peek(), Self.isIdentifierByte(next) { index += 1 }
            let word = String(decoding: bytes[start..<index], as: UTF8.self)
            // Keywords are upper case; most identifiers (object types, properties) are not, and skip the lookup.
            if byte <= 0x5A, let keyword = Self.keywords[word] { return STIXToken(kind: .keyword(keyword), offset: start) }
            if word == "true" || word == "false" { return STIXToken(kind: .bool(word == "true"), offset: start) }
            return STIXToken(kind: .identifier(word), offset: start)
        }
    }

    /// Skips ASCII and Unicode white space (as the grammar's WS rule lists), `/* … */` and `// …` comments.
    private mutating func skipWhitespaceAndComments() throws(STIXPatternSyntaxError) {
        while let byte = peek() {
            switch byte {
            case 0x20, 0x09, 0x0A, 0x0B, 0x0C, 0x0D:
                index += 1
            case UInt8(ascii: "/") where peek(1) == UInt8(ascii: "*"):
                let start = index
                index += 2
                while index < bytes.count && !(bytes[index] == UInt8(ascii: "*") && peek(1) == UInt8(ascii: "/")) {
                    index += 1
                }
                guard index < bytes.count else { throw error("unterminated comment", at: start) }
                index += 2
            case UInt8(ascii: "/") where peek(1) == UInt8(ascii: "/"):
                while let next = peek(), next != 0x0A && next != 0x0D { index += 1 }
            case 0x80...:
                guard let (scalar, length) = Self.scalar(bytes, at: index), Self.unicodeSpaces.contains(scalar.value)
                else { return }
                index += length
            default:
                return
            }
        }
    }

    private static let unicodeSpaces: Set<UInt32> = [
        0x85, 0xA0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200A,
        0x2028, 0x2029, 0x202F, 0x205F, 0x3000,
    ]

    /// The Unicode scalar at `offset` and its UTF-8 length; nil for an invalid sequence.
    static func scalar(_ bytes: [UInt8], at offset: Int) -> (Unicode.Scalar, Int)? {
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes[offset...].makeIterator()
        guard case .valid(let encoded) = parser.parseScalar(from: &iterator) else { return nil }
        return (Unicode.UTF8.decode(encoded), encoded.count)
    }

    /// A character for a message: `'x'`, or `U+00E9`, or the byte when it is not UTF-8.
    static func describe(_ bytes: [UInt8], at offset: Int) -> String {
        guard let (scalar, _) = scalar(bytes, at: offset) else {
            return "byte 0x" + String(bytes[offset], radix: 16, uppercase: true)
        }
        if scalar.value > 0x20 && scalar.value < 0x7F { return "'\(Character(scalar))'" }
        return "U+" + String(scalar.value, radix: 16, uppercase: true)
    }

    /// A `'…'` string at `index`: only `\'` and `\\` are escapes (STIX 2.1 grammar).
    private mutating func quoted() throws(STIXPatternSyntaxError) -> String {
        let start = index
        index += 1
        // Fast path: no escape before the closing quote, so the content is a slice of the input.
        var end = index
        while end < bytes.count, bytes[end] != UInt8(ascii: "'"), bytes[end] != UInt8(ascii: "\\") { end += 1 }
        if end < bytes.count, bytes[end] == UInt8(ascii: "'") {
            guard let text = String(validating: bytes[index..<end], as: UTF8.self) else {
                throw error("string is not valid UTF-8", at: start)
            }
            index = end + 1
            return text
        }
        var text = Array(bytes[index..<end])
        index = end
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "'"):
                index += 1
                guard String(validating: text, as: UTF8.self) != nil else {
                    throw error("string is not valid UTF-8", at: start)
                }
                return String(decoding: text, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard let escaped = peek(1), escaped == UInt8(ascii: "'") || escaped == UInt8(ascii: "\\") else {
                    throw error("invalid escape in string: only \\' and \\\\ are allowed")
                }
                text.append(escaped)
                index += 2
            default:
                text.append(byte)
                index += 1
            }
        }
        throw error("unterminated string", at: start)
    }

    /// The raw content of a prefixed literal (`b'…'`, `h'…'`, `t'…'`), which has no escapes.
    private mutating func prefixedContent() throws(STIXPatternSyntaxError) -> ArraySlice<UInt8> {
        let start = index
        index += 2
        guard let close = bytes[index...].firstIndex(of: UInt8(ascii: "'")) else {
            throw error("unterminated literal", at: start)
        }
        let content = bytes[index..<close]
        index = close + 1
        return content
    }

    private mutating func hex() throws(STIXPatternSyntaxError) -> [UInt8] {
        let start = index
        let content = try prefixedContent()
        guard content.count % 2 == 0 else { throw error("hex literal needs an even number of digits", at: start) }
        var result: [UInt8] = []
        result.reserveCapacity(content.count / 2)
        var position = content.startIndex
        while position < content.endIndex {
            guard let high = AddressText.hexDigitValue(content[position]),
                let low = AddressText.hexDigitValue(content[position + 1])
            else { throw error("hex literal has a non-hex digit", at: position) }
            result.append(high << 4 | low)
            position += 2
        }
        return result
    }

    private mutating func binary() throws(STIXPatternSyntaxError) -> [UInt8] {
        let start = index
        let content = try prefixedContent()
        guard let decoded = Base64.decode(content) else {
            throw error("binary literal is not padded base64", at: start)
        }
        return decoded
    }

    /// `t'YYYY-MM-DDTHH:MM:SS[.s+]Z'` with the grammar's ranges (second 60 allowed for a leap second).
    private mutating func timestamp() throws(STIXPatternSyntaxError) -> Date {
        let start = index
        let content = Array(try prefixedContent())
        let shape = Array("dddd-dd-ddTdd:dd:dd".utf8)
        func digits(_ range: Range<Int>) -> Int {
            content[range].reduce(0) { $0 * 10 + Int($1 &- 0x30) }
        }
        var valid = content.count >= shape.count + 1 && content.last == UInt8(ascii: "Z")
        if valid {
            for (position, expected) in shape.enumerated() {
                let byte = content[position]
                valid = valid && (expected == UInt8(ascii: "d") ? Self.isDigit(byte) : byte == expected)
            }
        }
        if valid && content.count > shape.count + 1 {
            let fraction = content[shape.count..<(content.count - 1)]
            valid = fraction.count >= 2 && fraction.first == UInt8(ascii: ".") && fraction.dropFirst().allSatisfy(Self.isDigit)
        }
        guard valid, (1...12).contains(digits(5..<7)), (1...31).contains(digits(8..<10)), digits(11..<13) < 24,
            digits(14..<16) < 60, digits(17..<19) <= 60,
            let date = FirstSeenText.date(String(decoding: content, as: UTF8.self).replacing(":60", with: ":59"))
        else { throw error("timestamp literal must be t'YYYY-MM-DDTHH:MM:SS[.sss]Z'", at: start) }
        return date
    }

    /// `[+-]? (0 | [1-9][0-9]*)` or `[+-]? [0-9]* '.' [0-9]+`.
    private mutating func number() throws(STIXPatternSyntaxError) -> STIXToken {
        let start = index
        var signed = false
        if let sign = peek(), sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
            signed = true
            index += 1
        }
        let digitsStart = index
        while let byte = peek(), Self.isDigit(byte) { index += 1 }
        let integerDigits = bytes[digitsStart..<index]
        if peek() == UInt8(ascii: "."), let next = peek(1), Self.isDigit(next) {
            index += 1
            while let byte = peek(), Self.isDigit(byte) { index += 1 }
            let text = String(decoding: bytes[start..<index], as: UTF8.self)
            guard let value = Double(text), value.isFinite else { throw error("number out of range", at: start) }
            return STIXToken(kind: .float(value, signed: signed), offset: start)
        }
        guard !integerDigits.isEmpty else { throw error("expected digits after the sign", at: start) }
        guard integerDigits.count == 1 || integerDigits.first != UInt8(ascii: "0") else {
            throw error("integer has a leading zero", at: start)
        }
        guard let magnitude = Int64(String(decoding: bytes[start..<index], as: UTF8.self)) else {
            throw error("integer out of the 64-bit range", at: start)
        }
        return STIXToken(kind: .int(magnitude, signed: signed), offset: start)
    }
}

/// Strict RFC 4648 base64 (padded, no white space), as the grammar's BinaryLiteral rule.
enum Base64 {
    static func decode(_ text: ArraySlice<UInt8>) -> [UInt8]? {
        guard text.count % 4 == 0 else { return nil }
        var output: [UInt8] = []
        output.reserveCapacity(text.count / 4 * 3)
        var position = text.startIndex
        while position < text.endIndex {
            let isLast = position + 4 == text.endIndex
            var values: [UInt32] = []
            var padding = 0
            for offset in 0..<4 {
                let byte = text[position + offset]
                if byte == UInt8(ascii: "=") {
                    guard isLast, offset >= 2 else { return nil }
                    padding += 1
                    values.append(0)
                } else {
                    guard padding == 0, let value = value(byte) else { return nil }
                    values.append(value)
                }
            }
            let group = values[0] << 18 | values[1] << 12 | values[2] << 6 | values[3]
            output.append(UInt8(truncatingIfNeeded: group >> 16))
            if padding < 2 { output.append(UInt8(truncatingIfNeeded: group >> 8)) }
            if padding < 1 { output.append(UInt8(truncatingIfNeeded: group)) }
            position += 4
        }
        return output
    }

    private static func value(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): UInt32(byte - UInt8(ascii: "A"))
        case UInt8(ascii: "a")...UInt8(ascii: "z"): UInt32(byte - UInt8(ascii: "a")) + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0")) + 52
        case UInt8(ascii: "+"): 62
        case UInt8(ascii: "/"): 63
        default: nil
        }
    }
}
