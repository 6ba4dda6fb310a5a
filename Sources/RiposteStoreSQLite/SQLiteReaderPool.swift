// The pool of read-only connections, and the guard that lets task cancellation interrupt a running read.
import Synchronization

/// Read-only connections, checked out for one read at a time.
///
/// Reads run on a `BlockingExecutor` with exactly as many threads as connections, so a checkout
/// from a thread of that executor always finds a free connection and never waits.
final class SQLiteReaderPool: Sendable {
    private let idle: Mutex<[SQLiteConnection]>
    let count: Int

    init(_ connections: [SQLiteConnection]) {
        idle = Mutex(connections)
        count = connections.count
    }

    func checkout() -> SQLiteConnection? { idle.withLock { $0.popLast() } }

    func checkin(_ connection: SQLiteConnection) { idle.withLock { $0.append(connection) } }

    /// Closes the idle connections; call once no read can run any more.
    func closeAll() {
        let connections = idle.withLock { idle in
            defer { idle = [] }
            return idle
        }
        for connection in connections { connection.close() }
    }
}

/// Connects a task's cancellation handler to the connection that runs its read.
///
/// Cancellation before the read starts makes it throw at once; during the read it calls
/// `sqlite3_interrupt`, under the lock, so the connection cannot be handed back and reused meanwhile.
/// An interrupt that lands between two statements is forgotten by SQLite when the next one starts,
/// so the read also installs a progress handler that polls `isCancelled`.
final class ReadCancellation: Sendable {
    private let cancelled = Atomic<Bool>(false)
    private let running = Mutex<SQLiteConnection?>(nil)

    var isCancelled: Bool { cancelled.load(ordering: .relaxed) }

    /// Registers the connection that is about to run; false when the task is already cancelled.
    func begin(_ connection: SQLiteConnection) -> Bool {
        running.withLock { running in
            guard !cancelled.load(ordering: .acquiring) else { return false }
            running = connection
            return true
        }
    }

    func end() { running.withLock { $0 = nil } }

    func cancel() {
        cancelled.store(true, ordering: .releasing)
        running.withLock { $0?.interrupt() }
    }
}
