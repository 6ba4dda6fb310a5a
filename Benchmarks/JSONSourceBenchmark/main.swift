// Release benchmark for the SIEM source parsers: single-core throughput (MB/s of input) from request
// body to drafts, per format, on ≥ 20 MB bodies built by repeating corpus samples with a different id
// in every copy; median of 5 runs. Target: ≥ 50 MB/s per format, judged on the parsing thread's CPU
// time, since the machine is shared and wall time counts the moments another process held the core
// (wall-clock MB/s is printed next to it).
//
// `--trials N` changes the number of runs, `--megabytes N` the body size, `--only NAME` picks formats.
import Foundation
import RiposteCore
import RiposteIngest
import RiposteTesting

/// Command-line options.
struct Options {
    var trials: Int
    var megabytes: Int
    /// Only the workloads whose name starts with this, for profiling one format.
    var only: String

    init() {
        let arguments = BenchmarkArguments(
            usage: "JSONSourceBenchmark [--trials N] [--megabytes N] [--only FORMAT]",
            flags: ["--trials", "--megabytes", "--only"])
        trials = arguments.int("--trials", default: 5)
        megabytes = arguments.int("--megabytes", default: 20)
        only = arguments.string("--only") ?? ""
    }
}

/// One benchmark input: a parser and how to build its body (only for the workloads that run).
struct Workload {
    var name: String
    var parser: any AlertParser
    var body: () -> [UInt8]
}

/// A compact JSON record and where its id sits (member names from the record's root, or array
/// indices), so every copy of it in a body can carry a different id.
struct Template {
    var record: [UInt8]
    var idPath: [String]
}

/// Stops the benchmark with a message: its inputs are fixed, so a failure here is a bug in it.
func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("JSONSourceBenchmark: \(message)\n".utf8))
    exit(1)
}

/// The records of a corpus JSON file (an object, an array or NDJSON), each compacted onto one line.
func records(_ path: String) throws -> [[UInt8]] {
    let body = Array(try Corpus.contents(path))
    return try AlertPayloadSplitter().split(body).map { compact(Array(body[$0.range])) }
}

/// The JSON text without insignificant whitespace, so records can be repeated as NDJSON.
func compact(_ json: [UInt8]) -> [UInt8] {
    var out: [UInt8] = []
    var inString = false
    var escaped = false
    for byte in json {
        if inString {
            out.append(byte)
            if escaped {
                escaped = false
            } else if byte == UInt8(ascii: "\\") {
                escaped = true
            } else if byte == UInt8(ascii: "\"") {
                inString = false
            }
        } else if byte == UInt8(ascii: "\"") {
            inString = true
            out.append(byte)
        } else if byte != 0x20 && byte != 0x0A && byte != 0x0D && byte != 0x09 {
            out.append(byte)
        }
    }
    return out
}

/// The index just past the compact JSON value starting at `start`.
func valueEnd(_ json: [UInt8], from start: Int) -> Int {
    var index = start
    var depth = 0
    var inString = false
    while index < json.count {
        let byte = json[index]
        index += 1
        if inString {
            if byte == UInt8(ascii: "\\") {
                index += 1
            } else if byte == UInt8(ascii: "\"") {
                inString = false
                if depth == 0 { return index }
            }
            continue
        }
        switch byte {
        case UInt8(ascii: "\""): inString = true
        case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
        case UInt8(ascii: "}"), UInt8(ascii: "]"):
            depth -= 1
            if depth == 0 { return index }
            if depth < 0 { return index - 1 }
        case UInt8(ascii: ","):
            if depth == 0 { return index - 1 }
        default: break
        }
    }
    return index
}

/// Where the value at `path` lies in the compact JSON `json`, or nil when the path does not exist.
func valueRange(_ json: [UInt8], path: [String]) -> Range<Int>? {
    var index = 0
    for step in path {
        guard index < json.count else { return nil }
        if json[index] == UInt8(ascii: "["), var remaining = Int(step) {
            index += 1
            while remaining > 0 {
                index = valueEnd(json, from: index)
                guard index < json.count, json[index] == UInt8(ascii: ",") else { return nil }
                index += 1
                remaining -= 1
            }
            continue
        }
        guard json[index] == UInt8(ascii: "{") else { return nil }
        index += 1
        var found = false
        while index < json.count, json[index] == UInt8(ascii: "\"") {
            let keyEnd = valueEnd(json, from: index)
            let key = String(decoding: json[(index + 1)..<(keyEnd - 1)], as: UTF8.self)
            index = keyEnd + 1  // past the ':'
            if key == step {
                found = true
                break
            }
            index = valueEnd(json, from: index)
            if index < json.count, json[index] == UInt8(ascii: ",") { index += 1 }
        }
        guard found else { return nil }
    }
    return index..<valueEnd(json, from: index)
}

