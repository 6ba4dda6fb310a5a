// The analyst's case list at scale: a store holding 100,000 incidents (`--incidents N`), then the pages an
// analyst asks for over real HTTP as `riposte serve` answers them — the first page, twenty pages deep along
// the cursor, filters by status and severity, a title search, an observable value, `#number` — and one
// incident opened with its observables, alerts and timeline. Other case tools take 10–60 s per page at 15,000
// cases; Riposte's own target is every page in ≤ 50 ms (median) at 100,000.
//
// Usage: IncidentListBenchmark [--incidents N] [--trials N]
import Foundation
import RiposteApp
import RiposteCore
import RiposteRuntime
import RiposteStoreSQLite
import RiposteTesting
import RiposteWeb

let arguments = BenchmarkArguments(
    usage: "IncidentListBenchmark [--incidents N] [--trials N]", flags: ["--incidents", "--trials"])
let incidentCount = arguments.int("--incidents", default: 100_000)
let trials = arguments.int("--trials", default: 11)
let pageTargetMilliseconds = 50.0

/// Alert `n`: one of 5,000 rules, a source among 40,000 internal hosts, one of 97 external addresses, a user
/// or a domain, and a ~600-byte payload; each opens its own incident (a unique fingerprint).
func alert(_ n: Int, ids: ULIDGenerator) -> PreparedAlert {
    let source = "10.\(n % 160).\(n / 160 % 250).\(n % 250 + 1)"
    let destination = "203.0.113.\(n % 97 + 1)"
    let signature = "ET MALWARE suspicious beacon \(n % 5_000)"
    var observables = [
        ObservableDraft(type: .ipv4, normalizedValue: source), ObservableDraft(type: .ipv4, normalizedValue: destination),
    ]
    observables.append(
        n % 2 == 0
            ? ObservableDraft(type: .username, normalizedValue: "user\(n % 300)")
            : ObservableDraft(type: .domain, normalizedValue: "host\(n % 400).example"))
    let raw = Array(
        ("{\"event_type\":\"alert\",\"src_ip\":\"\(source)\",\"dest_ip\":\"\(destination)\",\"alert\":{\"signature_id\":"
            + "\(n % 5_000),\"signature\":\"\(signature)\"},\"payload\":\"" + String(repeating: "A", count: 500) + "\"}").utf8)
    let draft = AlertDraft(
        source: "suricata", sourceRef: "list-bench-\(n)", title: signature, severity: Severity(rawValue: n % 6) ?? .medium,
        time: Date(timeIntervalSince1970: 1_700_000_000 + Double(n)),
        rule: DetectionRule(uid: "\(n % 5_000)", name: "ET MALWARE", category: "A Network Trojan was detected"),
        sourceEndpoint: Endpoint(ip: source, port: 40_000 + n % 20_000),
        destinationEndpoint: Endpoint(ip: destination, port: 443),
        hostName: "sensor-1", userName: n % 2 == 0 ? "user\(n % 300)" : nil, observables: observables, raw: raw, parserVersion: 1)
    return PreparedAlert(id: ids.next(), draft: draft, fingerprint: "list-bench-\(n)")
}

/// Fills `directory` with `incidentCount` incidents, one alert each; one in ten is then closed through the
/// store's own change path (with its timeline event), so the status filters have something to tell apart.
func fill(_ directory: String) async throws -> [IncidentID] {
    let ids = ULIDGenerator()
    let store = try await SQLiteStore.open(path: directory + "/riposte.sqlite", ids: ids)
    let stopwatch = Stopwatch()
    var now = Date(timeIntervalSince1970: 1_700_000_000)
    var incidents: [IncidentID] = []
    incidents.reserveCapacity(incidentCount)
    for start in stride(from: 0, to: incidentCount, by: 1_000) {
        now += 1
        let batch = (start..<min(start + 1_000, incidentCount)).map { alert($0, ids: ids) }
        let outcomes = try await store.ingest(batch, policy: GroupingPolicy(), now: now)
        incidents += outcomes.compactMap(\.incidentID)
    }
    let opened = stopwatch.wall
    for (position, incident) in incidents.enumerated() where position % 10 == 0 {
        _ = try await store.updateIncident(
            id: incident, changes: IncidentChanges(status: .closed), actor: Actor(name: "user:bench"), now: now)
    }
    await store.close()
    progress(
        String(
            format: "filled %d incidents in %.1f s, closed one in ten in %.1f s", incidents.count, opened, stopwatch.wall - opened
        ))
    return incidents
}

