// Enrichment throughput: 10,000 IPv4 observables in `enrich.observable` jobs of 500, claimed from the
// SQLite job queue, run through the Enricher (VirusTotal provider, no rate limit, 8 lookups in
// flight) against the local vendor simulator over loopback HTTP, answers and verdicts stored, jobs
// completed — first with a cold cache (every value asked), then with a warm cache (every value
// answered from the stored results). Reports jobs/s and observables/s per trial and the medians, and
// the warm (cache-hit) path's process CPU time per observable.
//
// Usage: EnrichmentBenchmark [--trials N] [--observables N] [--job N]
import Foundation
import RiposteApp
import RiposteCore
import RiposteIntel
import RiposteRuntime
import RiposteTesting
import Synchronization

struct Options {
    var trials: Int
    var observables: Int
    var jobSize: Int

    init() {
        let arguments = BenchmarkArguments(
            usage: "EnrichmentBenchmark [--trials N] [--observables N] [--job N]", flags: ["--trials", "--observables", "--job"])
        trials = arguments.int("--trials", default: 5)
        observables = arguments.int("--observables", default: 10_000)
        jobSize = arguments.int("--job", default: 500)
    }
}

/// An advancing clock: each cold trial moves past the TTL so every cached answer is stale.
final class BenchClock: Sendable {
    let time = Mutex(Date())
    var clock: WallClock { WallClock { [self] in time.withLock { $0 } } }
    func advance(_ seconds: Double) { time.withLock { $0 = $0.addingTimeInterval(seconds) } }
}

/// Enqueues the jobs and works the queue as the enrichment worker does; returns (jobs, seconds, CPU seconds).
func drain(
    _ store: any RiposteStore, enricher: Enricher, items: [EnrichmentItem], jobSize: Int, clock: WallClock
) async throws -> (Int, Double, Double, EnrichmentRunSummary) {
    let ids = ULIDGenerator()
    let jobs = stride(from: 0, to: items.count, by: jobSize).map { start in
        let slice = items[start..<min(start + jobSize, items.count)]
        return Job(
            id: ids.next(), kind: JobKinds.enrichObservable,
            payload: .object([
                (
                    "observables",
                    .array(
                        slice.map {
                            .object([
                                ("id", .string($0.observableID.rawValue)), ("type", .string($0.key.type.rawValue)),
                                ("value", .string($0.key.value)),
                            ])
                        })
                )
            ]), runAt: clock.now().addingTimeInterval(-1))
    }
    try await store.enqueue(jobs)
    var total = EnrichmentRunSummary()
    let cpu = processCPUSeconds()
    let started = ContinuousClock.now
    while true {
        let claimed = try await store.claim(
            kinds: [JobKinds.enrichObservable], limit: 1, now: clock.now(), lease: .seconds(600))
        guard let job = claimed.first else { break }
        let batch = (job.payload["observables"]?.arrayValue ?? []).compactMap { entry -> EnrichmentItem? in
            guard let id = entry["id"]?.stringValue, let value = entry["value"]?.stringValue else { return nil }
            return EnrichmentItem(observableID: ObservableID(rawValue: id), key: EnrichmentKey(type: .ipv4, value: value))
        }
        let summary = try await enricher.enrich(batch)
        total.calls += summary.calls
        total.cacheHits += summary.cacheHits
        total.errors += summary.errors
        total.raised += summary.raised
        try await store.complete([job.id])
    }
    return (jobs.count, (ContinuousClock.now - started) / .seconds(1), processCPUSeconds() - cpu, total)
}

