// Process-wide counters and gauges rendered in the Prometheus text exposition format.
import Foundation
import Synchronization

/// A small metrics registry: labelled counters plus gauges read at scrape time.
package final class Metrics: Sendable {
    private struct Series: Hashable {
        var name: String
        var labels: [String]  // alternating key, value; sorted by key
    }

    private struct State {
        var counters: [Series: Double] = [:]
        var help: [String: String] = [:]
        var gauges: [(name: String, help: String, read: @Sendable () async -> Double)] = []
    }

    private let state = Mutex(State())

    package init() {}

    /// Declares a counter's help text (shown even before the first increment).
    package func describeCounter(_ name: String, help: String) {
        state.withLock { $0.help[name] = help }
    }

    /// Adds `amount` to the counter `name` with `labels`.
    package func increment(_ name: String, by amount: Double = 1, labels: [(String, String)] = []) {
        let flat = labels.sorted { $0.0 < $1.0 }.flatMap { [$0.0, $0.1] }
        state.withLock { $0.counters[Series(name: name, labels: flat), default: 0] += amount }
    }

    /// The current value of a counter (0 when never incremented); for tests and benchmarks.
    package func value(_ name: String, labels: [(String, String)] = []) -> Double {
        let flat = labels.sorted { $0.0 < $1.0 }.flatMap { [$0.0, $0.1] }
        return state.withLock { $0.counters[Series(name: name, labels: flat)] ?? 0 }
    }

    /// Registers a gauge whose value is read at every scrape (job-queue depth).
    package func registerGauge(_ name: String, help: String, read: @escaping @Sendable () async -> Double) {
        state.withLock { $0.gauges.append((name, help, read)) }
    }

    /// The Prometheus text format (version 0.0.4).
    package func render() async -> String {
        let (counters, help, gauges) = state.withLock { ($0.counters, $0.help, $0.gauges) }
        var byName: [String: [(Series, Double)]] = [:]
        for (series, value) in counters { byName[series.name, default: []].append((series, value)) }
        for name in help.keys where byName[name] == nil { byName[name] = [] }
        var out = ""
        for name in byName.keys.sorted() {
            if let text = help[name] { out += "# HELP \(name) \(text)\n" }
            out += "# TYPE \(name) counter\n"
            let lines = (byName[name] ?? []).map { series, value in
                "\(name)\(Self.labelText(series.labels)) \(Self.number(value))"
            }
            for line in lines.sorted() { out += line + "\n" }
        }
        for gauge in gauges {
            let value = await gauge.read()
            out += "# HELP \(gauge.name) \(gauge.help)\n# TYPE \(gauge.name) gauge\n\(gauge.name) \(Self.number(value))\n"
        }
        return out
    }

    private static func labelText(_ flat: [String]) -> String {
        guard !flat.isEmpty else { return "" }
        var parts: [String] = []
        var index = 0
        while index + 1 < flat.count {
            let escaped = flat[index + 1].replacingOccurrences(of: "\\", with: "\\\\")
                .replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n")
            parts.append("\(flat[index])=\"\(escaped)\"")
            index += 2
        }
        return "{" + parts.joined(separator: ",") + "}"
    }

    private static func number(_ value: Double) -> String {
        value.rounded() == value && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}
