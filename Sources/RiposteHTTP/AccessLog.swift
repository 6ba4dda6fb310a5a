// AccessLog: one JSON line per request (no query string, headers or bodies) and the default sinks.

package import Foundation
import RiposteRuntime
import Synchronization

/// The access-log format and the default output sinks.
///
/// One JSON object per line:
/// `{"time":"2025-05-20T10:00:00.123Z","request_id":"…","method":"GET","path":"/api/v1/x",
/// "status":200,"bytes":512,"duration_ms":1.234,"remote":"127.0.0.1"}`.
/// `time` is when the request line arrived (RFC 3339, milliseconds, UTC); `path` never includes
/// the query string, which may carry secrets; headers and bodies are never logged; `bytes` counts
/// body bytes sent.
package enum AccessLog {
    /// Writes each line to standard output, one `write` per line under a lock.
    package static let standardOutput: @Sendable (String) -> Void = { line in
        LineWriter.stdout.write(line)
    }

    /// Writes each line to standard error (the default diagnostics sink).
    package static let standardError: @Sendable (String) -> Void = { line in
        LineWriter.stderr.write(line)
    }

    /// Discards lines (benchmarks).
    package static let discard: @Sendable (String) -> Void = { _ in }

    /// Formats one access-log line (without the trailing newline).
    package static func line(
        time: Date, requestID: String, method: String, path: String, status: Int, bytes: Int,
        duration: Duration, remote: String
    ) -> String {
        var line = #"{"time":""#
        line += RFC3339.format(time)
        line += #"","request_id":"#
        line += JSONText.quote(requestID)
        line += #","method":"#
        line += JSONText.quote(method)
        line += #","path":"#
        line += JSONText.quote(path)
        line += #","status":"#
        line += String(status)
        line += #","bytes":"#
        line += String(bytes)
        line += #","duration_ms":"#
        let micros = max(0, duration.components.seconds * 1_000_000 + duration.components.attoseconds / 1_000_000_000_000)
        line += String(micros / 1000)
        line += "."
        let fraction = String(micros % 1000)
        line += String(repeating: "0", count: 3 - fraction.count) + fraction
        line += #","remote":"#
        line += JSONText.quote(remote)
        line += "}"
        return line
    }
}

/// Serialises whole lines onto a file handle so concurrent requests never interleave.
private final class LineWriter: Sendable {
    static let stdout = LineWriter(handle: .standardOutput)
    static let stderr = LineWriter(handle: .standardError)

    private let lock = Mutex(())
    private let handle: FileHandle

    init(handle: FileHandle) { self.handle = handle }

    func write(_ line: String) {
        let data = Data((line + "\n").utf8)
        lock.withLock { _ in handle.write(data) }
    }
}
