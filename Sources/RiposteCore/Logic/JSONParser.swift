// A strict JSON (RFC 8259) parser from UTF-8 bytes straight to JSONValue, with a nesting limit.

/// A JSON syntax error at a byte offset of the parsed bytes.
public struct JSONSyntaxError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Offset of the offending byte (or of the end, when the text stops early).
    public var offset: Int
    /// What is wrong, without the position (`unexpected character '}'`).
    public var reason: String

    public init(offset: Int, reason: String) {
        self.offset = offset
        self.reason = reason
    }

    public var description: String { "\(reason) at byte \(offset)" }
}

/// Parses JSON text into ``JSONValue``.
///
/// Hand-written because, on Swift 6.3 for Linux with corpus EVE records, it decodes at about
/// 110–180 MB/s where `JSONSerialization` plus a conversion manages about 15 MB/s and `JSONDecoder`
/// into `JSONValue` about 5 MB/s, and because it keeps object key order, which `JSONValue` promises.
///
/// It is strict: RFC 8259 grammar only (no comments, trailing commas, `NaN` or leading zeros),
/// well-formed UTF-8 only, all escapes including UTF-16 surrogate pairs (an unpaired surrogate is
/// an error), numbers as `Double` (exact for integers up to 2^53; out-of-range numbers are an
/// error), and nesting at most `maxDepth` arrays and objects. Duplicate object keys are kept in
/// order; `JSONValue[key]` returns the first.
public enum JSONParser {
    /// The default nesting limit.
    public static let defaultMaxDepth = 64

    /// Parses `bytes` as one JSON document. - Throws: `.invalid` naming the problem and byte offset.
    public static func parse(_ bytes: [UInt8], maxDepth: Int = defaultMaxDepth) throws -> JSONValue {
        do {
            return try bytes.withUnsafeBufferPointer { buffer throws(JSONSyntaxError) in
                try parse(buffer, maxDepth: maxDepth)
            }
        } catch {
            throw RiposteError(.invalid, "invalid JSON: \(error)", underlying: error)
        }
    }

    /// Parses `bytes` as one JSON document. - Throws: the syntax error and its offset within `bytes`.
    public static func parse(
        _ bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int = defaultMaxDepth
    ) throws(JSONSyntaxError) -> JSONValue {
        var workspace = Workspace()
        // Room for a typical alert up front: growing from empty reallocated (and copied) five times a record.
        workspace.memberStack.reserveCapacity(32)
        workspace.elementStack.reserveCapacity(16)
        return try parse(bytes, maxDepth: maxDepth, workspace: &workspace)
    }

    /// Parses `bytes` as one JSON document with `workspace`'s storage, which it leaves grown for the next
    /// document: parsing the records of a body one after another then allocates only the values.
    /// - Throws: the syntax error and its offset within `bytes`.
    public static func parse(
        _ bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int = defaultMaxDepth, workspace: inout Workspace
    ) throws(JSONSyntaxError) -> JSONValue {
        var reader = Reader(bytes: bytes, maxDepth: maxDepth)
        // Swapped in, not copied, so the reader holds the only reference and its stacks grow in place.
        swap(&reader.workspace, &workspace)
        defer { swap(&reader.workspace, &workspace) }
        // A document that failed part-way left its open containers' values behind.
        reader.workspace.memberStack.removeAll(keepingCapacity: true)
        reader.workspace.elementStack.removeAll(keepingCapacity: true)
        reader.skipWhitespace()
        let value = try reader.parseValue()
        reader.skipWhitespace()
        guard reader.index == bytes.count else {
            throw reader.unexpected(reader.index, expecting: "the end of the document")
        }
        return value
    }

    /// The working storage of a parse, kept between documents by ``parse(_:maxDepth:workspace:)``.
    public struct Workspace {
        var scratch: [UInt8] = []
        // Members and elements of the containers being parsed, so each container is allocated once at its final size.
        var memberStack: [(String, JSONValue)] = []
        var elementStack: [JSONValue] = []

        public init() {}
    }

    private struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        let maxDepth: Int
        var index = 0
        var depth = 0
        var workspace = Workspace()

        init(bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int) {
            self.bytes = bytes
            self.maxDepth = maxDepth
        }

