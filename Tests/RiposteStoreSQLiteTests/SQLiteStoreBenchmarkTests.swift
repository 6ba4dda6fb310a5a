// Throughput of the ingest path and the incident list at scale. Prints numbers, asserts no timings.
// Run in release: RIPOSTE_STORE_BENCHMARK=1 swift test -c release --filter SQLiteStoreBenchmarkTests
import Foundation
import RiposteCore
import RiposteRuntime
import RiposteStoreSQLite
import Testing

@Suite("SQLite store benchmark")
struct SQLiteStoreBenchmarkTests {
    static let enabled = ProcessInfo.processInfo.environment["RIPOSTE_STORE_BENCHMARK"] == "1"

    /// Alerts shaped like real ones: a rule, two addresses, a user or domain, a ~600-byte raw payload.
    static func alerts(count: Int, offset: Int, fingerprints: Int?, ids: ULIDGenerator) -> [PreparedAlert] {
        (0..<count).map { index in
            let n = offset + index
            let fingerprint = fingerprints.map { "fp-\(n % $0)" } ?? "fp-unique-\(n)"
            let source = "10.\(n % 200).\(n % 7).\(n % 250 + 1)"
            let destination = "203.0.113.\(n % 97 + 1)"
            var observables = [
                ObservableDraft(type: .ipv4, normalizedValue: source),
                ObservableDraft(type: .ipv4, normalizedValue: destination),
            ]
            observables.append(
                n % 2 == 0
                    ? ObservableDraft(type: .username, normalizedValue: "user\(n % 300)")
                    : ObservableDraft(type: .domain, normalizedValue: "host\(n % 400).example"))
            let raw = Array(
                ("{\"event_type\":\"alert\",\"src_ip\":\"\(source)\",\"dest_ip\":\"\(destination)\",\"alert\":{\"signature_id\":\(n % 5000),"
                    + "\"signature\":\"ET POLICY something suspicious \(n % 5000)\",\"category\":\"Potentially Bad Traffic\"},"
                    + "\"payload\":\"" + String(repeating: "A", count: 400) + "\"}").utf8)
            let draft = AlertDraft(
                source: "suricata", sourceRef: "ref-\(n)", title: "ET POLICY something suspicious \(n % 5000)",
                severity: Severity(rawValue: n % 6) ?? .medium, time: Date(timeIntervalSince1970: 1_700_000_000),
                rule: DetectionRule(uid: "\(n % 5000)", name: "ET POLICY", category: "Potentially Bad Traffic"),
                sourceEndpoint: Endpoint(ip: source, port: 40000 + n % 20000),
                destinationEndpoint: Endpoint(ip: destination, port: 443), hostName: "sensor-1",
                userName: n % 2 == 0 ? "user\(n % 300)" : nil, observables: observables, raw: raw, parserVersion: 1)
            return PreparedAlert(id: ids.next(), draft: draft, fingerprint: fingerprint)
        }
    }

