// Release benchmark for STIX 2.1 bundle import: indicators per second through STIXBundleImporter (JSON parse,
// object checks, pattern parse, reduction to index entries, lifecycle and TLP) over a generated bundle of
// 200,000 indicators with feed-like patterns (`--count N`). The bundle is written to a file
// (`--bundle PATH`) so `Benchmarks/peers/stix2-import.sh` can time the Python `stix2` library on the same bytes.
//
// Times are the benchmark thread's CPU time, so other work on a shared machine does not count against the
// importer; wall-clock rates and the load average are printed beside them.
import Foundation
import RiposteCore
import RiposteIntel
import RiposteTesting

/// Writes a STIX 2.1 bundle shaped like a threat-intel feed: one identity, then indicators whose patterns are
/// mostly single equalities on addresses, domains, URLs and file hashes, some disjunctions and IN lists, and a
/// few that only the evaluator can match (AND, MATCHES, FOLLOWEDBY … WITHIN, ISSUBSET).
struct BundleGenerator {
    var random = SplitMix64(seed: 0x5354_4958_3231)
    let identity = "identity--8ce3f695-d5a4-4dc8-9e93-a65af453a31a"
    let markings = [
        "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",  // TLP:GREEN
        "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",  // TLP:AMBER
        "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",  // TLP:WHITE
    ]
    let tlds = ["com", "net", "org", "info", "xyz", "top", "ru", "cn", "io", "biz"]
    let families = ["Emotet", "QakBot", "AgentTesla", "Cobalt Strike", "IcedID", "Remcos", "AsyncRAT", "Formbook"]
    let types = ["malicious-activity", "anomalous-activity", "attribution", "compromised"]
    /// Indicators of each kind of pattern written, by kind.
    var kinds: [String: Int] = [:]

    mutating func uuid() -> String {
        let high = random.next()
        let low = random.next()
        let hex =
            String(high & 0xFFFF_FFFF_FFFF_0FFF | 0x4000, radix: 16).leftPadded(16)
            + String(low & 0x3FFF_FFFF_FFFF_FFFF | 0x8000_0000_0000_0000, radix: 16).leftPadded(16)
        let characters = Array(hex)
        return [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(characters[$0]) }.joined(separator: "-")
    }

