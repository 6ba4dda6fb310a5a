// A small structured logger in the shape of swift-log: constant messages, data in dotted metadata.
package import Foundation
import Synchronization

/// Log levels, least to most severe.
package enum LogLevel: Int, Sendable, Comparable, CaseIterable {
    case debug, info, notice, warning, error

    package var name: String { String(describing: self) }
    package static func < (lhs: LogLevel, rhs: LogLevel) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Where log records go.
package protocol LogHandler: Sendable {
    func log(level: LogLevel, message: String, metadata: [String: String], label: String, time: Date)
}

/// A value-type logger: a label, a minimum level, fixed metadata and a handler.
package struct Logger: Sendable {
    package var label: String
    package var minimumLevel: LogLevel
    package var metadata: [String: String]
    private let handler: any LogHandler

    package init(label: String, level: LogLevel = .info, handler: any LogHandler) {
        self.label = label
        self.minimumLevel = level
        self.metadata = [:]
        self.handler = handler
    }

    /// Logs `message` (keep it constant) with per-call metadata (dotted lowercase keys).
    package func log(_ level: LogLevel, _ message: String, _ metadata: [String: String] = [:]) {
        guard level >= minimumLevel else { return }
        let merged = self.metadata.merging(metadata) { _, new in new }
        handler.log(level: level, message: message, metadata: merged, label: label, time: Date())
    }

    package func debug(_ message: String, _ metadata: [String: String] = [:]) { log(.debug, message, metadata) }
    package func info(_ message: String, _ metadata: [String: String] = [:]) { log(.info, message, metadata) }
    package func notice(_ message: String, _ metadata: [String: String] = [:]) { log(.notice, message, metadata) }
    package func warning(_ message: String, _ metadata: [String: String] = [:]) { log(.warning, message, metadata) }
    package func error(_ message: String, _ metadata: [String: String] = [:]) { log(.error, message, metadata) }

    /// A logger that drops everything (for tools and tests that do not read logs).
    package static let disabled = Logger(label: "disabled", level: .error, handler: DiscardingLogHandler())
}

/// Drops every record.
package struct DiscardingLogHandler: LogHandler {
    package init() {}
    package func log(level: LogLevel, message: String, metadata: [String: String], label: String, time: Date) {}
}

/// Writes one JSON object per line to a file descriptor (stderr by default).
package final class JSONLinesLogHandler: LogHandler {
    private let lock = Mutex(())
    private let descriptor: Int32

    package init(descriptor: Int32 = 2) { self.descriptor = descriptor }

    package func log(level: LogLevel, message: String, metadata: [String: String], label: String, time: Date) {
        var line =
            "{\"time\":" + JSONText.quote(RFC3339.format(time)) + ",\"level\":\"" + level.name + "\",\"logger\":"
            + JSONText.quote(label) + ",\"message\":" + JSONText.quote(message)
        for key in metadata.keys.sorted() {
            line += "," + JSONText.quote(key) + ":" + JSONText.quote(metadata[key] ?? "")
        }
        line += "}\n"
        write(line)
    }

    /// Writes an already formatted line (the HTTP access log shares this sink).
    package func write(_ line: String) {
        lock.withLock { _ in
            var bytes = Array(line.utf8)
            var offset = 0
            while offset < bytes.count {
                let written = bytes.withUnsafeMutableBytes { buffer in
                    Foundation.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                }
                if written <= 0 { break }
                offset += written
            }
            bytes.removeAll()
        }
    }
}

/// Keeps records in memory, for tests that assert on logs.
package final class InMemoryLogHandler: LogHandler {
    package struct Entry: Sendable {
        package var level: LogLevel
        package var message: String
        package var metadata: [String: String]
    }

    private let entries = Mutex<[Entry]>([])

    package init() {}

    package func log(level: LogLevel, message: String, metadata: [String: String], label: String, time: Date) {
        entries.withLock { $0.append(Entry(level: level, message: message, metadata: metadata)) }
    }

    package var recorded: [Entry] { entries.withLock { $0 } }
}
