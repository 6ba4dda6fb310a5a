// Shared plumbing of the line formats (CEF, LEEF, syslog): records split by line, byte-level errors, key=value fields.
import Glibc
package import RiposteCore

/// One `key=value` pair of a CEF extension, a LEEF attribute list or a syslog structured-data element, in order.
package struct EventField: Hashable, Sendable {
    package var key: String
    package var value: String

    package init(_ key: String, _ value: String) {
        self.key = key
        self.value = value
    }
}

/// Where one `key=value` pair lies in its line: byte ranges, so a parser makes strings only of the fields it reads.
struct FieldSpan {
    var key: Range<Int>
    var value: Range<Int>
}

/// A read-only map from field names to values, looked up by the name's bytes in the line without making a String:
/// FNV-1a hash and open addressing over a table at most half full.
struct FieldNameMap<Value: Sendable>: Sendable {
    private let names: [[UInt8]]
    private let values: [Value]
    /// Index into `names`/`values` plus one per slot; 0 marks an empty slot.
    private let slots: [Int32]

    init(_ entries: [String: Value]) {
        var capacity = 8
        while capacity < entries.count * 2 { capacity *= 2 }
        var names: [[UInt8]] = []
        var values: [Value] = []
        var slots = [Int32](repeating: 0, count: capacity)
        for (name, value) in entries {
            let bytes = Array(name.utf8)
            var slot = bytes.withUnsafeBufferPointer { Self.hash($0, 0..<$0.count) } & (capacity - 1)
            while slots[slot] != 0 { slot = (slot + 1) & (capacity - 1) }
            names.append(bytes)
            values.append(value)
            slots[slot] = Int32(names.count)
        }
        self.names = names
        self.values = values
        self.slots = slots
    }

