// Ingest throughput over real HTTP with keep-alive: Suricata alerts, each persisted with its
// observables and incident before the 202. Targets: ≥ 5,000 alerts/s as single-alert requests,
// ≥ 20,000 alerts/s as 1,000-alert NDJSON batches (2 cores; client and server share them).
//
// Usage: IngestBenchmark [--trials N] [--single N] [--batches N] [--connections N]
import Foundation
import RiposteApp
import RiposteCore
import RiposteRuntime
import RiposteTesting
import RiposteWeb
import Synchronization

struct Options {
    var trials: Int
    var singleAlerts: Int
    var batches: Int
    var batchSize = 1_000
    var connections: Int

    init() {
        let arguments = BenchmarkArguments(
            usage: "IngestBenchmark [--trials N] [--single N] [--batches N] [--connections N]",
            flags: ["--trials", "--single", "--batches", "--connections"])
        trials = arguments.int("--trials", default: 5)
        singleAlerts = arguments.int("--single", default: 20_000)
        batches = arguments.int("--batches", default: 40)
        connections = arguments.int("--connections", default: 8)
    }
}

/// Real Suricata EVE alerts from the corpus, re-stamped so each sent alert is a distinct alert.
struct AlertFactory {
    let templates: [[String: Any]]

    init() throws {
        let text =
            String(decoding: try Corpus.contents("pcaps/expected-alerts/elcabezzonn_smbexec.eve-alerts.jsonl"), as: UTF8.self)
            + String(
                decoding: try Corpus.contents("pcaps/expected-alerts/chrissanders_cryptowall4_c2.eve-alerts.jsonl"), as: UTF8.self
            )
        let parsed = text.split(separator: "\n").compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]
        }
        templates = parsed
    }

    /// Alert `n` of run `run`: a unique flow id and a source address among 4,096 hosts.
    func alert(_ n: Int, run: Int) -> [UInt8] {
        var record = templates[n % templates.count]
        record["flow_id"] = run * 100_000_000 + n
        record["src_ip"] = "10.\(run % 200).\((n / 256) % 16).\(n % 256)"
        return Array(try! JSONSerialization.data(withJSONObject: record))
    }
}

final class Box<T: Sendable>: Sendable {
    let value: Mutex<T>
    init(_ value: T) { self.value = Mutex(value) }
}

/// Runs `total` requests over `connections` keep-alive sockets on threads; returns alerts/s.
func drive(
    port: Int, token: String, connections: Int, requests: Int, alertsPerRequest: Int, body: @escaping @Sendable (Int) -> [UInt8]
)
    throws -> Double
{
    let next = Atomic<Int>(0)
    let failures = Box<[String]>([])
    let group = DispatchGroup()
    let started = ContinuousClock.now
    for _ in 0..<connections {
        group.enter()
        Thread {
            defer { group.leave() }
            do {
                let client = try RawHTTPClient(port: port)
                while true {
                    let index = next.add(1, ordering: .relaxed).oldValue
                    if index >= requests { break }
                    let response = try client.request(
                        "POST", "/api/v1/alerts?source=suricata", headers: [("Authorization", "Bearer \(token)")],
                        body: body(index))
                    if response.status != 202 {
                        failures.value.withLock {
                            $0.append("HTTP \(response.status): \(String(decoding: response.body.prefix(200), as: UTF8.self))")
                        }
                        return
                    }
                }
            } catch {
                failures.value.withLock { $0.append(String(describing: error)) }
            }
        }.start()
    }
    group.wait()
    let elapsed = ContinuousClock.now - started
    if let failure = failures.value.withLock({ $0.first }) { throw RawHTTPError(message: failure) }
    return Double(requests * alertsPerRequest) / elapsed.seconds
}

let options = Options()
let factory = try AlertFactory()
var singleRates: [Double] = []
var batchRates: [Double] = []
print("Ingest benchmark: \(options.trials) trials, \(options.connections) keep-alive connections, release build")
for trial in 0..<options.trials {
    // A fresh data directory per trial, so every trial starts from the same state.
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("riposte-bench-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let configuration = try AppConfiguration(
        flags: ["RIPOSTE_DATA": directory, "RIPOSTE_LISTEN": "127.0.0.1:0"], environment: Environment([:]), configFile: nil)
    let app = try await Application.build(
        configuration, logger: Logger(label: "bench", level: .info, handler: JSONLinesLogHandler(descriptor: 2)),
        accessLog: { _ in })
    let token = try await app.access.createToken(name: "bench", role: .analyst).secret.value
    let port = try await app.start()
    // Detached: the top level runs on the main actor, which the blocking load generator occupies.
    let running = Task.detached { try await app.run() }

    // Bodies are built before the clock starts, so the client spends its CPU on HTTP only.
    let singleBodies = (0..<options.singleAlerts).map { factory.alert($0, run: trial * 2) }
    let single = try await Task.detached {
        try drive(
            port: port, token: token, connections: options.connections, requests: options.singleAlerts, alertsPerRequest: 1
        ) { index in singleBodies[index] }
    }.value
    let batchBodies = (0..<options.batches).map { batch in
        Array(
            (0..<options.batchSize).map { factory.alert(batch * options.batchSize + $0, run: trial * 2 + 1) }.joined(separator: [
                0x0A
            ]))
    }
    let batched = try await Task.detached {
        try drive(
            port: port, token: token, connections: min(options.connections, 4), requests: options.batches,
            alertsPerRequest: options.batchSize
        ) { index in batchBodies[index] }
    }.value
    let stored = app.metrics.value("riposte_alerts_ingested_total", labels: [("source", "suricata")])
    let expected = Double(options.singleAlerts + options.batches * options.batchSize)
    guard stored == expected else { fatalError("stored \(stored) alerts, expected \(expected)") }
    singleRates.append(single)
    batchRates.append(batched)
    print(
        String(
            format: "trial %d: single-alert requests %8.0f alerts/s | 1,000-alert NDJSON batches %8.0f alerts/s", trial + 1,
            single, batched))
    progress("trial \(trial + 1): shutting down")
    await app.shutdown()
    try await running.value
    progress("trial \(trial + 1): stopped")
}
let singleMedian = median(singleRates)
let batchMedian = median(batchRates)
print(
    String(
        format: "median: single-alert %8.0f alerts/s (target >= 5000: %@)", singleMedian, singleMedian >= 5000 ? "PASS" : "FAIL"))
print(
    String(
        format: "median: NDJSON batch %8.0f alerts/s (target >= 20000: %@)", batchMedian, batchMedian >= 20000 ? "PASS" : "FAIL"))
