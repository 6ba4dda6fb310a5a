// Back-pressure for ingest: a bound on the alert bodies held between arrival and commit.
import RiposteCore
import Synchronization

/// Admits ingest requests while the bytes of bodies not yet committed stay under a limit, so a burst
/// beyond what the writer can absorb is answered `429` with `Retry-After` instead of growing memory.
package final class IngestAdmission: Sendable {
    /// Bodies admitted and not yet committed (or failed), in bytes.
    private let pending = Mutex(0)
    private let maxPendingBytes: Int
    private let retryAfterSeconds: Int

    package init(maxPendingBytes: Int, retryAfterSeconds: Int) {
        self.maxPendingBytes = maxPendingBytes
        self.retryAfterSeconds = retryAfterSeconds
    }

    package var pendingBytes: Int { pending.withLock { $0 } }

    /// Runs `work` with `bytes` counted as pending. A request is always admitted when nothing is
    /// pending, so one body as large as the HTTP limit still gets through.
    /// - Throws: `.overloaded` with ``retryAfterSeconds`` when admitting would pass the limit.
    package func withAdmission<T>(bytes: Int, _ work: () async throws -> T) async throws -> T {
        let admitted = pending.withLock { total in
            guard total == 0 || total + bytes <= maxPendingBytes else { return false }
            total += bytes
            return true
        }
        guard admitted else {
            var error = RiposteError(.overloaded, "ingest queue is full; retry after \(retryAfterSeconds) s")
            error.retryAfterSeconds = retryAfterSeconds
            throw error
        }
        defer { pending.withLock { $0 -= bytes } }
        return try await work()
    }
}