        /// Moves `stack[mark...]` off the stack into a new array, in order. Moving, not copying, spares
        /// a retain and a release per value (copy-then-remove showed up in ingest profiles).
        static func pop<Element>(_ stack: inout [Element], from mark: Int) -> [Element] {
            var popped: [Element] = []
            popped.reserveCapacity(stack.count - mark)
            while stack.count > mark { popped.append(stack.removeLast()) }
            popped.reverse()
            return popped
        }

        @inline(__always)
        mutating func skipWhitespace() {
            while index < bytes.count {
                let byte = bytes[index]
                guard byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 else { return }
                index += 1
            }
        }

        mutating func parseValue() throws(JSONSyntaxError) -> JSONValue {
            guard index < bytes.count else { throw endOfInput() }
            switch bytes[index] {
            case UInt8(ascii: "{"): return try parseObject()
            case UInt8(ascii: "["): return try parseArray()
            case UInt8(ascii: "\""): return .string(try parseString())
            case UInt8(ascii: "t"):
                try expectLiteral("true")
                return .bool(true)
            case UInt8(ascii: "f"):
                try expectLiteral("false")
                return .bool(false)
            case UInt8(ascii: "n"):
                try expectLiteral("null")
                return .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                return .number(try parseNumber())
            default:
                throw unexpected(index, expecting: "a value")
            }
        }

        mutating func enter() throws(JSONSyntaxError) {
            depth += 1
            guard depth <= maxDepth else {
                throw JSONSyntaxError(offset: index, reason: "nesting deeper than \(maxDepth) levels")
            }
            index += 1
            skipWhitespace()
        }