    mutating func label(_ length: ClosedRange<Int>) -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        return String((0..<Int.random(in: length, using: &random)).map { _ in alphabet.randomElement(using: &random)! })
    }

    mutating func ipv4() -> String {
        let value = random.next()
        return "\(value >> 24 & 0xDF + 1).\(value >> 16 & 0xFF).\(value >> 8 & 0xFF).\(value & 0xFE + 1)"
    }

    mutating func domain() -> String {
        "\(label(5...12)).\(random.next() % 3 == 0 ? label(4...8) + "." : "")\(tlds.randomElement(using: &random)!)"
    }

    mutating func hex(_ digits: Int) -> String {
        let alphabet = Array("0123456789abcdef")
        return String((0..<digits).map { _ in alphabet.randomElement(using: &random)! })
    }

    /// A pattern and its kind; the mix is that of abuse.ch- and MISP-exported STIX feeds, per 100 indicators.
    mutating func pattern(_ position: Int) -> (String, String) {
        switch position % 100 {
        case 0..<30: return ("ipv4", "[ipv4-addr:value = '\(ipv4())']")
        case 30..<34:
            return ("cidr", "[ipv4-addr:value = '\(ipv4().split(separator: ".").prefix(3).joined(separator: ".")).0/24']")
        case 34..<36: return ("ipv6", "[ipv6-addr:value = '2001:db8:\(hex(4)):\(hex(4))::\(hex(3))']")
        case 36..<51: return ("domain", "[domain-name:value = '\(domain())']")
        case 51..<61:
            return ("url", "[url:value = 'https://\(domain())/\(label(4...12))/\(label(3...8)).php?id=\(label(4...8))']")
        case 61..<67: return ("md5", "[file:hashes.MD5 = '\(hex(32))']")
        case 67..<71: return ("sha1", "[file:hashes.'SHA-1' = '\(hex(40))']")
        case 71..<81: return ("sha256", "[file:hashes.'SHA-256' = '\(hex(64))']")
        case 81..<86: return ("hash-or", "[file:hashes.MD5 = '\(hex(32))' OR file:hashes.'SHA-256' = '\(hex(64))']")
        case 86..<90:
            let addresses = (0..<Int.random(in: 3...6, using: &random)).map { _ in "'\(ipv4())'" }
            return ("ipv4-in", "[ipv4-addr:value IN (\(addresses.joined(separator: ", ")))]")
        case 90..<92: return ("email", "[email-message:from_ref.value = '\(label(4...10))@\(domain())']")
        case 92..<94: return ("observation-or", "[domain-name:value = '\(domain())'] OR [ipv4-addr:value = '\(ipv4())']")
        case 94..<96:
            return (
                "and-port",
                "[network-traffic:dst_ref.value = '\(ipv4())' AND network-traffic:dst_port = \(Int.random(in: 1024...65535, using: &random))]"
            )
        case 96:
            return (
                "matches",
                #"[url:value MATCHES '^https?://[a-z0-9.]+\\.\#(tlds.randomElement(using: &random)!)/\#(label(4...8))\\.php$']"#
            )
        case 97:
            return (
                "followedby",
                "[domain-name:value = '\(domain())'] FOLLOWEDBY [ipv4-addr:value = '\(ipv4())'] WITHIN 600 SECONDS"
            )
        case 98:
            return (
                "issubset", "[ipv4-addr:value ISSUBSET '\(ipv4().split(separator: ".").prefix(2).joined(separator: ".")).0.0/16']"
            )
        default:
            return (
                "file-and",
                "[file:name = '\(label(5...10)).exe' AND file:size = \(Int.random(in: 10_000...5_000_000, using: &random))]"
            )
        }
    }

    /// The bundle's bytes.
    mutating func bundle(indicators count: Int) -> [UInt8] {
        var text = #"{"type":"bundle","id":"bundle--\#(uuid())","objects":["#
        text += #"{"type":"identity","spec_version":"2.1","id":"\#(identity)","created":"2023-01-01T00:00:00.000Z","#
        text += #""modified":"2023-01-01T00:00:00.000Z","name":"Riposte benchmark feed","identity_class":"organization"}"#
        text.reserveCapacity(count * 700)
        let start = 1_672_531_200  // 2023-01-01
        for position in 0..<count {
            let (kind, pattern) = pattern(position)
            kinds[kind, default: 0] += 1
            let created = start + Int(random.next() % 31_536_000)
            let family = families.randomElement(using: &random)!
            text += #",{"type":"indicator","spec_version":"2.1","id":"indicator--\#(uuid())","#
            text += #""created_by_ref":"\#(identity)","created":"\#(Self.timestamp(created)).000Z","#
            text += #""modified":"\#(Self.timestamp(created + 3600)).000Z","name":"\#(family) \#(kind)","#
            text += #""description":"\#(family) infrastructure reported by the feed","#
            text += #""indicator_types":["\#(types.randomElement(using: &random)!)"],"#
            text += #""pattern":"\#(Self.escaped(pattern))","pattern_type":"stix","pattern_version":"2.1","#
            text += #""valid_from":"\#(Self.timestamp(created))Z""#
            if random.next() % 2 == 0 { text += #","valid_until":"\#(Self.timestamp(created + 7_776_000))Z""# }
            if random.next() % 50 == 0 { text += #","revoked":true"# }
            text += #","confidence":\#(random.next() % 101)"#
            text += #","labels":["\#(family.lowercased().replacing(" ", with: "-"))"]"#
            text += #","object_marking_refs":["\#(markings.randomElement(using: &random)!)"]}"#
        }
        text += "]}"
        return Array(text.utf8)
    }

    /// `yyyy-MM-ddTHH:mm:ss` for Unix seconds (days-from-civil inverted, Howard Hinnant's algorithm).
    static func timestamp(_ seconds: Int) -> String {
        let days = seconds / 86_400
        let second = seconds % 86_400
        let z = days + 719_468
        let era = z / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthPrime = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthPrime + 2) / 5 + 1
        let month = monthPrime < 10 ? monthPrime + 3 : monthPrime - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(year)-\(two(month))-\(two(day))T\(two(second / 3600)):\(two(second / 60 % 60)):\(two(second % 60))"
    }

    /// JSON string escaping for the characters the patterns can hold.
    static func escaped(_ text: String) -> String {
        text.replacing("\\", with: "\\\\").replacing("\"", with: "\\\"")
    }
}

