// Grouping cost at scale: store-level ingest of 1,000-alert batches, with a grouping rule and a
// suppression rule in force, into an empty store and into one already holding 1M open alerts in
// many incidents. Target: the full store's rate within 20% of the empty store's (constant time
// per alert: index probes only, no scan of open incidents).
//
// Usage: GroupingBenchmark [--trials N] [--batches N] [--fill N] [--per-incident N]
import Foundation
import RiposteCore
import RiposteIngest
import RiposteRuntime
import RiposteStoreSQLite
import RiposteTesting

struct Options {
    var trials: Int
    var batches: Int
    var fill: Int
    var perIncident: Int

    init() {
        let arguments = BenchmarkArguments(
            usage: "GroupingBenchmark [--trials N] [--batches N] [--fill N] [--per-incident N]",
            flags: ["--trials", "--batches", "--fill", "--per-incident"])
        trials = arguments.int("--trials", default: 5)
        batches = arguments.int("--batches", default: 20)
        fill = arguments.int("--fill", default: 1_000_000)
        perIncident = arguments.int("--per-incident", default: 20)
    }
}

/// Real Suricata alerts from the corpus, re-addressed and re-numbered so each is a distinct alert.
struct AlertFactory {
    let templates: [AlertDraft]

    init() throws {
        var templates: [AlertDraft] = []
        for file in ["elcabezzonn_smbexec.eve-alerts.jsonl", "elcabezzonn_winrm_psremote_05-16.eve-alerts.jsonl"] {
            let body = Array(try Corpus.contents("pcaps/expected-alerts/\(file)"))
            templates += try AlertIngest.parse(body: body, source: "suricata")
        }
        self.templates = templates
    }

    /// Alert `n` from host `sourceIP`: the template's fields and observables with the address replaced.
    func draft(_ n: Int, sourceIP: String, tag: String) -> AlertDraft {
        var draft = templates[n % templates.count]
        let old = draft.sourceEndpoint.ip
        draft.sourceRef = "\(tag)-\(n)"
        draft.sourceEndpoint.ip = sourceIP
        draft.observables = draft.observables.map { observable in
            observable.value == old ? ObservableDraft(type: observable.type, normalizedValue: sourceIP) : observable
        }
        return draft
    }
}

