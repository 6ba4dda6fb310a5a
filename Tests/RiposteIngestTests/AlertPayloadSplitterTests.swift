// AlertPayloadSplitter: object, array and NDJSON bodies split into exact records; every malformed body names its place.
import RiposteCore
import RiposteIngest
import RiposteTesting
import Testing

@Suite("AlertPayloadSplitter")
struct AlertPayloadSplitterTests {
    let splitter = AlertPayloadSplitter()

    func texts(_ body: String, limits: IngestLimits = .default) throws -> [String] {
        let data = bytes(body)
        return try AlertPayloadSplitter(limits: limits).split(data).map { String(decoding: data[$0.range], as: UTF8.self) }
    }

    func error(_ body: [UInt8], limits: IngestLimits = .default) -> RiposteError? {
        #expect(throws: RiposteError.self) { try AlertPayloadSplitter(limits: limits).split(body) }
    }

    func error(_ body: String, limits: IngestLimits = .default) -> RiposteError? { error(bytes(body), limits: limits) }

    @Test("One object is one record, without surrounding whitespace or byte-order mark")
    func singleObject() throws {
        #expect(try texts("{\"a\":1}") == ["{\"a\":1}"])
        let body = [0xEF, 0xBB, 0xBF] + bytes(" \r\n {\"a\": {\"b\": [1, 2]}}\n\n")
        let (layout, records) = try splitter.splitWithLayout(body)
        #expect(layout == .objects)
        #expect(records == [AlertPayloadRecord(number: 1, line: 2, range: 7..<27)])
    }