extension String {
    fileprivate func leftPadded(_ length: Int) -> String {
        String(repeating: "0", count: max(0, length - count)) + self
    }
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("STIXImportBenchmark: \(message)\n".utf8))
    exit(2)
}

let arguments = BenchmarkArguments(
    usage: "STIXImportBenchmark [--count N] [--trials N] [--bundle PATH]", flags: ["--count", "--trials", "--bundle"])
let count = arguments.int("--count", default: 200_000)
let trials = arguments.int("--trials", default: 5)
let bundlePath = arguments.string("--bundle") ?? ".build/stix-benchmark/bundle.json"

var generator = BundleGenerator()
let bytes = generator.bundle(indicators: count)
let bundleURL = URL(fileURLWithPath: bundlePath)
do {
    try FileManager.default.createDirectory(at: bundleURL.deletingLastPathComponent(), withIntermediateDirectories: true)
    try Data(bytes).write(to: bundleURL)
} catch {
    fail("cannot write \(bundlePath): \(error)")
}

let options: IndicatorImportOptions
do {
    options = try IndicatorImportOptions(feed: "stix-benchmark", firstSeen: Date(timeIntervalSince1970: 1_700_000_000))
} catch {
    fail("options: \(error)")
}

var cpuTimes: [Double] = []
var wallTimes: [Double] = []
var result = STIXImportResult()
for _ in 0..<trials {
    result = STIXImportResult()  // free the previous run's result outside the timed region
    let stopwatch = Stopwatch()
    do {
        result = try STIXBundleImporter.parse(bytes, options: options)
    } catch {
        fail("import failed: \(error)")
    }
    cpuTimes.append(stopwatch.cpu)
    wallTimes.append(stopwatch.wall)
}

// The JSON parse alone, to show how the time splits between JSON and STIX.
var jsonTimes: [Double] = []
for _ in 0..<trials {
    let stopwatch = Stopwatch()
    let document = try? JSONParser.parse(bytes)
    jsonTimes.append(stopwatch.cpu)
    guard document?["objects"]?.arrayValue?.count == count + 1 else { fail("the bundle is not the JSON it should be") }
}

// The import must have read every generated indicator, or the rate means nothing.
let evaluatedKinds = ["and-port", "matches", "followedby", "issubset", "file-and"]
let expectedEvaluated = evaluatedKinds.reduce(0) { $0 + generator.kinds[$1, default: 0] }
let evaluated = result.evaluatedPatterns.count
guard result.errorCount == 0, result.records.count == count, evaluated == expectedEvaluated,
    result.skippedByType == ["identity": 1]
else {
    fail(
        "import disagrees with the generator: \(result.records.count) records, \(result.errorCount) errors "
            + "(\(result.errors.prefix(3))), \(evaluated) evaluated of \(expectedEvaluated), skipped \(result.skippedByType)")
}

let rate = Double(count) / median(cpuTimes)
let wallRate = Double(count) / median(wallTimes)
let megabytes = Double(bytes.count) / 1_048_576
print("STIXImportBenchmark: \(count) indicators, \(String(format: "%.1f", megabytes)) MiB bundle at \(bundlePath)")
print(
    "  \(result.indicators.count) index entries (\(result.duplicateCount) duplicates), \(evaluated) patterns evaluated, "
        + "\(result.errorCount) errors")
print("  load average \(loadAverage()) on \(ProcessInfo.processInfo.activeProcessorCount) cores")
print("  import runs, CPU s: " + cpuTimes.map { String(format: "%.3f", $0) }.joined(separator: " "))
print(String(format: "  of which JSON parse alone, CPU s (median): %.3f", median(jsonTimes)))
print(
    String(
        format: "  indicators/s, CPU (median of %d): %.0f    wall-clock: %.0f    target ≥ 100000: %@", trials, rate,
        wallRate, rate >= 100_000 ? "PASS" : "FAIL"))
print(String(format: "swift_rate=%.0f swift_wall_rate=%.0f", rate, wallRate))
exit(rate >= 100_000 ? 0 : 1)
