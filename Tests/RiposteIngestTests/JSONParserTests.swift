// JSONParser (Core; the ingest hot path): RFC 8259 values, escapes, numbers, limits, and agreement with Foundation on the corpus.
import Foundation
import RiposteCore
import RiposteTesting
import Testing

@Suite("JSONParser")
struct JSONParserTests {
    func parse(_ text: String) throws -> JSONValue { try JSONParser.parse(bytes(text)) }

    func syntaxError(_ text: String) -> String? {
        let error = #expect(throws: RiposteError.self, "\(text)") { try JSONParser.parse(bytes(text)) }
        #expect(error?.code == .invalid)
        return error?.message
    }

    @Test("Objects keep key order and duplicates; arrays, literals and nesting parse")
    func structure() throws {
        #expect(
            try parse(#" { "b" : 1 , "a" : [true, false, null, "x", {}], "b": [] } "#)
                == .object([
                    ("b", .number(1)), ("a", .array([.bool(true), .bool(false), .null, .string("x"), .object([])])),
                    ("b", .array([])),
                ]))
        #expect(try parse("[[[]]]") == .array([.array([.array([])])]))
        #expect(try parse("\"top\"") == .string("top"))
        #expect(try parse("\t\r\n 7 \n") == .number(7))
    }

    @Test("All escapes decode, including surrogate pairs")
    func escapes() throws {
        #expect(
            try parse(#""\" \\ \/ \b \f \n \r \t \u00e9 \u20AC \ud83d\ude00 \u0000""#)
                == .string("\" \\ / \u{8} \u{C} \n \r \t é € 😀 \u{0}"))
        #expect(try parse(#""plain é 😀""#) == .string("plain é 😀"))
        #expect(try parse(#""a\u0022b""#) == .string("a\"b"))
    }

    @Test("Bad escapes and lone surrogates are errors with an offset")
    func badEscapes() {
        #expect(syntaxError(#""\x""#) == "invalid JSON: invalid escape '\\x' at byte 1")
        #expect(syntaxError(#""\ud83d""#) == "invalid JSON: unpaired UTF-16 surrogate in \\u escape at byte 1")
        #expect(syntaxError(#""\ud83d\u0041""#) == "invalid JSON: unpaired UTF-16 surrogate in \\u escape at byte 1")
        #expect(syntaxError(#""ab\udc00""#) == "invalid JSON: unpaired UTF-16 surrogate in \\u escape at byte 3")
        #expect(syntaxError(#""\u12g4""#) == "invalid JSON: invalid \\u escape at byte 1")
        #expect(syntaxError(#""\u12""#) == "invalid JSON: unexpected end of JSON inside a string at byte 6")
        #expect(syntaxError("\"a\tb\"") == "invalid JSON: unescaped control character in a string at byte 2")
        #expect(syntaxError("\"abc") == "invalid JSON: unexpected end of JSON inside a string at byte 4")
    }