    @Test("An array gives the exact bytes of each element, with line numbers")
    func array() throws {
        let body = "[\n  {\"a\":1} ,\n  {\"b\":[1,{\"c\":\"]\"}]},{}\n]\n"
        let (layout, records) = try splitter.splitWithLayout(bytes(body))
        #expect(layout == .array)
        #expect(
            records.map { String(decoding: bytes(body)[$0.range], as: UTF8.self) } == [
                "{\"a\":1}", "{\"b\":[1,{\"c\":\"]\"}]}", "{}",
            ])
        #expect(records.map(\.line) == [2, 3, 3])
        #expect(records.map(\.number) == [1, 2, 3])
        #expect(try texts("[]").isEmpty)
        #expect(try texts(" [ \n ] ").isEmpty)
    }

    @Test("NDJSON splits per line; CRLF, blank lines and whitespace-only lines are fine")
    func ndjson() throws {
        #expect(try texts("{\"a\":1}\n{\"b\":2}\n") == ["{\"a\":1}", "{\"b\":2}"])
        #expect(try texts("{\"a\":1}\r\n{\"b\":2}\r\n") == ["{\"a\":1}", "{\"b\":2}"])
        let body = "\n\n  \t\n{\"a\":1}  \r\n\r\n   \n{\"b\":2}"
        let records = try splitter.split(bytes(body))
        #expect(records.map(\.line) == [4, 7])
        #expect(records.map(\.number) == [1, 2])
        #expect(try texts(body) == ["{\"a\":1}", "{\"b\":2}"])
    }

    @Test("Braces, brackets, quotes and newlines inside strings do not split records")
    func strings() throws {
        let tricky = #"{"m":"}{][\"\\n\\","n":"\\\"}","u":"\u007d"}"#
        #expect(try texts(tricky + "\n" + tricky) == [tricky, tricky])
        #expect(try texts("[" + tricky + "," + tricky + "]") == [tricky, tricky])
    }

    @Test("Pretty-printed objects one after another split like NDJSON")
    func prettyPrinted() throws {
        #expect(try texts("{\n  \"a\": 1\n}\n{\n  \"b\": 2\n}\n") == ["{\n  \"a\": 1\n}", "{\n  \"b\": 2\n}"])
        #expect(try splitter.split(bytes("{\n  \"a\": 1\n}\n{\n  \"b\": 2\n}\n")).map(\.line) == [1, 4])
    }

    @Test("Truncated input names the record, line and byte")
    func truncated() {
        #expect(error("{\"a\":1")?.message == "record 1 (line 1): unexpected end of JSON at byte 6; the record is truncated")
        #expect(
            error("{}\n{}\n{\"a\":\"x")?.message
                == "record 3 (line 3): unexpected end of JSON at byte 13 inside a string; the record is truncated")
        #expect(error("[{},{}")?.message == "line 1: unexpected end of JSON at byte 6; the array is not closed")
        #expect(error("[{},")?.message == "record 2 (line 1): unexpected end of JSON at byte 4; the array is not closed")
        #expect(error("{\"a\":\"\\")?.code == .invalid)
    }

    @Test("Malformed layouts are invalid with a clear message")
    func malformed() {
        let cases: [(String, String)] = [
            ("", "request body is empty; expected a JSON object, an array of objects or NDJSON"),
            (" \n\t ", "request body is empty; expected a JSON object, an array of objects or NDJSON"),
            ("\"x\"", "line 1: expected a JSON object, an array of objects or NDJSON at byte 0, found '\"'"),
            ("\n42", "line 2: expected a JSON object, an array of objects or NDJSON at byte 1, found '4'"),
            ("{} {}", "line 1: expected a line break after record 1 at byte 3, found '{'"),
            ("{}\nx", "record 2 (line 2): expected a JSON object at byte 3, found 'x'"),
            ("[1]", "record 1 (line 1): expected a JSON object at byte 1, found '1'"),
            ("[{},]", "record 2 (line 1): expected a JSON object at byte 4, found ']'"),
            ("[{} {}]", "line 1: expected ',' or ']' after record 1 at byte 4, found '{'"),
            ("[{}] {}", "line 1: unexpected data after the array at byte 5, found '{'"),
            ("{\"a\":[}", "record 1 (line 1): unexpected '}' at byte 6 (line 1)"),
            ("{\"a\":\"x\ny\"}", "record 1 (line 1): unescaped control character in a string at byte 7 (line 1)"),
            ("{\"a\":\"\\\n\"}", "record 1 (line 1): unescaped control character in a string at byte 7 (line 1)"),
        ]
        for (body, message) in cases {
            let thrown = error(body)
            #expect(thrown?.code == .invalid, "\(body)")
            #expect(thrown?.message == message, "\(body)")
        }
    }

    @Test(
        "Invalid UTF-8 is rejected with its byte offset",
        arguments: [
            [0xFF], [0xC0, 0xAF], [0xE0, 0x80, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xF8, 0x88, 0x80, 0x80],
            [0xE2, 0x82], [0x80],
        ] as [[UInt8]]
    )
    func invalidUTF8(_ sequence: [UInt8]) {
        let inString = bytes("{\"a\":\"") + sequence + bytes("\"}")
        #expect(error(inString)?.message == "record 1 (line 1): invalid UTF-8 at byte 6 (line 1)")
        let outside = bytes("{\"a\":1,") + sequence + bytes("}")
        #expect(error(outside)?.message == "record 1 (line 1): invalid UTF-8 at byte 7 (line 1)")
        #expect(error(sequence)?.message.hasSuffix("found invalid UTF-8") == true)
    }

    @Test("Valid multi-byte UTF-8 passes, including 4-byte sequences and the largest code point")
    func validUTF8() throws {
        #expect(try texts("{\"a\":\"é€😀\u{10FFFF}\"}").count == 1)
    }

    @Test("Nesting is limited")
    func depth() throws {
        let limits = IngestLimits(maxDepth: 3)
        #expect(try texts("{\"a\":{\"b\":[1]}}", limits: limits).count == 1)
        #expect(
            error("{\"a\":{\"b\":[[1]]}}", limits: limits)?.message
                == "record 1 (line 1): nesting deeper than 3 levels at byte 11")
    }

    @Test("Too many records or too large a record is 'too large', never a silent truncation")
    func limits() throws {
        let two = IngestLimits(maxRecords: 2)
        #expect(try texts("{}\n{}", limits: two).count == 2)
        for body in ["{}\n{}\n{}", "[{},{},{}]"] {
            let thrown = error(body, limits: two)
            #expect(thrown?.code == .tooLarge)
            #expect(thrown?.message == "the body has more than 2 records")
        }
        let small = IngestLimits(maxRecordBytes: 16)
        #expect(try texts("{\"a\":\"12345678\"}", limits: small).count == 1)  // exactly 16 bytes
        for body in ["{\"a\":\"1234567890\"}", "{\"a\":1}\n{\"b\":\"12345678901234567890\"}", "[{\"a\":[1,2,3,4,5,6,7,8]}]"] {
            let thrown = error(body, limits: small)
            #expect(thrown?.code == .tooLarge, "\(body)")
            #expect(thrown?.message.hasSuffix("is larger than the maximum record size of 16 bytes") == true, "\(body)")
        }
    }

    @Test("Random NDJSON splits into exactly its lines, and each record parses like its line (seeded)")
    func randomNDJSON() throws {
        for seed in UInt64(1)...40 {
            var rng = SplitMix64(seed: seed)
            let objects = (0..<Int.random(in: 1...30, using: &rng)).map { _ in randomObject(&rng) }
            let lines = objects.map { writeJSON($0, escapeAll: Bool.random(using: &rng)) }
            var body = ""
            for line in lines {
                body += String(repeating: "\n", count: Int.random(in: 0...2, using: &rng))
                body += [" ", "\t", ""].randomElement(using: &rng)! + line + [" ", "", "\t"].randomElement(using: &rng)!
                body += Bool.random(using: &rng) ? "\r\n" : "\n"
            }
            let data = bytes(body)
            let records = try splitter.split(data)
            #expect(records.map { String(decoding: data[$0.range], as: UTF8.self) } == lines, "seed \(seed)")
            for (record, line) in zip(records, lines) {
                #expect(try JSONParser.parse(Array(data[record.range])) == JSONParser.parse(bytes(line)), "seed \(seed)")
            }
            #expect(try records.map { try JSONParser.parse(Array(data[$0.range])) } == objects, "seed \(seed)")

            let array = "[" + lines.joined(separator: Bool.random(using: &rng) ? ",\n" : " , ") + "]"
            #expect(try texts(array) == lines, "seed \(seed)")
        }
    }
}