/// One request kind: its name and the path for a trial (the cursor walk makes its own requests).
struct ListRequest {
    var name: String
    var path: String
    /// Pages to follow along `next_cursor`, counting the first.
    var pages = 1
}

/// Asks for `request` over `client` and returns the milliseconds per page.
func measure(_ request: ListRequest, client: RawHTTPClient, token: String) throws -> Double {
    let stopwatch = Stopwatch()
    var path = request.path
    for page in 1...request.pages {
        let response = try client.request("GET", path, headers: [("Authorization", "Bearer \(token)")])
        guard response.status == 200 else {
            throw RawHTTPError(
                message: "\(request.name): HTTP \(response.status) \(String(decoding: response.body, as: UTF8.self))")
        }
        guard page < request.pages else { break }
        let body = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
        guard let cursor = body?["next_cursor"] as? String else {
            throw RawHTTPError(message: "\(request.name): no next_cursor on page \(page)")
        }
        path = request.path + "&cursor=" + (cursor.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? cursor)
    }
    return stopwatch.wall * 1_000 / Double(request.pages)
}

let directory = FileManager.default.temporaryDirectory.appendingPathComponent("riposte-list-\(UUID().uuidString)").path
try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: directory) }
let incidents = try await fill(directory)

let configuration = try AppConfiguration(
    flags: ["RIPOSTE_DATA": directory, "RIPOSTE_LISTEN": "127.0.0.1:0", "RIPOSTE_ENRICH_PROVIDERS": "none"],
    environment: Environment([:]), configFile: nil)
let app = try await Application.build(
    configuration, logger: Logger(label: "bench", level: .warning, handler: JSONLinesLogHandler(descriptor: 2)),
    accessLog: { _ in })
let token = try await app.access.createToken(name: "bench", role: .viewer).secret.value
let port = try await app.start()
// Detached: the top level runs on the main actor, which the blocking client below occupies.
let running = Task.detached { try await app.run() }
// The fill left one intel.match job per 1,000-alert call; let the worker finish them before measuring.
let fillJobs = Double((incidentCount + 999) / 1_000)
let jobsDeadline = ContinuousClock.now + .seconds(120)
while app.metrics.value("riposte_jobs_completed_total", labels: [("kind", "intel.match")]) < fillJobs {
    guard ContinuousClock.now < jobsDeadline else { fatalError("the fill's intel.match jobs did not finish in 120 s") }
    try await Task.sleep(for: .milliseconds(100))
}

let middle = incidents[incidents.count / 2]
let requests = [
    ListRequest(name: "first page", path: "/api/v1/incidents?limit=50"),
    ListRequest(name: "20 pages along the cursor", path: "/api/v1/incidents?limit=50", pages: 20),
    ListRequest(name: "status new", path: "/api/v1/incidents?limit=50&status=new"),
    ListRequest(name: "status closed", path: "/api/v1/incidents?limit=50&status=closed"),
    ListRequest(name: "status resolved (none)", path: "/api/v1/incidents?limit=50&status=resolved"),
    ListRequest(name: "severity critical", path: "/api/v1/incidents?limit=50&severity=critical"),
    ListRequest(name: "title text", path: "/api/v1/incidents?limit=50&q=beacon%204242"),
    ListRequest(name: "observable value", path: "/api/v1/incidents?limit=50&q=203.0.113.7"),
    ListRequest(name: "#number", path: "/api/v1/incidents?limit=50&q=%23\(incidentCount * 3 / 4)"),
    ListRequest(name: "one incident, whole", path: "/api/v1/incidents/\(middle.rawValue)"),
]

let client = try RawHTTPClient(port: port)
var timings: [String: [Double]] = [:]
for trial in 0...trials {
    for request in requests {
        let milliseconds = try measure(request, client: client, token: token)
        if trial > 0 { timings[request.name, default: []].append(milliseconds) }  // trial 0 warms the caches
    }
}

print("IncidentListBenchmark: \(incidents.count) incidents, \(trials) trials, load \(loadAverage()) on 2 cores")
var passed = true
for request in requests {
    let values = timings[request.name] ?? []
    let typical = median(values)
    passed = passed && typical <= pageTargetMilliseconds
    print(
        String(
            format: "  %@ median %7.2f ms per page, max %7.2f ms  (target ≤ %.0f ms: %@)",
            request.name.padding(toLength: 28, withPad: " ", startingAt: 0), typical, values.max() ?? 0,
            pageTargetMilliseconds, typical <= pageTargetMilliseconds ? "PASS" : "FAIL"))
}
print(passed ? "PASS" : "FAIL")
await app.shutdown()
try await running.value
