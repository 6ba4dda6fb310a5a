// Retro-hunt: 100,000 newly imported indicators matched against 1,000,000 past observables in the
// SQLite store, hits recorded with their timeline events. Target: ≤ 5 s.
//
// Each trial imports a fresh set of indicators, 10,000 of which name stored observables (so every
// trial records real matches), the rest random values.
//
// Usage: RetroHuntBenchmark [--observables N] [--indicators N] [--trials N]
import Foundation
import RiposteCore
import RiposteRuntime
import RiposteStoreSQLite
import RiposteTesting
import RiposteWeb

struct Options {
    var observables: Int
    var indicators: Int
    var trials: Int

    init() {
        let arguments = BenchmarkArguments(
            usage: "RetroHuntBenchmark [--observables N] [--indicators N] [--trials N]",
            flags: ["--observables", "--indicators", "--trials"])
        observables = arguments.int("--observables", default: 1_000_000)
        indicators = arguments.int("--indicators", default: 100_000)
        trials = arguments.int("--trials", default: 3)
    }
}

/// The i-th stored observable value: a distinct documentation-range-free IPv4 address.
func address(_ index: Int) -> String {
    let value = UInt32(0x0B00_0000 + index)  // 11.0.0.0 upwards
    return "\(value >> 24).\(value >> 16 & 0xFF).\(value >> 8 & 0xFF).\(value & 0xFF)"
}

/// The whole run, off the main actor (the top level is main-actor code, and the store resumes its
/// callers on its own threads).
nonisolated func run() async throws {
    let options = Options()
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("riposte-retro-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let ids = ULIDGenerator()
    let store = try await SQLiteStore.open(path: directory + "/riposte.sqlite", configuration: SQLiteConfiguration(), ids: ids)
    let now = Date()

    // 4 observables per alert, each alert its own incident, in 1,000-alert transactions.
    let perAlert = 4
    let alerts = options.observables / perAlert
    let setupStart = ContinuousClock.now
    for batchStart in stride(from: 0, to: alerts, by: 1000) {
        let batch = (batchStart..<min(alerts, batchStart + 1000)).map { alert in
            let observables = (0..<perAlert).compactMap { ObservableDraft(.ipv4, address(alert * perAlert + $0)) }
            let draft = AlertDraft(
                source: "bench", sourceRef: "a-\(alert)", title: "alert \(alert)", severity: .medium, time: now,
                observables: observables, raw: Array("{}".utf8), parserVersion: 1)
            return PreparedAlert(id: ids.next(AlertKind.self), draft: draft, fingerprint: "fp-\(alert)")
        }
        _ = try await store.ingest(batch, policy: GroupingPolicy(), now: now)
    }
    print(
        "RetroHuntBenchmark: \(alerts * perAlert) past observables stored in \((ContinuousClock.now - setupStart).formatted()), "
            + "\(options.indicators) new indicators per trial, release build")

    let intel = IntelService(store: store, clock: .system, logger: .disabled, metrics: Metrics(), retroHuntDays: 30)
    var random = SplitMix64(seed: 42)
    var seconds: [Double] = []
    for trial in 0..<options.trials {
        // 10% of the indicators name stored observables (a different slice each trial), the rest are random.
        let matching = options.indicators / 10
        var indicators: [Indicator] = (0..<matching).map { index in
            Indicator(type: .ipv4, value: address(trial * matching + index), feed: "late-\(trial)", firstSeen: now)
        }
        while indicators.count < options.indicators {
            let value = UInt32(truncatingIfNeeded: random.next()) | 0xC000_0000  // 192.0.0.0 and up: never stored
            indicators.append(
                Indicator(type: .ipv4, value: IPAddress.v4(value).description, feed: "late-\(trial)", firstSeen: now))
        }
        let start = ContinuousClock.now
        let result = try await intel.retroHunt(indicators, now: now)
        let elapsed = ContinuousClock.now - start
        let duration = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        seconds.append(duration)
        guard result.matched == matching else {
            fatalError("trial \(trial + 1): matched \(result.matched), expected \(matching)")
        }
        print(
            String(
                format: "trial %d: scanned %d observables, matched %d, %.2f s", trial + 1, result.scanned, result.matched,
                duration))
    }
    await store.close()
    let result = median(seconds)
    print(String(format: "median: %.2f s (target <= 5 s: %@)", result, result <= 5 ? "PASS" : "FAIL"))
}

try await run()