    /// CPU seconds (user + system) this process has used: steadier than wall time on a shared machine.
    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    @Test("Ingest and list throughput", .enabled(if: enabled))
    func throughput() async throws {
        try await withTemporaryDirectory { directory in
            let ids = ULIDGenerator()
            let store = try await openStore(in: directory, ids: ids)
            let clock = ContinuousClock()
            var now = Date(timeIntervalSince1970: 1_700_000_000)
            var offset = 0

            // 1. Batches of 1,000 with grouping: 5,000 fingerprints, most alerts join an incident.
            let grouped = (0..<30).map { Self.alerts(count: 1000, offset: $0 * 1000, fingerprints: 5000, ids: ids) }
            offset = 30_000
            var start = clock.now
            var cpu = Self.cpuSeconds()
            for batch in grouped {
                now += 1
                _ = try await store.ingest(batch, policy: GroupingPolicy(), now: now)
            }
            var elapsed = Self.seconds(clock.now - start)
            print(
                "benchmark: grouped batches of 1000: \(Int(30_000 / elapsed)) alerts/s (30,000 in \(elapsed) s; process CPU \(Self.cpuSeconds() - cpu) s = \(Int(30_000 / (Self.cpuSeconds() - cpu))) alerts per CPU-second)"
            )

            // 2. Batches of 1,000 where every alert opens its own incident (worst case).
            let unique = (0..<30).map { Self.alerts(count: 1000, offset: offset + $0 * 1000, fingerprints: nil, ids: ids) }
            offset += 30_000
            start = clock.now
            cpu = Self.cpuSeconds()
            for batch in unique {
                now += 1
                _ = try await store.ingest(batch, policy: GroupingPolicy(), now: now)
            }
            elapsed = Self.seconds(clock.now - start)
            print(
                "benchmark: unique batches of 1000: \(Int(30_000 / elapsed)) alerts/s (30,000 in \(elapsed) s; process CPU \(Self.cpuSeconds() - cpu) s = \(Int(30_000 / (Self.cpuSeconds() - cpu))) alerts per CPU-second)"
            )

            // 3. Single-alert calls, grouped.
            let singles = Self.alerts(count: 10_000, offset: offset, fingerprints: 5000, ids: ids)
            offset += 10_000
            start = clock.now
            cpu = Self.cpuSeconds()
            for alert in singles {
                now += 0.001
                _ = try await store.ingest([alert], policy: GroupingPolicy(), now: now)
            }
            elapsed = Self.seconds(clock.now - start)
            print(
                "benchmark: single-alert ingest calls: \(Int(10_000 / elapsed)) calls/s (10,000 in \(elapsed) s; process CPU \(Self.cpuSeconds() - cpu) s)"
            )

            // 3b. Single-alert calls from 32 concurrent callers (HTTP clients), grouped.
            let concurrent = Self.alerts(count: 20_000, offset: offset, fingerprints: 5000, ids: ids)
            offset += 20_000
            let base = now
            start = clock.now
            cpu = Self.cpuSeconds()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<32 {
                    group.addTask {
                        for index in stride(from: worker, to: concurrent.count, by: 32) {
                            _ = try await store.ingest([concurrent[index]], policy: GroupingPolicy(), now: base + 1)
                        }
                    }
                }
                try await group.waitForAll()
            }
            now = base + 2
            elapsed = Self.seconds(clock.now - start)
            print(
                "benchmark: single-alert ingest calls, 32 concurrent callers: \(Int(20_000 / elapsed)) calls/s (20,000 in \(elapsed) s; process CPU \(Self.cpuSeconds() - cpu) s)"
            )

            // 4. The incident list at 100k incidents.
            var incidents = try await store.read { try $0.queryOne("SELECT count(*) FROM incidents") { $0.int(0) } ?? 0 }
            while incidents < 100_000 {
                let batch = Self.alerts(count: 1000, offset: offset, fingerprints: nil, ids: ids)
                offset += 1000
                now += 1
                _ = try await store.ingest(batch, policy: GroupingPolicy(), now: now)
                incidents += 1000
            }
            let queries: [(String, IncidentQuery)] = [
                ("first page", IncidentQuery(limit: 50)),
                ("status new", IncidentQuery(statuses: [.new], limit: 50)),
                ("status closed (none)", IncidentQuery(statuses: [.closed], limit: 50)),
                ("severity critical", IncidentQuery(severities: [.critical], limit: 50)),
                ("title text", IncidentQuery(text: "suspicious 4242", limit: 50)),
                ("observable value", IncidentQuery(text: "203.0.113.7", limit: 50)),
                ("#number", IncidentQuery(text: "#77777", limit: 50)),
            ]
            for (name, query) in queries {
                start = clock.now
                cpu = Self.cpuSeconds()
                var page = try await store.incidents(matching: query)
                var pages = 1
                // Follow the cursor a few pages deep too.
                while let cursor = page.nextCursor, pages < 20 {
                    var next = query
                    next.cursor = cursor
                    page = try await store.incidents(matching: next)
                    pages += 1
                }
                elapsed = Self.seconds(clock.now - start)
                print("benchmark: list \(name) at \(incidents) incidents: \(pages) page(s) in \(Int(elapsed * 1000)) ms")
            }
            await store.close()
        }
    }
}
