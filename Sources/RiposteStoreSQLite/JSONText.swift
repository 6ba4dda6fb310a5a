// JSONValue to and from JSON text, for timeline details and job payloads (object key order kept);
// parsing is Core's JSONParser, the one the ingest path uses.
package import RiposteCore

/// A compact JSON encoder for `JSONValue` (RFC 8259), and decoding through `JSONParser`.
package enum JSONText {
    /// Compact JSON text. Non-finite numbers, which JSON cannot express, become `null`.
    package static func encode(_ value: JSONValue) -> String {
        var output = ""
        write(value, into: &output)
        return output
    }

    private static func write(_ value: JSONValue, into output: inout String) {
        switch value {
        case .null: output += "null"
        case .bool(let flag): output += flag ? "true" : "false"
        case .number(let number):
            if !number.isFinite {
                output += "null"
            } else if number.rounded() == number, abs(number) < 9.0e15 {
                output += String(Int64(number))
            } else {
                output += "\(number)"
            }
        case .string(let text): writeString(text, into: &output)
        case .array(let items):
            output += "["
            for (index, item) in items.enumerated() {
                if index > 0 { output += "," }
                write(item, into: &output)
            }
            output += "]"
        case .object(let members):
            output += "{"
            for (index, (key, item)) in members.enumerated() {
                if index > 0 { output += "," }
                writeString(key, into: &output)
                output += ":"
                write(item, into: &output)
            }
            output += "}"
        }
    }

    private static let hexDigits = Array("0123456789abcdef".unicodeScalars)

    private static func writeString(_ text: String, into output: inout String) {
        output += "\""
        // Fast path: nothing to escape (no quote, backslash, control character or U+2028/9).
        // Scanned over the contiguous bytes where the string has them: the generic UTF8View walk cost
        // 1 % of a syslog flood's CPU on the dedup lookup's list of source refs alone.
        func needsEscape(_ byte: UInt8) -> Bool { byte < 0x20 || byte == 0x22 || byte == 0x5C || byte == 0xE2 }
        let escaped =
            text.utf8.withContiguousStorageIfAvailable { $0.contains(where: needsEscape) }
            ?? text.utf8.contains(where: needsEscape)
        if !escaped {
            output += text
            output += "\""
            return
        }
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case "\u{08}": output += "\\b"
            case "\u{0C}": output += "\\f"
            case _ where scalar.value < 0x20 || scalar.value == 0x2028 || scalar.value == 0x2029:
                // Control characters must be escaped; U+2028/9 too, so the text is also valid JavaScript.
                output += "\\u"
                for shift in stride(from: 12, through: 0, by: -4) {
                    output.unicodeScalars.append(hexDigits[Int((scalar.value >> UInt32(shift)) & 0xF)])
                }
            default: output.unicodeScalars.append(scalar)
            }
        }
        output += "\""
    }

    /// Parses JSON text with Core's strict parser. - Throws: `.invalid` naming the problem and offset.
    package static func decode(_ text: String) throws -> JSONValue {
        try JSONParser.parse(Array(text.utf8))
    }
}
