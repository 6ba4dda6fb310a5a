// Release benchmark for the line-format parsers: MB/s on one core for CEF, LEEF and syslog, header/event parse
// alone and whole body → drafts, on ~50 MB built by repeating real samples (`--mb N`, `--trials N` to change;
// `--only TEXT` runs only the measurements whose name contains TEXT, e.g. `--only "LEEF body"` under `perf record`).
//
// Inputs: CEF, the 24 Graylog fixture lines from the corpus; LEEF, IBM's documented examples (the corpus has no
// LEEF files) with the same attribute mix; syslog, the RFC 5424/3164 examples plus the fixtures' syslog lines.
// Times are the thread's CPU time (wall time beside it), median of the trials.
import Foundation
import RiposteCore
import RiposteIngest
import RiposteTesting

let arguments = BenchmarkArguments(
    usage: "LineParserBenchmark [--mb N] [--trials N] [--only TEXT]", flags: ["--mb", "--trials", "--only"])
let targetBytes = arguments.int("--mb", default: 50) << 20
let trials = arguments.int("--trials", default: 5)
let only = arguments.string("--only")

/// The `testString` of each Graylog fixture (Jackson-lenient JSON: `//` comment lines are dropped first).
func cefLines() throws -> [String] {
    try Corpus.files(in: "siem_alerts/cef/graylog-cef-fixtures", suffix: ".json").map { path in
        let text = String(decoding: try Corpus.contents(path), as: UTF8.self)
        let strict = text.split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("//") }
        let value = try JSONParser.parse(Array(strict.joined(separator: "\n").utf8))
        guard case .object(let members) = value, case .string(let line)? = members.first(where: { $0.0 == "testString" })?.1
        else { fatalError("\(path) has no testString") }
        return line
    }
}

let leefLines = [
    "LEEF:1.0|Microsoft|MSExchange|2016|15345|src=10.50.1.1\tdst=2.10.20.20\tspt=1200",
    "LEEF:2.0|Lancope|StealthWatch|1.0|41|^|src=10.0.1.8^dst=10.0.0.5^sev=5^srcPort=81^dstPort=21",
    "<13>Jan 18 11:07:53 192.168.1.1 LEEF:1.0|Microsoft|MSExchange|2013 SP1|15345|src=192.0.2.0\tdst=172.50.123.1\tsev=5\t"
        + "cat=anomaly\tsrcPort=81\tdstPort=21\tusrName=joe.black",
    "<133>1 2019-01-18T11:07:53.520+07:00 myhostname LEEF:2.0|Lancope|StealthWatch|1.0|41|0x5E|src=10.0.1.8^dst=10.0.0.5^"
        + "sev=5^cat=anomaly^devTime=Jan 18 2019 11:07:53^devTimeFormat=MMM dd yyyy HH:mm:ss^usrName=joe.black",
    "May 15 16:00:47 localhost LEEF:1.0|Trend Micro|Deep Discovery Email Inspector|2.5.1.1161|SYSTEM_EVENT|sev=3\t"
        + "deviceGUID=e57f0651-b197-42d4-a643-271c1277b5ff\tdevTime=Apr 13 2015 06:52:00 GMT+00:00\tmsg=Logout: 'admin' "
        + "logged off\tdvcmac=B0:83:FE:DD:21:98\tdevTimeFormat=MMM dd yyyy HH:mm:ss z\tdvchost=internalbeta\tdvc=10.204.253.163",
]

func syslogLines(cef: [String]) -> [String] {
    let bom = "\u{FEFF}"
    return [
        "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - \(bom)'su root' failed for lonvick on /dev/pts/8",
        "<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It's time to make the do-nuts.",
        "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut=\"3\" "
            + "eventSource=\"Application\" eventID=\"1011\"] \(bom)An application event log entry...",
        "<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8",
        "<13>Feb  5 17:32:18 10.0.0.99 Use the BFG!",
    ] + cef.filter { $0.first?.isLetter == true && !$0.hasPrefix("CEF:") }.map { "<13>" + $0 }
}

/// `lines` repeated to about `targetBytes`, as one LF-separated body and as separate lines.
func repeated(_ lines: [String]) -> (body: [UInt8], lines: [[UInt8]]) {
    var body: [UInt8] = []
    var split: [[UInt8]] = []
    body.reserveCapacity(targetBytes + 4096)
    while body.count < targetBytes {
        for line in lines {
            body += line.utf8
            body.append(0x0A)
            split.append(Array(line.utf8))
        }
    }
    return (body, split)
}

/// Runs `work` `trials` times; prints the median MB/s by CPU time (and by wall time).
func measure(_ name: String, bytes: Int, _ work: () throws -> Int) rethrows {
    if let only, !name.contains(only) { return }
    var cpu: [Double] = []
    var wall: [Double] = []
    var count = 0
    for _ in 0..<trials {
        let stopwatch = Stopwatch()
        count = try work()
        cpu.append(stopwatch.cpu)
        wall.append(stopwatch.wall)
    }
    let megabytes = Double(bytes) / 1_048_576
    let cpuMedian = median(cpu)
    let wallMedian = median(wall)
    print(
        String(
            format: "%@ %8.1f MB/s cpu  %8.1f MB/s wall  %9.0f records/s  (%d records, %.1f MB)",
            name.padding(toLength: 36, withPad: " ", startingAt: 0),
            megabytes / cpuMedian, megabytes / wallMedian, Double(count) / cpuMedian, count, megabytes))
}

let limits = IngestLimits(maxRecords: .max, maxRecordBytes: 1 << 20)
let cef = try cefLines()
let cefInput = repeated(cef)
let leefInput = repeated(leefLines)
let syslogInput = repeated(syslogLines(cef: cef))
print("trials: \(trials), median; load average: \(loadAverage())")

try measure("CEF event parse (per line)", bytes: cefInput.body.count) {
    var fields = 0
    for line in cefInput.lines { fields += try CEFEvent.parse(line, year: 2024).event.extensions.count }
    precondition(fields > 0)
    return cefInput.lines.count
}
try measure("CEF body -> drafts", bytes: cefInput.body.count) {
    try CEFParser(year: 2024).parse(body: cefInput.body, limits: limits).count
}
try measure("LEEF event parse (per line)", bytes: leefInput.body.count) {
    var fields = 0
    for line in leefInput.lines { fields += try LEEFEvent.parse(line, year: 2024).event.attributes.count }
    precondition(fields > 0)
    return leefInput.lines.count
}
try measure("LEEF body -> drafts", bytes: leefInput.body.count) {
    try LEEFParser(year: 2024).parse(body: leefInput.body, limits: limits).count
}
try measure("syslog message parse (per line)", bytes: syslogInput.body.count) {
    var hosts = 0
    for line in syslogInput.lines where try SyslogMessage.parse(line, year: 2024).hostname != nil { hosts += 1 }
    precondition(hosts > 0)
    return syslogInput.lines.count
}
try measure("syslog body -> drafts", bytes: syslogInput.body.count) {
    try SyslogAlertParser(year: 2024).parse(body: syslogInput.body, limits: limits).count
}
measure("syslog TCP framing (64 KiB chunks)", bytes: syslogInput.body.count) {
    var framer = SyslogFraming()
    var frames = 0
    var index = 0
    while index < syslogInput.body.count {
        let end = min(index + 65_536, syslogInput.body.count)
        frames += framer.append(Array(syslogInput.body[index..<end])).count
        index = end
    }
    return frames + framer.finish().count
}
