// Splits an alert request body (one JSON object, an array of objects, or NDJSON) into records, byte-exact.
import RiposteCore

/// Size limits for one alert request. Exceeding one is an error, never a silent truncation.
package struct IngestLimits: Sendable, Hashable {
    /// The most records one body may hold (`.tooLarge` beyond).
    package var maxRecords: Int
    /// The most bytes one record may span (`.tooLarge` beyond).
    package var maxRecordBytes: Int
    /// The deepest nesting of arrays and objects a record may have (`.invalid` beyond).
    package var maxDepth: Int

    package init(maxRecords: Int = 10_000, maxRecordBytes: Int = 1 << 20, maxDepth: Int = 64) {
        self.maxRecords = maxRecords
        self.maxRecordBytes = maxRecordBytes
        self.maxDepth = maxDepth
    }

    package static let `default` = IngestLimits()
}

/// One record of a body: where its bytes are and how to name it in an error.
package struct AlertPayloadRecord: Sendable, Hashable {
    /// 1-based position in the body; error messages say `record 3`.
    package var number: Int
    /// 1-based line of the body on which the record starts.
    package var line: Int
    /// The record's bytes within the body: the object from `{` to `}`, without surrounding
    /// whitespace, line ends or array commas.
    package var range: Range<Int>

    package init(number: Int, line: Int, range: Range<Int>) {
        self.number = number
        self.line = line
        self.range = range
    }

    /// `record 3 (line 7)`, the prefix of every error about this record.
    package var label: String { "record \(number) (line \(line))" }
}

/// How a body was laid out.
package enum AlertPayloadLayout: Sendable, Hashable {
    /// A JSON array of objects.
    case array
    /// One object, or objects one after another, each starting on a new line (NDJSON).
    case objects
}

