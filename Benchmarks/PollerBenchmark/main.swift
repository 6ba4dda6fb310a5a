// QRadar poller throughput: offenses pulled from a local QRadar simulator over real loopback HTTP
// (Range paging, source address lookups in batches) and stored through ingest into SQLite, as
// `riposte serve` does; then the same offenses re-polled after QRadar re-persisted every one of
// them, which ingest answers as duplicates. Reports offenses/s per trial and the medians.
//
// Usage: PollerBenchmark [--trials N] [--offenses N] [--page N]
import Foundation
import RiposteApp
import RiposteCore
import RiposteIngest
import RiposteRuntime
import RiposteTesting

struct Options {
    var trials: Int
    var offenses: Int
    var pageSize: Int

    init() {
        let arguments = BenchmarkArguments(
            usage: "PollerBenchmark [--trials N] [--offenses N] [--page N]", flags: ["--trials", "--offenses", "--page"])
        trials = arguments.int("--trials", default: 5)
        offenses = arguments.int("--offenses", default: 10_000)
        pageSize = arguments.int("--page", default: 50)
    }
}

/// `count` offenses made from the two corpus offenses: distinct ids, rising persist times, and
/// source address ids from a pool of 2,000 addresses (offenses of one source share an address).
func offenses(_ count: Int, persistedFrom base: Int64) throws -> [[String: Any]] {
    let corpus = try QRadarSimulator.corpusOffenses()
    return (0..<count).map { index in
        var offense = corpus[index % corpus.count]
        offense["id"] = 1_000 + index
        offense["last_persisted_time"] = base + Int64(index)
        offense["source_address_ids"] = [index % 2_000, (index * 7) % 2_000]
        offense["offense_source"] = "10.\(index % 200).\((index / 200) % 256).\(index % 256)"
        return offense
    }
}

/// Polls until a poll finds nothing new; returns how many alerts were handed to ingest.
func drain(_ poller: PollerService) async throws -> Int {
    var total = 0
    while true {
        let items = try await poller.pollOnce()
        if items == 0 { return total }
        total += items
    }
}

let options = Options()
let token = "bench-sec-token"
let addresses = Dictionary(uniqueKeysWithValues: (0..<2_000).map { ($0, "198.51.\(100 + $0 / 250).\($0 % 250)") })
var newRates: [Double] = []
var repollRates: [Double] = []
print(
    "Poller benchmark: \(options.trials) trials, \(options.offenses) QRadar offenses, pages of \(options.pageSize), loopback HTTP, SQLite, release build"
)
for trial in 0..<options.trials {
    let simulator = QRadarSimulator(
        token: token, offenses: try offenses(options.offenses, persistedFrom: 1_700_000_000_000), sourceAddresses: addresses)
    try await withLoopbackServer(responder: simulator) { url in
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("riposte-bench-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let configuration = try AppConfiguration(
            flags: [
                "RIPOSTE_DATA": directory, "RIPOSTE_LISTEN": "127.0.0.1:0", "RIPOSTE_QRADAR_URL": url.absoluteString,
                "RIPOSTE_QRADAR_TOKEN": token, "RIPOSTE_QRADAR_LOOKBACK": "0",
                "RIPOSTE_QRADAR_PAGE_SIZE": String(options.pageSize),
            ], environment: Environment([:]), configFile: nil)
        let app = try await Application.build(configuration, logger: .disabled, accessLog: { _ in })
        guard let poller = app.pollers.first else { fatalError("no QRadar poller configured") }

        var started = ContinuousClock.now
        let stored = try await drain(poller)
        let newSeconds = (ContinuousClock.now - started) / .seconds(1)
        let ingested = app.metrics.value("riposte_alerts_ingested_total", labels: [("source", "qradar")])
        // A poll that stops at its page cap saves the cursor short of its last offense (which is
        // fetched again, as a duplicate, by the next poll), so a few more than `offenses` are polled.
        guard stored >= options.offenses, Int(ingested) == options.offenses else {
            fatalError("polled \(stored), stored \(ingested) alerts; expected \(options.offenses)")
        }
        let duplicatesBefore = app.metrics.value("riposte_alerts_duplicate_total", labels: [("source", "qradar")])

        // QRadar re-persists every offense: each comes back once and is a duplicate.
        simulator.upsert(try offenses(options.offenses, persistedFrom: 1_800_000_000_000))
        started = ContinuousClock.now
        let repolled = try await drain(poller)
        let repollSeconds = (ContinuousClock.now - started) / .seconds(1)
        let duplicates =
            app.metrics.value("riposte_alerts_duplicate_total", labels: [("source", "qradar")]) - duplicatesBefore
        guard repolled >= options.offenses, Int(duplicates) == repolled,
            app.metrics.value("riposte_alerts_ingested_total", labels: [("source", "qradar")]) == Double(options.offenses)
        else {
            fatalError("re-polled \(repolled), duplicates \(duplicates); expected \(options.offenses)")
        }
        await app.shutdown()
        await app.store.close()

        newRates.append(Double(options.offenses) / newSeconds)
        repollRates.append(Double(options.offenses) / repollSeconds)
        print(
            String(
                format: "trial %d: new offenses %7.0f offenses/s | re-polled (duplicates) %7.0f offenses/s", trial + 1,
                newRates.last!, repollRates.last!))
    }
}
print(String(format: "median: new offenses %7.0f offenses/s", median(newRates)))
print(String(format: "median: re-polled offenses (duplicates) %7.0f offenses/s", median(repollRates)))
