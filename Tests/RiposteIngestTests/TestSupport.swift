// Test helpers for ingest: byte literals, a JSON writer, the expected SIDs per pcap and golden draft files.
import Foundation
import RiposteCore
import RiposteIngest
import RiposteTesting
import Testing

func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

/// Writes a JSON value as compact text, escaping what JSON requires (and a few extras, randomly).
func writeJSON(_ value: JSONValue, escapeAll: Bool = false) -> String {
    switch value {
    case .null: return "null"
    case .bool(let flag): return flag ? "true" : "false"
    case .number(let number): return number.rounded() == number && abs(number) < 1e15 ? String(Int64(number)) : "\(number)"
    case .string(let text): return quoteJSON(text, escapeAll: escapeAll)
    case .array(let elements): return "[" + elements.map { writeJSON($0, escapeAll: escapeAll) }.joined(separator: ",") + "]"
    case .object(let members):
        return "{"
            + members.map { quoteJSON($0.0, escapeAll: escapeAll) + ":" + writeJSON($0.1, escapeAll: escapeAll) }
            .joined(separator: ",") + "}"
    }
}

func quoteJSON(_ text: String, escapeAll: Bool = false) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where scalar.value < 0x20 || (escapeAll && scalar.value > 0x7E):
            for unit in String(scalar).utf16 {
                let hex = String(unit, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            }
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}

/// A random JSON object with strings full of JSON's special characters.
func randomObject(_ rng: inout SplitMix64, depth: Int = 0) -> JSONValue {
    let count = Int.random(in: 0...5, using: &rng)
    return .object((0..<count).map { index in ("k\(index)" + randomString(&rng), randomValue(&rng, depth: depth + 1)) })
}

func randomValue(_ rng: inout SplitMix64, depth: Int) -> JSONValue {
    switch Int.random(in: 0..<(depth > 4 ? 5 : 7), using: &rng) {
    case 0: return .null
    case 1: return .bool(Bool.random(using: &rng))
    case 2: return .number(Double(Int.random(in: -1_000_000...1_000_000, using: &rng)))
    case 3: return .number(Double.random(in: -1e6...1e6, using: &rng))
    case 4: return .string(randomString(&rng))
    case 5: return .array((0..<Int.random(in: 0...4, using: &rng)).map { _ in randomValue(&rng, depth: depth + 1) })
    default: return randomObject(&rng, depth: depth)
    }
}

func randomString(_ rng: inout SplitMix64) -> String {
    let pieces = ["a", "{", "}", "[", "]", "\"", "\\", "\n", "\r\n", ",", ":", " ", "é", "😀", "\u{1}", "\u{2028}", "x y"]
    return (0..<Int.random(in: 0...8, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined()
}

/// The SIDs `pcaps/expected-alerts/SUMMARY.tsv` lists for an `*.eve-alerts.jsonl` file.
///
/// SUMMARY.tsv: a header line, then `pcap<TAB>alert_count<TAB>signature_ids<TAB>top_signatures`,
/// with SIDs separated by spaces; the alert file is the pcap name without its extension plus `.eve-alerts.jsonl`.
func expectedSIDs(forAlertFile path: String) throws -> Set<Int> {
    let summary = String(decoding: try Corpus.contents("pcaps/expected-alerts/SUMMARY.tsv"), as: UTF8.self)
    let name = String(path.split(separator: "/").last!.dropLast(".eve-alerts.jsonl".count))
    for line in summary.split(separator: "\n").dropFirst() {
        let columns = line.split(separator: "\t", omittingEmptySubsequences: false)
        guard columns.count >= 3, let dot = columns[0].lastIndex(of: ".") else { continue }
        if columns[0][..<dot] == name { return Set(columns[2].split(separator: " ").compactMap { Int($0) }) }
    }
    throw SummaryError(description: "\(name) is not listed in SUMMARY.tsv")
}

struct SummaryError: Error, CustomStringConvertible {
    var description: String
}

/// Converts Foundation's JSONSerialization output to JSONValue, for differential tests.
func jsonValue(fromFoundation object: Any) -> JSONValue {
    switch object {
    case let dictionary as [String: Any]:
        return .object(dictionary.sorted { $0.key < $1.key }.map { ($0.key, jsonValue(fromFoundation: $0.value)) })
    case let array as [Any]: return .array(array.map(jsonValue(fromFoundation:)))
    case let string as String: return .string(string)
    case let number as NSNumber:
        if ["c", "B"].contains(String(cString: number.objCType)) { return .bool(number.boolValue) }
        return .number(number.doubleValue)
    default: return .null
    }
}

/// The same value with object members sorted by key, to compare with unordered dictionaries.
func sortedKeys(_ value: JSONValue) -> JSONValue {
    switch value {
    case .object(let members): return .object(members.map { ($0.0, sortedKeys($0.1)) }.sorted { $0.0 < $1.0 })
    case .array(let elements): return .array(elements.map(sortedKeys))
    default: return value
    }
}

/// A golden file of drafts under `Tests/Golden/`: sections of rendered drafts, compared line by line.
/// `RIPOSTE_RECORD_GOLDEN=1` writes the file again instead (then review its diff).
struct GoldenDrafts {
    let path: String
    private(set) var sections: [String] = []

    init(file: String) {
        path =
            URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Golden/\(file)").path
    }

    /// Parses `body` with `parser` and adds its drafts, each on one line, as the section `name`.
    mutating func record(_ name: String, _ parser: some AlertParser, _ body: [UInt8]) throws {
        let drafts = try parser.parse(body: body, limits: IngestLimits(maxRecords: .max, maxRecordBytes: 1 << 20))
        sections.append("## \(name) (\(drafts.count) drafts)\n" + drafts.map(LineFormatGoldenTests.render).joined())
    }

    /// Expects the sections to be the file's text exactly, naming the first ten lines that differ.
    func expectMatchesFile() throws {
        let actual = sections.joined(separator: "\n")
        if ProcessInfo.processInfo.environment["RIPOSTE_RECORD_GOLDEN"] == "1" {
            try actual.write(toFile: path, atomically: true, encoding: .utf8)
        }
        let expected = try String(contentsOfFile: path, encoding: .utf8)
        let actualLines = actual.split(separator: "\n", omittingEmptySubsequences: false)
        let expectedLines = expected.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(actualLines.count == expectedLines.count)
        var differences = 0
        for (index, (got, want)) in zip(actualLines, expectedLines).enumerated() where got != want {
            differences += 1
            if differences <= 10 { Issue.record("line \(index + 1):\n  got  \(got)\n  want \(want)") }
        }
        #expect(differences == 0)
    }
}