    /// The value for the name `bytes[range]`, or nil.
    func value(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Value? {
        let mask = slots.count - 1
        var slot = Self.hash(bytes, range) & mask
        while true {
            let entry = Int(slots[slot])
            guard entry != 0 else { return nil }
            let name = names[entry - 1]
            if name.count == range.count,
                name.withUnsafeBufferPointer({ memoryEqual($0, 0, bytes, range.lowerBound, count: range.count) })
            {
                return values[entry - 1]
            }
            slot = (slot + 1) & mask
        }
    }

    @inline(__always)
    private static func hash(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Int {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for index in range { hash = (hash ^ UInt64(bytes[index])) &* 0x100_0000_01b3 }
        return Int(truncatingIfNeeded: hash ^ (hash >> 29))
    }
}

/// True when `count` bytes of `a` from `aStart` equal those of `b` from `bStart`.
@inline(__always)
func memoryEqual(
    _ a: UnsafeBufferPointer<UInt8>, _ aStart: Int, _ b: UnsafeBufferPointer<UInt8>, _ bStart: Int, count: Int
) -> Bool {
    for offset in 0..<count where a[aStart + offset] != b[bStart + offset] { return false }
    return true
}

/// A syntax error inside one line: what is wrong and at which byte of the line (0-based).
///
/// Line parsers throw this typed error so the body-level parser can add the record, line and
/// absolute byte offset without string work on the good path.
package struct LineSyntaxError: Error, Hashable, Sendable {
    package var reason: String
    /// Byte offset of the problem within the line, 0-based.
    package var column: Int

    package init(_ reason: String, at column: Int) {
        self.reason = reason
        self.column = column
    }
}

/// One non-blank line of a line-format body.
package struct LineRecord: Sendable, Hashable {
    /// 1-based among the non-blank lines; errors say `record 3`.
    package var number: Int
    /// 1-based line of the body.
    package var line: Int
    /// The line's bytes within the body, without its LF or CRLF.
    package var range: Range<Int>

    /// `record 3 (line 7)`, the prefix of every error about this record.
    package var label: String { "record \(number) (line \(line))" }

    /// The `.invalid` error for `error` inside this record, naming column and absolute byte offset.
    package func error(_ error: LineSyntaxError) -> RiposteError {
        RiposteError(
            .invalid, "\(label): \(error.reason) at column \(error.column + 1) (byte \(range.lowerBound + error.column))",
            underlying: error)
    }
}

/// Splits a body into lines: LF or CRLF ends a line, blank lines are skipped, a leading UTF-8 BOM is ignored.
package enum LineRecords {
    /// At least the number of records ``forEach(in:limits:_:)`` hands out for `body`: its LFs plus one, at most
    /// `limits.maxRecords`. Parsers reserve this many drafts: growing the array by doubling copied every draft into
    /// fresh pages, a third of a large body's time.
    package static func capacity(for body: UnsafeBufferPointer<UInt8>, limits: IngestLimits) -> Int {
        var lineFeeds = 0
        var from = 0
        while let found = lineFeed(in: body, from: from, to: body.count) {
            lineFeeds += 1
            from = found + 1
        }
        return min(lineFeeds + 1, limits.maxRecords)
    }

    /// The index of the first LF in `body[from..<to]`, or nil: memchr, as a byte loop took a tenth of a LEEF body.
    static func lineFeed(in body: UnsafeBufferPointer<UInt8>, from: Int, to: Int) -> Int? {
        guard from < to, let base = body.baseAddress, let found = memchr(base + from, 0x0A, to - from) else { return nil }
        return base.distance(to: found.assumingMemoryBound(to: UInt8.self))
    }

    /// Calls `handle` with each non-blank line of `body`, in order, after checking the limits and UTF-8.
    /// - Throws: `.tooLarge` beyond `limits.maxRecords` lines or a line over `limits.maxRecordBytes`;
    ///   `.invalid` for a line that is not UTF-8 (naming the line and byte); or what `handle` throws.
    package static func forEach(
        in body: UnsafeBufferPointer<UInt8>, limits: IngestLimits,
        _ handle: (LineRecord, UnsafeBufferPointer<UInt8>) throws -> Void
    ) throws {
        var start = 0
        if body.count >= 3, body[0] == 0xEF, body[1] == 0xBB, body[2] == 0xBF { start = 3 }
        var lineNumber = 0
        var number = 0
        while start < body.count {
            lineNumber += 1
            // Scan no further than the longest allowed line (plus its CRLF), so a huge line costs no more.
            let limit = min(body.count, start + limits.maxRecordBytes + 2)
            var end = lineFeed(in: body, from: start, to: limit) ?? limit
            let endedEarly = end == limit && limit < body.count
            let next = end + 1
            if end > start, body[end - 1] == 0x0D { end -= 1 }
            let isBlank = body[start..<end].allSatisfy { $0 == 0x20 || $0 == 0x09 }
            if !isBlank || endedEarly {
                number += 1
                let record = LineRecord(number: number, line: lineNumber, range: start..<end)
                guard !endedEarly, end - start <= limits.maxRecordBytes else {
                    throw RiposteError(.tooLarge, "\(record.label): longer than \(limits.maxRecordBytes) bytes")
                }
                guard number <= limits.maxRecords else {
                    throw RiposteError(.tooLarge, "the body has more than \(limits.maxRecords) records")
                }
                let line = UnsafeBufferPointer(rebasing: body[start..<end])
                if let bad = UTF8Check.firstInvalidByte(in: line) {
                    throw record.error(LineSyntaxError("invalid UTF-8", at: bad))
                }
                try handle(record, line)
            }
            start = next
        }
    }
}

/// UTF-8 validation that reports where it fails.
package enum UTF8Check {
    /// The offset of the first byte that does not start or continue a valid UTF-8 sequence
    /// (overlongs, surrogates and values above U+10FFFF are invalid), or nil when `bytes` is valid.
    package static func firstInvalidByte(in bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        var index = 0
        let count = bytes.count
        while index < count {
            // Eight ASCII bytes at a time: most lines are pure ASCII.
            while index + 8 <= count {
                let word = UnsafeRawPointer(bytes.baseAddress! + index).loadUnaligned(as: UInt64.self)
                if word & 0x8080_8080_8080_8080 != 0 { break }
                index += 8
            }
            guard index < count else { return nil }
            let lead = bytes[index]
            if lead < 0x80 {
                index += 1
                continue
            }
            let length: Int
            var lower: UInt8 = 0x80
            var upper: UInt8 = 0xBF
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0:
                length = 3
                lower = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED:
                length = 3
                upper = 0x9F
            case 0xF0:
                length = 4
                lower = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4:
                length = 4
                upper = 0x8F
            default: return index
            }
            guard index + length <= count else { return index }
            let second = bytes[index + 1]
            guard second >= lower, second <= upper else { return index }
            for offset in 2..<length where bytes[index + offset] & 0xC0 != 0x80 { return index }
            index += length
        }
        return nil
    }
}

/// Byte-level helpers for the line parsers.
enum Bytes {
    static let space: UInt8 = 0x20
    static let tab: UInt8 = 0x09
    static let pipe = UInt8(ascii: "|")
    static let backslash = UInt8(ascii: "\\")
    static let equals = UInt8(ascii: "=")

