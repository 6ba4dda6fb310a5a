// One queued call of SQLiteStore.write: its body, and the continuation resumed after the group commits.
import RiposteCore

/// A write waiting for the writer thread, with its result type erased so a group can mix calls.
protocol SQLiteWriteRequest: Sendable {
    /// Runs the body on the writer (inside the group's transaction). The completion resumes the
    /// caller once the group's COMMIT has succeeded.
    func execute(on connection: SQLiteConnection) -> SQLiteWriteCompletion
    /// Resumes the caller with `error` (closed store, failed BEGIN or COMMIT).
    func fail(_ error: any Error)
}

/// The outcome of one request inside a group, delivered after the group's COMMIT or ROLLBACK.
struct SQLiteWriteCompletion {
    var succeeded: Bool
    var resume: () -> Void
}

final class SQLiteWrite<T: Sendable>: SQLiteWriteRequest {
    let body: @Sendable (SQLiteConnection) throws -> T
    let continuation: CheckedContinuation<T, any Error>

    init(body: @escaping @Sendable (SQLiteConnection) throws -> T, continuation: CheckedContinuation<T, any Error>) {
        self.body = body
        self.continuation = continuation
    }

    func execute(on connection: SQLiteConnection) -> SQLiteWriteCompletion {
        do {
            let value = try body(connection)
            return SQLiteWriteCompletion(succeeded: true) { [continuation] in continuation.resume(returning: value) }
        } catch {
            return SQLiteWriteCompletion(succeeded: false) { [continuation] in continuation.resume(throwing: error) }
        }
    }

    func fail(_ error: any Error) { continuation.resume(throwing: error) }
}