nonisolated func run() async throws {
    let options = Options()
    let key = "bench-vt-key"
    let simulator = ReputationSimulator(key: key)
    // Public-looking addresses (private ones are never sent to a reputation service); nothing leaves the host.
    let values = (0..<options.observables).map { "45.\($0 / 65_536).\(($0 / 256) % 256).\($0 % 256)" }
    for (index, value) in values.enumerated() {
        // Every 10th address is flagged by 5 engines, the rest are clean.
        let malicious = index % 10 == 0 ? 5 : 0
        simulator.setVirusTotal(
            "ip_addresses/" + value,
            #"{"data":{"id":"\#(value)","type":"ip_address","attributes":{"as_owner":"EXAMPLE","asn":64500,"country":"NL","last_analysis_stats":{"harmless":60,"malicious":\#(malicious),"suspicious":0,"undetected":30,"timeout":0}}}}"#
        )
    }
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("riposte-bench-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: directory) }
    var configuration = AppConfiguration()
    configuration.dataDirectory = directory
    let store: any RiposteStore = try await Application.openStore(configuration, ids: ULIDGenerator())
    // The observables: alerts of 100 addresses each, in one incident per alert.
    let ids = ULIDGenerator()
    var items: [EnrichmentItem] = []
    for start in stride(from: 0, to: values.count, by: 100) {
        let drafts = values[start..<min(start + 100, values.count)].map { ObservableDraft(type: .ipv4, normalizedValue: $0) }
        let alert = PreparedAlert(
            id: ids.next(),
            draft: AlertDraft(
                source: "generic", sourceRef: "bench-\(start)", title: "bench", severity: .low, time: nil, observables: drafts,
                raw: [], parserVersion: 1), fingerprint: "fp-\(start)")
        _ = try await store.ingest([alert], policy: GroupingPolicy(), now: Date())
        items += try await store.observables(alert: alert.id).map {
            EnrichmentItem(observableID: $0.id, key: EnrichmentKey(type: .ipv4, value: $0.value))
        }
    }
    let time = BenchClock()
    print(
        "Enrichment benchmark: \(options.trials) trials, \(items.count) observables in jobs of \(options.jobSize), VirusTotal provider against the loopback simulator, SQLite, release build"
    )
    var coldRates: [Double] = []
    var warmRates: [Double] = []
    var warmCPU: [Double] = []
    try await withLoopbackServer(responder: simulator) { base in
        let provider = VirusTotalProvider(
            endpoint: ProviderEndpoint(baseURL: base, keyHeader: "x-apikey", key: Secret(key), http: URLSessionHTTPClient()),
            clock: time.clock)
        let enricher = Enricher(
            providers: [.init(provider, ProviderSettings(timeout: .seconds(30), ttl: .seconds(3600), concurrency: 8))],
            store: store, clock: time.clock, metrics: Metrics(), logger: .disabled)
        for trial in 0..<options.trials {
            time.advance(3601)
            let (jobs, seconds, _, cold) = try await drain(
                store, enricher: enricher, items: items, jobSize: options.jobSize, clock: time.clock)
            guard cold.calls == items.count, cold.errors == 0 else {
                fatalError("cold: \(cold.calls) calls, \(cold.errors) errors for \(items.count) observables")
            }
            let (_, warmSeconds, cpu, warm) = try await drain(
                store, enricher: enricher, items: items, jobSize: options.jobSize, clock: time.clock)
            guard warm.cacheHits == items.count, warm.calls == 0 else {
                fatalError("warm: \(warm.cacheHits) cache hits, \(warm.calls) calls for \(items.count) observables")
            }
            coldRates.append(Double(jobs) / seconds)
            warmRates.append(Double(jobs) / warmSeconds)
            warmCPU.append(cpu / Double(items.count))
            print(
                String(
                    format:
                        "trial %d: cold %6.2f jobs/s (%7.0f observables/s) | warm %7.1f jobs/s (%8.0f observables/s), %.1f µs CPU per cache hit",
                    trial + 1, coldRates.last!, coldRates.last! * Double(options.jobSize), warmRates.last!,
                    warmRates.last! * Double(options.jobSize), warmCPU.last! * 1e6))
        }
    }
    await store.close()
    let cold = median(coldRates)
    let warm = median(warmRates)
    print(String(format: "median cold (simulator): %6.2f jobs/s, %7.0f observables/s", cold, cold * Double(options.jobSize)))
    print(String(format: "median warm (cache):     %6.1f jobs/s, %7.0f observables/s", warm, warm * Double(options.jobSize)))
    print(
        String(
            format: "warm/cold ratio: %.1f×; cache-hit path %.1f µs process CPU per observable", warm / cold,
            median(warmCPU) * 1e6))
}

try await run()