/// `template` with the id at its path changed for copy `copy`: a GUID keeps its shape (the last 12
/// digits become the copy number), another string gets `-copy` appended, an integer grows by
/// `copy × 1,000,000` (so ids of different templates cannot meet).
func vary(_ template: Template, copy: Int) -> [UInt8] {
    guard let range = valueRange(template.record, path: template.idPath) else {
        fail(
            "no id at \(template.idPath.joined(separator: ".")) in \(String(decoding: template.record.prefix(120), as: UTF8.self))"
        )
    }
    let old = String(decoding: template.record[range], as: UTF8.self)
    let new: String
    if old.hasPrefix("\"") {
        let text = old.dropFirst().dropLast()
        if text.count == 36, text.split(separator: "-").map(\.count) == [8, 4, 4, 4, 12] {
            new = "\"\(text.dropLast(12))\(String(format: "%012x", copy))\""
        } else {
            new = "\"\(text)-\(copy)\""
        }
    } else if let number = Int(old) {
        new = String(number + copy * 1_000_000)
    } else {
        fail("the id \(old) at \(template.idPath.joined(separator: ".")) is neither a string nor an integer")
    }
    var record = template.record
    record.replaceSubrange(range, with: Array(new.utf8))
    return record
}

/// The templates repeated as NDJSON, a new id in each copy, until the body reaches `size` bytes.
func ndjson(_ templates: [Template], size: Int) -> [UInt8] {
    var body: [UInt8] = []
    body.reserveCapacity(size + 65_536)
    var copy = 1
    while body.count < size {
        for template in templates {
            body += vary(template, copy: copy)
            body.append(0x0A)
        }
        copy += 1
    }
    return body
}

/// The `responses.200.body` of an Azure REST API example, compacted.
func azureBody(_ path: String) throws -> [UInt8] {
    let example = try records(path)[0]
    guard let range = valueRange(example, path: ["responses", "200", "body"]) else { fail("\(path) has no responses.200.body") }
    return Array(example[range])
}

/// One Zeek TSV log: its header lines (`#separator` … `#types`) and its notice lines, split into fields.
struct ZeekLog {
    var header: [UInt8]
    var fields: [String]
    var types: [String]
    var notices: [[String]]

    init(_ text: String) {
        var header: [UInt8] = []
        var fields: [String] = []
        var types: [String] = []
        var notices: [[String]] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            if line.hasPrefix("#") {
                if line.hasPrefix("#close") { continue }
                header += Array(line.utf8) + [0x0A]
                let parts = line.split(separator: "\t", omittingEmptySubsequences: false).dropFirst().map(String.init)
                if line.hasPrefix("#fields\t") { fields = parts }
                if line.hasPrefix("#types\t") { types = parts }
            } else {
                notices.append(line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init))
            }
        }
        guard !fields.isEmpty, fields.count == types.count, notices.allSatisfy({ $0.count == fields.count }) else {
            fail("a Zeek log in the corpus does not have matching #fields, #types and notice columns")
        }
        self.header = header
        self.fields = fields
        self.types = types
        self.notices = notices
    }

    /// The notice's fields with `ts` set to `time` (the corpus baselines mask it as `XXXXXXXXXX.XXXXXX`).
    func notice(_ index: Int, time: String) -> [String] {
        var values = notices[index]
        if let ts = fields.firstIndex(of: "ts") { values[ts] = time }
        return values
    }

    /// The notice as a line of Zeek's JSON writer (`LogAscii::use_json`): unset fields left out,
    /// numbers and sets typed.
    func json(_ values: [String]) -> [UInt8] {
        var members: [String] = []
        for (name, (type, value)) in zip(fields, zip(types, values)) where value != "-" {
            let rendered: String
            if type.hasPrefix("set[") || type.hasPrefix("vector[") {
                let elements = value == "(empty)" ? [] : value.split(separator: ",").map { jsonString(String($0)) }
                rendered = "[" + elements.joined(separator: ",") + "]"
            } else if ["time", "interval", "double", "count", "int", "port"].contains(type) {
                rendered = value
            } else if type == "bool" {
                rendered = value == "T" ? "true" : "false"
            } else {
                rendered = jsonString(value == "(empty)" ? "" : value)
            }
            members.append("\(jsonString(name)):\(rendered)")
        }
        return Array(("{" + members.joined(separator: ",") + "}").utf8)
    }
}

/// `text` as a JSON string literal.
func jsonString(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\u{0}"..."\u{1F}": out += String(format: "\\u%04x", scalar.value)
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}