        mutating func parseObject() throws(JSONSyntaxError) -> JSONValue {
            try enter()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                index += 1
                depth -= 1
                return .object([])
            }
            let mark = workspace.memberStack.count
            while true {
                guard index < bytes.count else { throw endOfInput() }
                guard bytes[index] == UInt8(ascii: "\"") else { throw unexpected(index, expecting: "a string key") }
                let key = try parseString()
                skipWhitespace()
                guard index < bytes.count else { throw endOfInput() }
                guard bytes[index] == UInt8(ascii: ":") else { throw unexpected(index, expecting: "':'") }
                index += 1
                skipWhitespace()
                let value = try parseValue()
                workspace.memberStack.append((key, value))
                skipWhitespace()
                guard index < bytes.count else { throw endOfInput() }
                switch bytes[index] {
                case UInt8(ascii: ","):
                    index += 1
                    skipWhitespace()
                case UInt8(ascii: "}"):
                    index += 1
                    depth -= 1
                    return .object(Self.pop(&workspace.memberStack, from: mark))
                default:
                    throw unexpected(index, expecting: "',' or '}'")
                }
            }
        }

        mutating func parseArray() throws(JSONSyntaxError) -> JSONValue {
            try enter()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                index += 1
                depth -= 1
                return .array([])
            }
            let mark = workspace.elementStack.count
            while true {
                let element = try parseValue()
                workspace.elementStack.append(element)
                skipWhitespace()
                guard index < bytes.count else { throw endOfInput() }
                switch bytes[index] {
                case UInt8(ascii: ","):
                    index += 1
                    skipWhitespace()
                case UInt8(ascii: "]"):
                    index += 1
                    depth -= 1
                    return .array(Self.pop(&workspace.elementStack, from: mark))
                default:
                    throw unexpected(index, expecting: "',' or ']'")
                }
            }
        }

        /// Parses a string at `index` (its opening quote).
        mutating func parseString() throws(JSONSyntaxError) -> String {
            let start = index + 1
            var position = start
            // Fast path: no escapes.
            while position < bytes.count {
                position = ByteScan.firstStringSpecial(bytes, from: position, to: bytes.count)
                guard position < bytes.count else { break }
                let byte = bytes[position]
                if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 { break }
                if byte >= 0x80 {
                    let length = UTF8Validation.sequenceLength(bytes, at: position)
                    guard length > 0 else { throw JSONSyntaxError(offset: position, reason: "invalid UTF-8") }
                    position += length
                } else {
                    position += 1
                }
            }
            guard position < bytes.count else { throw endOfInput(inString: true) }
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                index = position + 1
                let text = UnsafeBufferPointer(rebasing: bytes[start..<position])
                // Validated above, so decoding cannot substitute replacement characters.
                return String(decoding: text, as: UTF8.self)
            }
            if byte < 0x20 { throw controlCharacter(at: position) }
            workspace.scratch.removeAll(keepingCapacity: true)
            workspace.scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<position]))
            return try parseEscapedString(from: position)
        }

        /// The slow path: the rest of a string from its first backslash, decoded into `scratch`.
        mutating func parseEscapedString(from escapeStart: Int) throws(JSONSyntaxError) -> String {
            var position = escapeStart
            while position < bytes.count {
                let byte = bytes[position]
                switch byte {
                case UInt8(ascii: "\""):
                    index = position + 1
                    return String(decoding: workspace.scratch, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    guard position + 1 < bytes.count else { throw endOfInput(inString: true) }
                    let escaped = bytes[position + 1]
                    position += 2
                    switch escaped {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): workspace.scratch.append(escaped)
                    case UInt8(ascii: "b"): workspace.scratch.append(0x08)
                    case UInt8(ascii: "f"): workspace.scratch.append(0x0C)
                    case UInt8(ascii: "n"): workspace.scratch.append(0x0A)
                    case UInt8(ascii: "r"): workspace.scratch.append(0x0D)
                    case UInt8(ascii: "t"): workspace.scratch.append(0x09)
                    case UInt8(ascii: "u"):
                        position = try appendUnicodeEscape(at: position - 2)
                    default:
                        let shown =
                            escaped >= 0x21 && escaped < 0x7F ? "'\\\(Character(Unicode.Scalar(escaped)))'" : printable(escaped)
                        throw JSONSyntaxError(offset: position - 2, reason: "invalid escape \(shown)")
                    }
                case 0..<0x20:
                    throw controlCharacter(at: position)
                case 0x80...:
                    let length = UTF8Validation.sequenceLength(bytes, at: position)
                    guard length > 0 else { throw JSONSyntaxError(offset: position, reason: "invalid UTF-8") }
                    workspace.scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[position..<(position + length)]))
                    position += length
                default:
                    workspace.scratch.append(byte)
                    position += 1
                }
            }
            throw endOfInput(inString: true)
        }

        /// Decodes `\uXXXX` (and a following low surrogate) at `start`; returns the index after it.
        mutating func appendUnicodeEscape(at start: Int) throws(JSONSyntaxError) -> Int {
            let first = try hex4(at: start + 2)
            var scalarValue = UInt32(first)
            var end = start + 6
            if (0xD800...0xDBFF).contains(first) {
                guard end + 1 < bytes.count, bytes[end] == UInt8(ascii: "\\"), bytes[end + 1] == UInt8(ascii: "u") else {
                    throw JSONSyntaxError(offset: start, reason: "unpaired UTF-16 surrogate in \\u escape")
                }
                let second = try hex4(at: end + 2)
                guard (0xDC00...0xDFFF).contains(second) else {
                    throw JSONSyntaxError(offset: start, reason: "unpaired UTF-16 surrogate in \\u escape")
                }
                scalarValue = 0x10000 + ((UInt32(first) - 0xD800) << 10) + (UInt32(second) - 0xDC00)
                end += 6
            } else if (0xDC00...0xDFFF).contains(first) {
                throw JSONSyntaxError(offset: start, reason: "unpaired UTF-16 surrogate in \\u escape")
            }
            guard let scalar = Unicode.Scalar(scalarValue) else {
                throw JSONSyntaxError(offset: start, reason: "invalid \\u escape")
            }
            workspace.scratch.append(contentsOf: scalar.utf8)
            return end
        }

        func hex4(at position: Int) throws(JSONSyntaxError) -> UInt16 {
            guard position + 4 <= bytes.count else { throw endOfInput(inString: true) }
            var value: UInt16 = 0
            for offset in 0..<4 {
                let byte = bytes[position + offset]
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - 0x30
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - 0x61 + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - 0x41 + 10
                default: throw JSONSyntaxError(offset: position - 2, reason: "invalid \\u escape")
                }
                value = value << 4 | UInt16(digit)
            }
            return value
        }

        /// Parses a number at `index`: exact fast path when every significant digit fits in a mantissa of at
        /// most 2^53 and the exponent is small (Clinger: one correctly rounded operation on exact operands), the
        /// standard library's correctly rounded parser otherwise. Unix times with microseconds (16 digits) and
        /// Suricata flow ids take the fast path.
        mutating func parseNumber() throws(JSONSyntaxError) -> Double {
            let start = index
            var position = index
            let negative = bytes[position] == UInt8(ascii: "-")
            if negative { position += 1 }
            var mantissa: UInt64 = 0
            var significantDigits = 0
            var decimalExponent = 0

            @inline(__always) func isDigit(_ at: Int) -> Bool {
                at < bytes.count && bytes[at] >= 0x30 && bytes[at] <= 0x39
            }
            guard isDigit(position) else { throw numberError(position) }
            if bytes[position] == UInt8(ascii: "0") {
                position += 1
            } else {
                while isDigit(position) {
                    if significantDigits < 19 {
                        mantissa = mantissa &* 10 &+ UInt64(bytes[position] - 0x30)
                    } else {
                        decimalExponent += 1
                    }
                    significantDigits += 1
                    position += 1
                }
            }
            if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
                position += 1
                guard isDigit(position) else { throw numberError(position) }
                while isDigit(position) {
                    let digit = UInt64(bytes[position] - 0x30)
                    if mantissa == 0 && digit == 0 {
                        decimalExponent -= 1  // leading zeros of a fraction are not significant
                    } else if significantDigits < 19 {
                        mantissa = mantissa &* 10 &+ digit
                        decimalExponent -= 1
                        significantDigits += 1
                    } else {
                        significantDigits += 1
                    }
                    position += 1
                }
            }
            if position < bytes.count, bytes[position] | 0x20 == UInt8(ascii: "e") {
                position += 1
                var exponentNegative = false
                if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") {
                    exponentNegative = bytes[position] == UInt8(ascii: "-")
                    position += 1
                }
                guard isDigit(position) else { throw numberError(position) }
                var exponent = 0
                while isDigit(position) {
                    if exponent < 100_000 { exponent = exponent * 10 + Int(bytes[position] - 0x30) }
                    position += 1
                }
                decimalExponent += exponentNegative ? -exponent : exponent
            }
            index = position
            // Up to 19 digits the mantissa holds them all (none dropped), so the bound on it is the whole condition.
            if significantDigits <= 19, mantissa <= 1 << 53, (-22...22).contains(decimalExponent) {
                var value = Double(mantissa)
                if decimalExponent < 0 {
                    value /= Reader.powersOfTen[-decimalExponent]
                } else {
                    value *= Reader.powersOfTen[decimalExponent]
                }
                return negative ? -value : value
            }
            let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
            guard let value = Double(text), value.isFinite else {
                throw JSONSyntaxError(offset: start, reason: "number out of range")
            }
            return value
        }

        static let powersOfTen: [Double] = (0...22).map { exponent in
            var value = 1.0
            for _ in 0..<exponent { value *= 10 }
            return value
        }

        mutating func expectLiteral(_ literal: StaticString) throws(JSONSyntaxError) {
            let count = literal.utf8CodeUnitCount
            let pointer = literal.utf8Start
            for offset in 0..<count {
                guard index + offset < bytes.count else { throw endOfInput() }
                guard bytes[index + offset] == pointer[offset] else { throw unexpected(index + offset, expecting: "a value") }
            }
            index += count
        }

        // MARK: Errors

        func endOfInput(inString: Bool = false) -> JSONSyntaxError {
            JSONSyntaxError(
                offset: bytes.count, reason: inString ? "unexpected end of JSON inside a string" : "unexpected end of JSON")
        }

        func unexpected(_ position: Int, expecting: String) -> JSONSyntaxError {
            guard position < bytes.count else { return endOfInput() }
            let byte = bytes[position]
            if byte >= 0x80, UTF8Validation.sequenceLength(bytes, at: position) == 0 {
                return JSONSyntaxError(offset: position, reason: "invalid UTF-8")
            }
            return JSONSyntaxError(offset: position, reason: "unexpected \(printable(byte)), expected \(expecting)")
        }

        func numberError(_ position: Int) -> JSONSyntaxError {
            guard position < bytes.count else { return endOfInput() }
            return JSONSyntaxError(offset: position, reason: "invalid number: unexpected \(printable(bytes[position]))")
        }

        func controlCharacter(at position: Int) -> JSONSyntaxError {
            JSONSyntaxError(offset: position, reason: "unescaped control character in a string")
        }

        func printable(_ byte: UInt8) -> String {
            if byte >= 0x21 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
            return "byte 0x\(String(byte, radix: 16, uppercase: true))"
        }
    }
}