    /// The text of `bytes[range]`; the caller has validated UTF-8.
    @inline(__always)
    static func string(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }

    /// The text of `bytes[first]`, `separator`, `bytes[second]`, `separator2`, `bytes[third]`, made as one string:
    /// interpolating three field strings allocated each of them and then the result. The caller has validated UTF-8.
    static func string(
        _ bytes: UnsafeBufferPointer<UInt8>, _ first: Range<Int>, _ separator: StaticString, _ second: Range<Int>,
        _ separator2: StaticString, _ third: Range<Int>
    ) -> String {
        let count = first.count + separator.utf8CodeUnitCount + second.count + separator2.utf8CodeUnitCount + third.count
        return String(unsafeUninitializedCapacity: count) { output in
            var end = 0
            func append(_ source: UnsafeBufferPointer<UInt8>) {
                // `count` is the sum of the parts' lengths, so each part fits after the previous ones.
                _ = UnsafeMutableBufferPointer(rebasing: output[end..<(end + source.count)]).initialize(from: source)
                end += source.count
            }
            append(UnsafeBufferPointer(rebasing: bytes[first]))
            append(UnsafeBufferPointer(start: separator.utf8Start, count: separator.utf8CodeUnitCount))
            append(UnsafeBufferPointer(rebasing: bytes[second]))
            append(UnsafeBufferPointer(start: separator2.utf8Start, count: separator2.utf8CodeUnitCount))
            append(UnsafeBufferPointer(rebasing: bytes[third]))
            return end
        }
    }

    /// The first index of `needle` in `bytes[from..<to]`, or nil.
    static func find(_ needle: StaticString, in bytes: UnsafeBufferPointer<UInt8>, from: Int, to: Int) -> Int? {
        let count = needle.utf8CodeUnitCount
        guard count > 0, to - from >= count else { return nil }
        let pattern = UnsafeBufferPointer(start: needle.utf8Start, count: count)
        let first = pattern[0]
        var index = from
        while index <= to - count {
            if bytes[index] == first {
                var matched = true
                for offset in 1..<count where bytes[index + offset] != pattern[offset] {
                    matched = false
                    break
                }
                if matched { return index }
            }
            index += 1
        }
        return nil
    }

    /// A short, printable rendering of `bytes[range]` for error messages (at most 40 bytes).
    static func quoted(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> String {
        let end = min(range.upperBound, range.lowerBound + 40)
        var text = String(decoding: UnsafeBufferPointer(rebasing: bytes[range.lowerBound..<end]), as: UTF8.self)
        text = String(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? "?" : Character($0) })
        return "'" + text + (end < range.upperBound ? "…'" : "'")
    }

    /// A non-negative decimal integer of at most 18 digits, or nil.
    static func integer(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Int? {
        guard !range.isEmpty, range.count <= 18 else { return nil }
        var value = 0
        for index in range {
            let digit = bytes[index] &- 0x30
            guard digit < 10 else { return nil }
            value = value * 10 + Int(digit)
        }
        return value
    }
}