/// Splits a body into records by scanning bytes once, without decoding them.
///
/// Accepted bodies, after an optional UTF-8 byte-order mark and whitespace:
/// - **one JSON object**;
/// - **a JSON array of objects** (`[]` gives no records);
/// - **NDJSON**: objects separated by line breaks (`\n` or `\r\n`); blank lines are ignored, and
///   an object may itself span lines, so a sequence of pretty-printed objects also splits. Two
///   objects on one line are an error.
///
/// The scan tracks strings, escapes and nesting, validates UTF-8 (overlongs, surrogates and
/// code points above U+10FFFF are rejected), rejects raw control characters inside strings, and
/// checks bracket pairing and the depth limit. It does not check the rest of the JSON grammar:
/// `JSONParser` does that per record. A whitespace-only body is `.invalid`.
///
/// Errors name the record, line and byte offset (`record 2 (line 3): unexpected end of JSON at byte
/// 120`). Too many records, or a record over `maxRecordBytes`, is `.tooLarge`; anything else `.invalid`.
package struct AlertPayloadSplitter: Sendable {
    package var limits: IngestLimits

    package init(limits: IngestLimits = .default) { self.limits = limits }

    /// The records of `body`, in order. - Throws: `.invalid` or `.tooLarge`, see the type.
    package func split(_ body: [UInt8]) throws -> [AlertPayloadRecord] {
        try splitWithLayout(body).records
    }

    /// The records of `body` and how it was laid out. - Throws: `.invalid` or `.tooLarge`.
    package func splitWithLayout(_ body: [UInt8]) throws -> (layout: AlertPayloadLayout, records: [AlertPayloadRecord]) {
        try body.withUnsafeBufferPointer { buffer in
            var scanner = Scanner(bytes: buffer, limits: limits)
            return try scanner.run()
        }
    }

    private struct Scanner {
        let bytes: UnsafeBufferPointer<UInt8>
        let limits: IngestLimits
        var index = 0
        var line = 1
        var records: [AlertPayloadRecord] = []
        var stack: [UInt8] = []

        init(bytes: UnsafeBufferPointer<UInt8>, limits: IngestLimits) {
            self.bytes = bytes
            self.limits = limits
            stack.reserveCapacity(min(limits.maxDepth, 64) + 1)
        }

        mutating func run() throws -> (AlertPayloadLayout, [AlertPayloadRecord]) {
            if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { index = 3 }
            skipWhitespace()
            guard index < bytes.count else {
                throw invalid("request body is empty; expected a JSON object, an array of objects or NDJSON")
            }
            switch bytes[index] {
            case UInt8(ascii: "["):
                try splitArray()
                return (.array, records)
            case UInt8(ascii: "{"):
                try splitObjects()
                return (.objects, records)
            default:
                throw invalid(
                    "line \(line): expected a JSON object, an array of objects or NDJSON at byte \(index), found \(describe(index))"
                )
            }
        }

        mutating func splitArray() throws {
            index += 1
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                index += 1
            } else {
                while true {
                    skipWhitespace()
                    let number = records.count + 1
                    guard index < bytes.count else {
                        throw invalid(
                            "record \(number) (line \(line)): unexpected end of JSON at byte \(index); the array is not closed")
                    }
                    guard bytes[index] == UInt8(ascii: "{") else {
                        throw invalid(
                            "record \(number) (line \(line)): expected a JSON object at byte \(index), found \(describe(index))")
                    }
                    try scanRecord()
                    skipWhitespace()
                    guard index < bytes.count else {
                        throw invalid("line \(line): unexpected end of JSON at byte \(index); the array is not closed")
                    }
                    if bytes[index] == UInt8(ascii: ",") {
                        index += 1
                        continue
                    }
                    guard bytes[index] == UInt8(ascii: "]") else {
                        throw invalid(
                            "line \(line): expected ',' or ']' after record \(records.count) at byte \(index), found \(describe(index))"
                        )
                    }
                    index += 1
                    break
                }
            }
            skipWhitespace()
            guard index == bytes.count else {
                throw invalid("line \(line): unexpected data after the array at byte \(index), found \(describe(index))")
            }
        }

        mutating func splitObjects() throws {
            while true {
                try scanRecord()
                // The rest of the line must be blank: one object per line.
                while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x09 || bytes[index] == 0x0D { index += 1 }
                guard index == bytes.count || bytes[index] == 0x0A else {
                    throw invalid(
                        "line \(line): expected a line break after record \(records.count) at byte \(index), found \(describe(index))"
                    )
                }
                skipWhitespace()
                guard index < bytes.count else { return }
                guard bytes[index] == UInt8(ascii: "{") else {
                    throw invalid(
                        "record \(records.count + 1) (line \(line)): expected a JSON object at byte \(index), found \(describe(index))"
                    )
                }
            }
        }

        /// Scans the object starting at `index` (a `{`) and records its range.
        mutating func scanRecord() throws {
            let number = records.count + 1
            guard number <= limits.maxRecords else {
                throw RiposteError(.tooLarge, "the body has more than \(limits.maxRecords) records")
            }
            let start = index
            let startLine = line
            let limit = min(bytes.count, start + limits.maxRecordBytes)
            let label = "record \(number) (line \(startLine))"
            stack.removeAll(keepingCapacity: true)
            var position = start
            while position < limit {
                let byte = bytes[position]
                switch byte {
                case UInt8(ascii: "\""):
                    position = try scanString(from: position + 1, limit: limit, label: label)
                    continue
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    guard stack.count < limits.maxDepth else {
                        throw invalid("\(label): nesting deeper than \(limits.maxDepth) levels at byte \(position)")
                    }
                    stack.append(byte)
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    let open = byte == UInt8(ascii: "}") ? UInt8(ascii: "{") : UInt8(ascii: "[")
                    guard stack.last == open else {
                        throw invalid(
                            "\(label): unexpected '\(Character(Unicode.Scalar(byte)))' at byte \(position) (line \(line))")
                    }
                    stack.removeLast()
                    if stack.isEmpty {
                        index = position + 1
                        records.append(AlertPayloadRecord(number: number, line: startLine, range: start..<index))
                        return
                    }
                case 0x0A:
                    line += 1
                case 0x80...:
                    position = try skipUTF8(at: position, label: label)
                    continue
                default:
                    break
                }
                position += 1
            }
            if limit < bytes.count {
                throw RiposteError(
                    .tooLarge, "\(label) is larger than the maximum record size of \(limits.maxRecordBytes) bytes")
            }
            throw invalid("\(label): unexpected end of JSON at byte \(bytes.count); the record is truncated")
        }

        /// Scans a string body from just after its opening quote; returns the index after the closing quote.
        mutating func scanString(from start: Int, limit: Int, label: String) throws -> Int {
            var position = start
            while position < limit {
                position = ByteScan.firstStringSpecial(bytes, from: position, to: limit)
                guard position < limit else { break }
                let byte = bytes[position]
                if byte == UInt8(ascii: "\"") { return position + 1 }
                if byte == UInt8(ascii: "\\") {
                    // The escaped character is checked by the parser; a raw control character still is not allowed.
                    guard position + 1 < limit else { break }
                    let escaped = bytes[position + 1]
                    if escaped < 0x20 {
                        throw invalid("\(label): unescaped control character in a string at byte \(position + 1) (line \(line))")
                    }
                    if escaped >= 0x80 {
                        position = try skipUTF8(at: position + 1, label: label)
                    } else {
                        position += 2
                    }
                    continue
                }
                if byte < 0x20 {
                    throw invalid("\(label): unescaped control character in a string at byte \(position) (line \(line))")
                }
                if byte >= 0x80 {
                    position = try skipUTF8(at: position, label: label)
                    continue
                }
                position += 1
            }
            if limit < bytes.count {
                throw RiposteError(
                    .tooLarge, "\(label) is larger than the maximum record size of \(limits.maxRecordBytes) bytes")
            }
            throw invalid("\(label): unexpected end of JSON at byte \(bytes.count) inside a string; the record is truncated")
        }

        /// Validates the UTF-8 sequence at `position`; returns the index after it.
        func skipUTF8(at position: Int, label: String) throws -> Int {
            let length = UTF8Validation.sequenceLength(bytes, at: position)
            guard length > 0 else { throw invalid("\(label): invalid UTF-8 at byte \(position) (line \(line))") }
            return position + length
        }

        mutating func skipWhitespace() {
            while index < bytes.count {
                switch bytes[index] {
                case 0x0A: line += 1
                case 0x20, 0x09, 0x0D: break
                default: return
                }
                index += 1
            }
        }

        func describe(_ position: Int) -> String {
            let byte = bytes[position]
            if byte >= 0x21 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
            if byte >= 0x80, UTF8Validation.sequenceLength(bytes, at: position) == 0 { return "invalid UTF-8" }
            return "byte 0x\(String(byte, radix: 16, uppercase: true))"
        }

        func invalid(_ message: String) -> RiposteError { RiposteError(.invalid, message) }
    }
}
