// What the SIEM source parsers share: records that hold several alerts, compact JSON for their raw
// payloads, epoch times, and lenient text reads of fields that SIEMs send as strings or numbers.
import FoundationEssentials
package import RiposteCore

/// A JSON source whose records may each hold several alerts (a list response, a webhook carrying
/// an array), so one record maps to zero or more drafts.
///
/// Bodies are split as for ``JSONAlertParser`` (one object, an array or NDJSON); errors are
/// prefixed with the record (`record 2 (line 5): value[3]: missing 'properties.title'`).
package protocol JSONMultiAlertParser: AlertParser {
    /// Maps one record: `record` is its exact bytes, `value` the decoded JSON.
    /// - Throws: `.invalid` with a message that does not name the record.
    func parse(record: [UInt8], value: JSONValue) throws -> [AlertDraft]
}

extension JSONMultiAlertParser {
    package func parse(body: [UInt8], limits: IngestLimits = .default) throws -> [AlertDraft] {
        var drafts: [AlertDraft] = []
        // At least one draft per record, so the drafts (a few hundred bytes each) are not copied as the array grows.
        try AlertIngest.forEachRecord(in: body, limits: limits, expecting: { drafts.reserveCapacity($0) }) {
            record, bytes, value in
            do {
                drafts += try parse(record: bytes, value: value)
            } catch let error as RiposteError {
                throw RiposteError(error.code, "\(record.label): \(error.message)", underlying: error)
            }
            guard drafts.count <= limits.maxRecords else {
                throw RiposteError(.tooLarge, "\(record.label): the body holds more than \(limits.maxRecords) alerts")
            }
        }
        return drafts
    }
}

/// Compact JSON text of a decoded value, for the raw payload of an alert that was one item of a
/// larger record (its exact bytes are not kept apart by the decoder). Member order is kept.
enum JSONText {
    static func bytes(_ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        write(value, to: &out)
        return out
    }

    static func write(_ value: JSONValue, to out: inout [UInt8]) {
        switch value {
        case .null: out += "null".utf8
        case .bool(let flag): out += (flag ? "true" : "false").utf8
        case .number: out += (value.scalarText ?? "0").utf8
        case .string(let text): writeString(text, to: &out)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                write(element, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            for (index, (key, member)) in members.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                writeString(key, to: &out)
                out.append(UInt8(ascii: ":"))
                write(member, to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    static func writeString(_ text: String, to out: inout [UInt8]) {
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out += "\\\"".utf8
            case UInt8(ascii: "\\"): out += "\\\\".utf8
            case 0x0A: out += "\\n".utf8
            case 0x0D: out += "\\r".utf8
            case 0x09: out += "\\t".utf8
            case 0..<0x20: out += "\\u00".utf8 + [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}

extension JSONValue {
    /// A non-empty string, or an integral or decimal number as text (SIEMs send ids and levels either way).
    var text: String? {
        switch self {
        case .string(let text): return text.isEmpty ? nil : text
        case .number: return scalarText
        default: return nil
        }
    }

    /// The first non-empty string of a string or an array of strings (Splunk multi-value fields).
    var firstText: String? {
        if case .array(let elements) = self { return elements.lazy.compactMap(\.text).first }
        return text
    }

    /// A number, or a string holding a decimal number (`"1717578924.332"`).
    var decimalValue: Double? {
        switch self {
        case .number(let value): return value
        case .string(let text):
            guard !text.isEmpty, text.utf8.count <= 32,
                text.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") })
            else { return nil }
            return Double(text)
        default: return nil
        }
    }
}

extension EventTime {
    /// The latest time accepted from an epoch number: 9999-12-31T23:59:59.999Z.
    static let maxUnixMilliseconds: Int64 = 253_402_300_799_999

    /// A date from Unix seconds (fraction allowed), truncated to milliseconds; nil when negative,
    /// not finite or after year 9999.
    static func date(unixSeconds: Double) -> Date? {
        date(unixMillisecondsValue: unixSeconds * 1000)
    }

    /// A date from Unix milliseconds (fraction dropped); nil when negative, not finite or after year 9999.
    static func date(unixMillisecondsValue milliseconds: Double) -> Date? {
        guard milliseconds.isFinite, milliseconds >= 0, milliseconds <= Double(maxUnixMilliseconds) else { return nil }
        return date(unixMilliseconds: Int64(milliseconds.rounded(.down)))
    }

    /// A time given as RFC 3339 text or as Unix seconds (number or numeric string), as Splunk's
    /// `_time` and Zeek's `ts` come either way.
    static func parseTextOrEpochSeconds(_ value: JSONValue) -> Date? {
        if let text = value.stringValue, let date = parse(text) { return date }
        return value.decimalValue.flatMap(date(unixSeconds:))
    }
}

extension Severity {
    /// A 0-10 scale (QRadar magnitude, CEF severity) in bands: 0 informational, 1-3 low, 4-6 medium,
    /// 7-8 high, 9-10 critical; nil outside 0-10.
    init?(tenPointScale value: Int) {
        switch value {
        case 0: self = .informational
        case 1...3: self = .low
        case 4...6: self = .medium
        case 7...8: self = .high
        case 9...10: self = .critical
        default: return nil
        }
    }
}

/// A source ref derived from chosen fields when a source has no id of its own: `sha256:` of the
/// fields' texts joined by U+001F, so the same alert re-serialised differently is still a duplicate.
func derivedSourceRef(_ parts: [String]) -> String {
    let byteCount = parts.reduce(max(parts.count - 1, 0)) { $0 + $1.utf8.count }
    let bytes = [UInt8](unsafeUninitializedCapacity: byteCount) { buffer, count in
        for (index, var part) in parts.enumerated() {
            if index > 0 {
                buffer[count] = 0x1F
                count += 1
            }
            count = part.withUTF8 { buffer[count...].initialize(fromContentsOf: $0) }  // a copy, not a UTF-8 view walk
        }
    }
    return sha256SourceRef(bytes)
}

/// The time a required or optional RFC 3339 field holds, or an `.invalid` error naming it.
func rfc3339Time(_ value: JSONValue?, field: String) throws -> Date? {
    guard let value, value != .null else { return nil }
    guard let text = value.stringValue, let date = EventTime.parse(text) else {
        throw RiposteError.invalid("\(field) \(quoted(value)) is not an RFC 3339 time")
    }
    return date
}

extension StringProtocol {
    /// The text without leading and trailing whitespace.
    var trimmed: Substring {
        guard let first = firstIndex(where: { !$0.isWhitespace }), let last = lastIndex(where: { !$0.isWhitespace }) else {
            return Substring("")
        }
        return Substring(self[first...last])
    }
}
