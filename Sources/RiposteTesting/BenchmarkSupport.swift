// What every release benchmark under Benchmarks/ measures with: its command-line flags, medians, CPU and
// wall-clock time, resident memory and the machine's load, so each benchmark holds only its workload.
import Foundation

/// The `--name value` flags and `--name` switches of a benchmark's command line. A flag that is not declared,
/// or a value that is not a positive integer, ends the run with the usage line and exit status 2: a typo must
/// not silently measure the default.
public struct BenchmarkArguments: Sendable {
    private let values: [String: String]
    private let switches: Set<String>
    private let usage: String

    /// Reads `arguments` (the process's own by default) against the declared `flags` (taking a value) and
    /// `switches` (taking none).
    public init(
        usage: String, flags: Set<String>, switches: Set<String> = [],
        _ arguments: [String] = Array(CommandLine.arguments.dropFirst())
    ) {
        self.usage = usage
        var values: [String: String] = [:]
        var present: Set<String> = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if switches.contains(argument) {
                present.insert(argument)
                index += 1
            } else if flags.contains(argument), index + 1 < arguments.count {
                values[argument] = arguments[index + 1]
                index += 2
            } else {
                Self.fail(usage, "unknown or incomplete argument \(argument)")
            }
        }
        self.values = values
        self.switches = present
    }

    /// The positive integer after `flag`, or `defaultValue` when the flag is absent.
    public func int(_ flag: String, default defaultValue: Int) -> Int {
        guard let text = values[flag] else { return defaultValue }
        guard let value = Int(text), value > 0 else { Self.fail(usage, "\(flag) takes a positive integer, not \(text)") }
        return value
    }

    /// The positive number after `flag`, or `defaultValue` when the flag is absent.
    public func double(_ flag: String, default defaultValue: Double) -> Double {
        guard let text = values[flag] else { return defaultValue }
        guard let value = Double(text), value > 0 else { Self.fail(usage, "\(flag) takes a positive number, not \(text)") }
        return value
    }

    /// The comma-separated positive integers after `flag`, or `defaultValue` when the flag is absent.
    public func ints(_ flag: String, default defaultValue: [Int]) -> [Int] {
        guard let text = values[flag] else { return defaultValue }
        let parsed = text.split(separator: ",").map { Int($0) }
        guard !parsed.isEmpty, parsed.allSatisfy({ ($0 ?? 0) > 0 }) else {
            Self.fail(usage, "\(flag) takes positive integers separated by commas, not \(text)")
        }
        return parsed.compactMap(\.self)
    }

    /// The text after `flag`, nil when the flag is absent.
    public func string(_ flag: String) -> String? { values[flag] }

    /// Whether the switch `name` was given.
    public func has(_ name: String) -> Bool { switches.contains(name) }

    private static func fail(_ usage: String, _ problem: String) -> Never {
        FileHandle.standardError.write(Data("\(problem)\nusage: \(usage)\n".utf8))
        exit(2)
    }
}

/// Wall-clock time and this thread's CPU time since it was made, in seconds. Thread CPU time is what a
/// single-core target is judged by: other work on the shared cores does not inflate it.
public struct Stopwatch: Sendable {
    private let cpuStart = threadCPUSeconds()
    private let wallStart = ContinuousClock.now

    public init() {}

    /// CPU seconds this thread has run since the stopwatch started.
    public var cpu: Double { threadCPUSeconds() - cpuStart }

    /// Seconds since the stopwatch started.
    public var wall: Double { (ContinuousClock.now - wallStart).seconds }
}

/// The median of `values` (the mean of the middle two for an even count); 0 for none.
public func median(_ values: [Double]) -> Double {
    guard !values.isEmpty else { return 0 }
    let sorted = values.sorted()
    let middle = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

/// CPU seconds the calling thread has run.
public func threadCPUSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

/// CPU seconds (user + system) the whole process has used, every thread included.
public func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
        + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

/// The process's resident memory in bytes (`VmRSS`), 0 when /proc cannot say.
public func residentBytes() -> Int {
    let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
    let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
    return (Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0) * 1024
}

/// The 1-, 5- and 15-minute load averages, printed beside results so a reader can judge the noise.
public func loadAverage() -> String {
    let text = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? "?"
    return text.split(separator: " ").prefix(3).joined(separator: " ")
}

/// Writes `message` and a newline to standard error at once, so a long run shows where it is.
public func progress(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

extension Duration {
    /// The duration in seconds, as a Double.
    public var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