/// Runs on the global executor: the store calls resume on their own threads, and nothing here needs the main actor.
@concurrent func benchmark() async throws {
    let options = Options()
    let factory = try AlertFactory()
    let ids = ULIDGenerator()
    let t0 = Date()
    let rules = AlertRuleSet(
        groupingRules: [
            GroupingRule(
                id: GroupingRuleID(rawValue: "grp_bench"), name: "suricata host pair",
                condition: AlertCondition(clauses: [ConditionClause(field: .source, test: .equals("suricata"))]),
                groupBy: [.sourceIP, .destinationIP], window: .seconds(86_400), maxAlerts: 10_000, createdAt: t0, updatedAt: t0)
        ],
        suppressionRules: [
            SuppressionRule(
                id: SuppressionRuleID(rawValue: "sup_bench"), name: "benchmark network (matches nothing measured)",
                condition: AlertCondition(clauses: [ConditionClause(field: .sourceIP, test: .cidr(CIDRBlock("198.18.0.0/15")!))]),
                owner: "bench", reason: "benchmark", expiresAt: t0.addingTimeInterval(86_400), createdAt: t0, updatedAt: t0)
        ])
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("riposte-grouping-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: root) }

    func openStore(_ name: String) async throws -> SQLiteStore {
        let directory = root + "/" + name
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return try await SQLiteStore.open(path: directory + "/riposte.sqlite", ids: ids)
    }

    /// Ingests `batches` batches of 1,000 alerts from hosts 172.(16 + trial).x.y (1,000 host pairs per
    /// trial, so the first batch opens incidents and the rest join them) and returns alerts/s.
    /// Each alert's decision (suppression check, grouping rule, fingerprint) is part of the measured work.
    func measure(_ store: SQLiteStore, trial: Int, tag: String) async throws -> (wall: Double, cpu: Double) {
        let start = ContinuousClock.now
        let cpuStart = processCPUSeconds()
        for batch in 0..<options.batches {
            let now = Date()
            let prepared = (0..<1_000).map { index in
                let n = batch * 1_000 + index
                let host = n % 1_000
                let draft = factory.draft(
                    n, sourceIP: "172.\(16 + trial).\(host / 250).\(host % 250 + 1)", tag: "\(tag)-\(trial)")
                return rules.prepare(draft, id: ids.next(), now: now)
            }
            let outcomes = try await store.ingest(prepared, policy: GroupingPolicy(), now: now)
            precondition(outcomes.allSatisfy { !$0.duplicate && $0.incidentID != nil }, "every measured alert is new and grouped")
        }
        let alerts = Double(options.batches * 1_000)
        return (alerts / (ContinuousClock.now - start).seconds, alerts / (processCPUSeconds() - cpuStart))
    }

    // The full store: `fill` alerts from fill / perIncident hosts in 10.0.0.0/8, all open.
    let full = try await openStore("full")
    let hosts = max(1, options.fill / options.perIncident)
    let fillStart = ContinuousClock.now
    var filled = 0
    while filled < options.fill {
        let now = Date()
        let count = min(1_000, options.fill - filled)
        let prepared = (0..<count).map { index in
            let n = filled + index
            let host = n % hosts
            let draft = factory.draft(n, sourceIP: "10.\(host / 65_536).\((host / 256) % 256).\(host % 256)", tag: "fill")
            return rules.prepare(draft, id: ids.next(), now: now)
        }
        _ = try await full.ingest(prepared, policy: GroupingPolicy(), now: now)
        filled += count
    }
    let fillSeconds = (ContinuousClock.now - fillStart).seconds
    let openIncidents = try await full.read { connection in
        try connection.queryOne("SELECT count(*), sum(alert_count) FROM incidents WHERE status = 'new'") {
            ($0.int(0), $0.int(1))
        }
    }
    print(
        "fill: \(filled) alerts in \(openIncidents?.0 ?? 0) open incidents (\(openIncidents?.1 ?? 0) alerts) in "
            + String(format: "%.1f s (%.0f alerts/s)", fillSeconds, Double(filled) / fillSeconds))

    // Trials alternate empty and full so machine noise falls on both; a fresh empty store per trial.
    var emptyRates: [(wall: Double, cpu: Double)] = []
    var fullRates: [(wall: Double, cpu: Double)] = []
    for trial in 0...options.trials {
        let empty = try await openStore("empty-\(trial)")
        let emptyRate = try await measure(empty, trial: trial, tag: "empty")
        await empty.close()
        let fullRate = try await measure(full, trial: trial, tag: "full")
        if trial == 0 { continue }  // warm-up
        emptyRates.append(emptyRate)
        fullRates.append(fullRate)
        print(
            String(
                format: "trial %d: empty %.0f alerts/s (%.0f per CPU-second), full %.0f alerts/s (%.0f per CPU-second)", trial,
                emptyRate.wall, emptyRate.cpu, fullRate.wall, fullRate.cpu))
    }
    await full.close()

    let emptyMedian = median(emptyRates.map(\.wall))
    let fullMedian = median(fullRates.map(\.wall))
    print(
        String(
            format:
                "median over %d trials of %d x 1,000-alert batches: empty %.0f alerts/s, with %d open alerts %.0f alerts/s, ratio %.3f (target >= 0.80: %@)",
            options.trials, options.batches, emptyMedian, filled, fullMedian, fullMedian / emptyMedian,
            fullMedian / emptyMedian >= 0.8 ? "PASS" : "FAIL"))
    let emptyCPU = median(emptyRates.map(\.cpu))
    let fullCPU = median(fullRates.map(\.cpu))
    print(
        String(
            format: "median per CPU-second (steadier on a shared machine): empty %.0f, full %.0f, ratio %.3f",
            emptyCPU, fullCPU, fullCPU / emptyCPU))
}

try await benchmark()