    @Test("Invalid UTF-8 in strings is an error, escaped or not")
    func invalidUTF8() {
        for sequence: [UInt8] in [[0xFF], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xE2, 0x82]] {
            let plain = #expect(throws: RiposteError.self) { try JSONParser.parse(bytes("\"ab") + sequence + bytes("\"")) }
            #expect(plain?.message == "invalid JSON: invalid UTF-8 at byte 3")
            let escaped = #expect(throws: RiposteError.self) { try JSONParser.parse(bytes("\"\\n") + sequence + bytes("\"")) }
            #expect(escaped?.message == "invalid JSON: invalid UTF-8 at byte 3")
        }
    }

    @Test(
        "Numbers parse to the nearest Double",
        arguments: [
            ("0", 0.0), ("-0", -0.0), ("1.5", 1.5), ("1e3", 1000), ("1E-2", 0.01), ("-12.5e+2", -1250), ("0.1", 0.1),
            ("123456789012345678", 123_456_789_012_345_680), ("9007199254740993", 9_007_199_254_740_992),
            ("1.7976931348623157e308", 1.7976931348623157e308), ("5e-324", Double.leastNonzeroMagnitude),
            ("0.000001234", 0.000001234),
            ("2.2250738585072014e-308", 2.2250738585072014e-308), ("100000000000000000000000", 1e23),
            ("1451924798877.110", 1_451_924_798_877.11), ("0.30000000000000004", 0.30000000000000004),
        ]
    )
    func numbers(_ text: String, _ expected: Double) throws {
        #expect(try parse(text) == .number(expected))
        if case .number(let value) = try parse(text) { #expect(value.sign == expected.sign) }
    }

    @Test("Random doubles survive their shortest text form (seeded)")
    func doubleRoundTrip() throws {
        var rng = SplitMix64(seed: 7)
        for _ in 0..<20_000 {
            let value = Double(bitPattern: rng.next())
            guard value.isFinite else { continue }
            #expect(try parse("\(value)") == .number(value), "\(value)")
            let decimal = Double(Int64.random(in: -999_999_999_999...999_999_999_999, using: &rng)) / 1000
            #expect(try parse("\(decimal)") == .number(decimal), "\(decimal)")
        }
    }

    @Test(
        "Malformed numbers and literals are errors",
        arguments: [
            "01", "1.", ".5", "-", "+1", "1e", "1e+", "NaN", "Infinity", "-Infinity", "0x10", "tru", "nul",
            "True", "1e400", "-1e400",
        ]
    )
    func malformedScalars(_ text: String) {
        #expect(syntaxError(text) != nil)
    }

    @Test("Structural errors name what was expected and where")
    func structuralErrors() {
        #expect(syntaxError("") == "invalid JSON: unexpected end of JSON at byte 0")
        #expect(syntaxError("[1,]") == "invalid JSON: unexpected ']', expected a value at byte 3")
        #expect(syntaxError("{\"a\":1,}") == "invalid JSON: unexpected '}', expected a string key at byte 7")
        #expect(syntaxError("{\"a\" 1}") == "invalid JSON: unexpected '1', expected ':' at byte 5")
        #expect(syntaxError("{1:2}") == "invalid JSON: unexpected '1', expected a string key at byte 1")
        #expect(syntaxError("[1 2]") == "invalid JSON: unexpected '2', expected ',' or ']' at byte 3")
        #expect(syntaxError("{} x") == "invalid JSON: unexpected 'x', expected the end of the document at byte 3")
        #expect(syntaxError("{\"a\":[1,2") == "invalid JSON: unexpected end of JSON at byte 9")
        #expect(syntaxError("1e400") == "invalid JSON: number out of range at byte 0")
        #expect(syntaxError("[\u{1}]") == "invalid JSON: unexpected byte 0x1, expected a value at byte 1")
    }

    @Test("Nesting deeper than the limit is an error")
    func depth() throws {
        let ok = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(throws: Never.self) { try parse(ok) }
        let deep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(syntaxError(deep) == "invalid JSON: nesting deeper than 64 levels at byte 64")
        let hostile = String(repeating: "{\"a\":", count: 100_000)
        #expect(syntaxError(hostile)?.contains("nesting deeper than 64 levels") == true)
        #expect(throws: RiposteError.self) { try JSONParser.parse(bytes("[[1]]"), maxDepth: 1) }
    }

    @Test("Every corpus EVE record decodes to what Foundation's JSONSerialization sees")
    func agreesWithFoundation() throws {
        var checked = 0
        for path in try Corpus.files(in: "pcaps/expected-alerts", suffix: ".eve-alerts.jsonl") {
            let data = try Corpus.contents(path)
            for line in data.split(separator: 0x0A) where !line.isEmpty {
                let ours = try JSONParser.parse(Array(line))
                let theirs = jsonValue(fromFoundation: try JSONSerialization.jsonObject(with: Data(line)))
                #expect(sortedKeys(ours) == theirs, "\(path)")
                checked += 1
            }
        }
        #expect(checked > 500)
    }
}
