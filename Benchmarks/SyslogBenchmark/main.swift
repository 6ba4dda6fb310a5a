// Syslog over UDP into `riposte serve`: CEF messages received, parsed and persisted (each an alert with
// its observables and incident). Target: ≥ 50,000 messages/s on 2 cores, with every loss reported.
//
// A sender thread offers messages at a fixed rate for a few seconds; the run ends when every sent
// message is accounted for as stored or as a counted drop (kernel buffer, full queue). The rate
// reported is stored messages over the time from the first send to the last commit.
//
// Usage: SyslogBenchmark [--trials N] [--seconds S] [--rates 25000,50000,75000]
import Foundation
import RiposteApp
import RiposteCore
import RiposteIngest
import RiposteRuntime
import RiposteTesting
import Synchronization

struct Options {
    var trials: Int
    var seconds: Double
    var rates: [Int]

    init() {
        let arguments = BenchmarkArguments(
            usage: "SyslogBenchmark [--trials N] [--seconds S] [--rates 25000,50000,75000]",
            flags: ["--trials", "--seconds", "--rates"])
        trials = arguments.int("--trials", default: 3)
        seconds = arguments.double("--seconds", default: 4)
        rates = arguments.ints("--rates", default: [25_000, 50_000, 75_000])
    }
}

/// Real CEF lines from the Graylog fixtures, each made distinct with a sequence number (`cn1`) and an
/// `externalId`, so no message is a duplicate of another.
func cefMessages(count: Int, run: Int) throws -> [[UInt8]] {
    let templates = [
        "<13>Sep 19 08:26:10 fw01 CEF:0|security|threatmanager|1.0|100|worm successfully stopped|10|src=10.0.0.1 dst=2.1.2.2 spt=1232",
        "<13>Sep 10 23:54:51 172.30.0.20 ASM:CEF:0|F5|ASM|11.0.0|IP Enforcer Attack|IP Enforcer Attack|8|dvchost=3600.lab.asm.f5net.com dvc=172.30.0.20 act=Blocked src=192.168.74.169 request=/login.php",
        "<13>Sep 21 17:07:40 hostname CEF:0|Fortinet|Fortigate|v5.6.2|00015|traffic:forward accept|3|src=192.168.1.33 dst=104.16.88.20 spt=54321 dpt=443 suser=alice requestClientApplication=curl",
    ]
    return (0..<count).map { index in
        Array("\(templates[index % templates.count]) externalId=r\(run)-\(index) cn1=\(index)".utf8)
    }
}

/// Sends `messages` to the port at `rate` per second, in 1 ms slices; returns when all are sent.
func send(_ messages: [[UInt8]], port: Int, rate: Int) throws {
    let client = try LoopbackUDPClient(port: port)
    let start = DispatchTime.now().uptimeNanoseconds
    var sent = 0
    while sent < messages.count {
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let due = min(messages.count, Int(elapsed * Double(rate)) + 1)
        while sent < due {
            try client.send(messages[sent])
            sent += 1
        }
        usleep(500)
    }
}

let options = Options()
print(
    "Syslog UDP benchmark: CEF messages stored as alerts, \(options.trials) trials of \(options.seconds) s per offered rate, release build, \(ProcessInfo.processInfo.activeProcessorCount) cores"
)
var run = 0
var summary: [(rate: Int, stored: Double, lossPercent: Double)] = []
for rate in options.rates {
    var rates: [Double] = []
    var losses: [Double] = []
    for trial in 0..<options.trials {
        run += 1
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("riposte-bench-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let configuration = try AppConfiguration(
            flags: ["RIPOSTE_DATA": directory, "RIPOSTE_LISTEN": "127.0.0.1:0", "RIPOSTE_SYSLOG": "udp://127.0.0.1:0/cef"],
            environment: Environment([:]), configFile: nil)
        let app = try await Application.build(configuration, logger: .disabled, accessLog: { _ in })
        _ = try await app.start()
        let running = Task.detached { try await app.run() }
        let listener = app.syslogListeners[0]
        let label = ("listener", listener.listenerName)
        let messages = try cefMessages(count: Int(Double(rate) * options.seconds), run: run)

        let start = DispatchTime.now().uptimeNanoseconds
        try await Task.detached { try send(messages, port: listener.port, rate: rate) }.value
        func storedCount() -> Double { app.metrics.value("riposte_alerts_ingested_total", labels: [("source", "cef")]) }
        func droppedCount() -> Double {
            ["kernel", "queue_full", "oversized", "store_failed"].reduce(0) {
                $0 + app.metrics.value("riposte_syslog_dropped_total", labels: [label, ("reason", $1)])
            }
        }
        /// Waits until stored + dropped reaches `target` or nothing changed for `quiet`; returns the last change.
        func settle(_ target: Double, quiet: UInt64) async throws -> UInt64 {
            var last = storedCount()
            var lastChange = DispatchTime.now().uptimeNanoseconds
            while true {
                let now = DispatchTime.now().uptimeNanoseconds
                let current = storedCount()
                if current != last {
                    last = current
                    lastChange = now
                }
                if current + droppedCount() >= target || now - lastChange > quiet { return lastChange }
                try await Task.sleep(for: .milliseconds(1))
            }
        }
        // The rate counts the messages stored from the first send to the last commit.
        let finished = try await settle(Double(messages.count), quiet: 500_000_000)
        let stored = storedCount()
        // Accounted for: stored, or dropped with a reason. A late datagram carries the kernel's drop count.
        let probe = try LoopbackUDPClient(port: listener.port)
        try probe.send(Array("<13>Sep 19 08:26:10 probe CEF:0|bench|probe|1|p|probe|1|externalId=probe-\(run)".utf8))
        let sent = Double(messages.count + 1)
        _ = try await settle(sent, quiet: 5_000_000_000)
        let dropped = droppedCount()
        let byReason = ["kernel", "queue_full"].map { reason in
            "\(reason) \(Int(app.metrics.value("riposte_syslog_dropped_total", labels: [label, ("reason", reason)])))"
        }.joined(separator: ", ")
        let seconds = Double(finished - start) / 1e9
        let received = app.metrics.value("riposte_syslog_messages_total", labels: [label])
        let storedRate = stored / seconds
        rates.append(storedRate)
        losses.append(100 * dropped / sent)
        print(
            String(
                format:
                    "offered %6d/s trial %d: sent %7.0f  received %7.0f  stored %7.0f  dropped %6.0f (%.2f%%: %@)  unaccounted %.0f  -> %8.0f stored/s",
                rate, trial + 1, sent, received, storedCount(), dropped, 100 * dropped / sent, byReason,
                sent - storedCount() - dropped,
                storedRate))
        await app.shutdown()
        try await running.value
    }
    summary.append((rate, median(rates), median(losses)))
}
print("")
for line in summary {
    print(
        String(
            format: "offered %6d/s: median %8.0f messages/s stored, median loss %.2f%%", line.rate, line.stored, line.lossPercent)
    )
}
let best = summary.filter { $0.lossPercent == 0 }.map(\.stored).max() ?? 0
print(
    String(
        format: "highest loss-free median: %.0f messages/s (target >= 50000: %@)", best, best >= 50_000 ? "PASS" : "FAIL"))