/// Zeek TSV bodies: the corpus logs in turn, each as a block of its header and 1,000 notices (the
/// notice lines repeated), every notice with its own time, until the body reaches `size` bytes.
func zeekTSV(_ logs: [ZeekLog], size: Int) -> [UInt8] {
    var body: [UInt8] = []
    body.reserveCapacity(size + 65_536)
    var copy = 0
    while body.count < size {
        for log in logs {
            body += log.header
            for _ in 0..<1_000 {
                for index in log.notices.indices {
                    body += Array(log.notice(index, time: zeekTime(copy)).joined(separator: "\t").utf8)
                    body.append(0x0A)
                    copy += 1
                }
            }
            body += Array("#close\t2024-03-21-14-38-06\n".utf8)
        }
    }
    return body
}

/// Zeek JSON lines: the corpus notices, each with its own time, until the body reaches `size` bytes.
func zeekJSON(_ logs: [ZeekLog], size: Int) -> [UInt8] {
    var body: [UInt8] = []
    body.reserveCapacity(size + 65_536)
    var copy = 0
    while body.count < size {
        for log in logs {
            for index in log.notices.indices {
                body += log.json(log.notice(index, time: zeekTime(copy)))
                body.append(0x0A)
                copy += 1
            }
        }
    }
    return body
}

/// A Zeek `ts` (Unix seconds with microseconds) for notice number `copy`, one millisecond apart.
func zeekTime(_ copy: Int) -> String {
    String(format: "%d.%06d", 1_711_031_886 + copy / 1_000, (copy % 1_000) * 1_000)
}

func workloads(size: Int) throws -> [Workload] {
    // The corpus has no Elastic alert (see its PROVENANCE.md): these two documents are the
    // ElasticAlertParserTests fixtures, written from Elastic's published alert schema.
    let elastic = [
        Template(
            record: Array(
                #"{"@timestamp":"2024-03-21T14:38:06.512Z","event.kind":"signal","kibana.alert.uuid":"9a1f0c3e5b7d2e4f6a8c0b1d3e5f7a9c","kibana.alert.rule.name":"Malware Detected via Hash Match","kibana.alert.rule.uuid":"5b1c7d20-e7a3-11ee-9f3c-1b2c3d4e5f60","kibana.alert.rule.category":"Custom Query Rule","kibana.alert.severity":"high","kibana.alert.risk_score":73,"kibana.alert.workflow_status":"open","kibana.alert.reason":"process event on ws-042 created high alert","kibana.alert.original_time":"2024-03-21T14:38:05.123Z","host.name":"ws-042","host.ip":["10.20.30.40","fe80::1"],"user.name":"alice","source.ip":"10.20.30.40","source.port":51234,"destination.ip":"203.0.113.80","destination.port":443,"destination.domain":"cdn.evil.example","url.full":"https://cdn.evil.example/payload.bin","file.hash.sha256":"E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855","file.hash.md5":"44d88612fea8a8f36de82e1278abb02f"}"#
                    .utf8), idPath: ["kibana.alert.uuid"]),
        Template(
            record: Array(
                #"{"@timestamp":"2024-03-21T15:00:00.000Z","kibana":{"alert":{"uuid":"b2","rule":{"name":"Suspicious DNS","uuid":"r-2"},"risk_score":21}},"dns":{"question":{"name":"c2.evil.example"}},"user":{"name":"bob"},"host":{"name":"srv-1"},"email":{"from":{"address":"x@evil.example"}},"process":{"hash":{"sha1":"da39a3ee5e6b4b0d3255bfef95601890afd80709"}}}"#
                    .utf8), idPath: ["kibana", "alert", "uuid"]),
    ]
    let zeekLogs = try Corpus.files(in: "siem_alerts/zeek", suffix: ".log").map {
        ZeekLog(String(decoding: try Corpus.contents($0), as: UTF8.self))
    }
    let sysmon = try AlertMapping(
        json: Array(
            #"""
            {
              "title": {"path": ["Event.EventData.RuleName_", "Event.System.Provider.#attributes.Name"], "default": "Windows event"},
              "severity": {"path": "Event.System.Level", "map": {"1": "critical", "2": "high", "3": "medium"},
                           "ranges": [{"min": 4, "max": 5, "severity": "informational"}], "default": "unknown"},
              "time": {"path": "Event.System.TimeCreated.#attributes.SystemTime", "format": "rfc3339"},
              "source_ref": {"hash": ["Event.System.Computer", "Event.System.EventRecordID"]},
              "rule_uid": "Event.System.EventID", "rule_category": "Event.System.Channel",
              "host_name": "Event.System.Computer", "user_name": "Event.EventData.User",
              "observables": [{"path": "Event.EventData.Hashes", "type": "text"},
                              {"path": "Event.EventData.CommandLine", "type": "text"},
                              {"path": "Event.EventData.DestinationIp", "type": "ip"}]
            }
            """#
            .utf8))
    let sigma = try Corpus.files(in: "siem_alerts/sigma-matched-events", suffix: ".event.json").flatMap(records)
    let suricata = try ["first-2015", "honeypot-2018", "wrccdc-2017"].flatMap {
        try records("siem_alerts/suricata/eve-alerts-\($0).json")
    }
    let splunk =
        try records("siem_alerts/splunk/demisto-splunk-es-notable-event.json").map { Template(record: $0, idPath: ["event_id"]) }
        + records("siem_alerts/splunk/splunk-docs-webhook-alert-payload.json").map { Template(record: $0, idPath: ["sid"]) }
    let sentinel = [
        Template(record: try azureBody("siem_alerts/sentinel/azure-rest-api-specs_GetIncidentById.json"), idPath: ["name"]),
        Template(
            record: try azureBody("siem_alerts/sentinel/azure-rest-api-specs_GetAllIncidentAlerts.json"),
            idPath: ["value", "0", "properties", "systemAlertId"]),
    ]
    let qradar = try records("siem_alerts/qradar/demisto-qradar-offenses-list-response.json").map {
        Template(record: $0, idPath: ["id"])
    }
    let wazuh = try records("siem_alerts/wazuh/wazuh-qa_sshd-bruteforce-5712-alert.json").map {
        Template(record: $0, idPath: ["id"])
    }
    let eve = suricata.map { Template(record: $0, idPath: ["flow_id"]) }
    let events = sigma.map { Template(record: $0, idPath: ["Event", "System", "EventRecordID"]) }
    return [
        Workload(name: "splunk", parser: SplunkAlertParser()) { ndjson(splunk, size: size) },
        Workload(name: "elastic", parser: ElasticAlertParser()) { ndjson(elastic, size: size) },
        Workload(name: "sentinel", parser: SentinelAlertParser()) { ndjson(sentinel, size: size) },
        Workload(name: "qradar", parser: QRadarOffenseParser()) { ndjson(qradar, size: size) },
        Workload(name: "wazuh", parser: WazuhAlertParser()) { ndjson(wazuh, size: size) },
        Workload(name: "zeek-json", parser: ZeekNoticeParser()) { zeekJSON(zeekLogs, size: size) },
        Workload(name: "zeek-tsv", parser: ZeekNoticeParser()) { zeekTSV(zeekLogs, size: size) },
        Workload(name: "suricata", parser: SuricataEVEParser()) { ndjson(eve, size: size) },
        Workload(name: "mapping (sysmon)", parser: MappedAlertParser(name: "sysmon", mapping: sysmon)) {
            ndjson(events, size: size)
        },
    ]
}

let options = Options()
let limits = IngestLimits(maxRecords: 10_000_000, maxRecordBytes: 1 << 20)
let target = 50.0
print(
    """
    JSONSourceBenchmark: one core, release build, median of \(options.trials) runs; target >= \(Int(target)) MB/s of CPU time
    (the machine is shared: CPU MB/s is input over the parsing thread's CPU time, wall MB/s over elapsed time)
    """)
print("format              MB    alerts  distinct refs  CPU s median  CPU MB/s  wall MB/s  wall min..max     target")
var failures = 0
for workload in try workloads(size: options.megabytes << 20) where workload.name.hasPrefix(options.only) {
    let body = workload.body()
    var seconds: [Double] = []
    var cpuSeconds: [Double] = []
    var drafts: [AlertDraft] = []
    for _ in 0..<options.trials {
        drafts = []  // The previous run's drafts are freed outside the timed section.
        let stopwatch = Stopwatch()
        drafts = try workload.parser.parse(body: body, limits: limits)
        cpuSeconds.append(stopwatch.cpu)
        seconds.append(stopwatch.wall)
    }
    seconds.sort()
    let megabytes = Double(body.count) / 1_048_576
    let cpuRate = megabytes / median(cpuSeconds)
    let wallRate = megabytes / median(seconds)
    if cpuRate < target { failures += 1 }
    let line = [
        workload.name.padding(toLength: 16, withPad: " ", startingAt: 0),
        String(format: "%6.1f", megabytes), String(format: "%8d", drafts.count),
        String(format: "%13d", Set(drafts.map(\.sourceRef)).count), String(format: "%12.3f", median(cpuSeconds)),
        String(format: "%8.1f", cpuRate), String(format: "%9.1f", wallRate),
        String(format: "%6.1f..%6.1f", megabytes / seconds.last!, megabytes / seconds[0]), cpuRate >= target ? "PASS" : "FAIL",
    ]
    print(line.joined(separator: "  "))
}
exit(failures == 0 ? 0 : 1)
