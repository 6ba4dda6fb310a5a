// WAL checkpoints on their own thread, so that the writer never stops to copy pages into the database
// file and fsync it in the middle of an ingest.
import CSQLite
import RiposteRuntime
import Synchronization

/// Runs passive WAL checkpoints on a dedicated connection and thread when the writer's WAL grows.
///
/// The writer's automatic checkpoint is replaced by a WAL hook (`sqlite3_wal_hook`) that asks for a
/// checkpoint once the WAL holds `threshold` pages. A passive checkpoint never blocks the writer or
/// the readers; the writer restarts the WAL from the beginning once a checkpoint has caught up.
/// This connection writes no rows: it only copies committed WAL pages into the database file.
///
/// Under an unbroken run of commits (a bulk import) a passive checkpoint is never caught up when the
/// next transaction starts, so the WAL would only grow — by gigabytes. Past `limit` pages the writer
/// therefore checkpoints itself, between two transactions, in TRUNCATE mode: it waits (up to the busy
/// timeout) for readers of old snapshots, copies the WAL back and empties the file.
final class SQLiteCheckpointer: Sendable {
    private let connection: SQLiteConnection
    private let executor: BlockingExecutor
    private let requested = Atomic<Bool>(false)
    let threshold: Int32
    let limit: Int32

    init(connection: SQLiteConnection, executor: BlockingExecutor, threshold: Int32, limit: Int32) {
        self.connection = connection
        self.executor = executor
        self.threshold = threshold
        self.limit = limit
    }

    /// Replaces `writer`'s automatic checkpoints with requests to this checkpointer. Call on the
    /// writer's thread; `self` must outlive the writer connection (the store holds both).
    func install(on writer: SQLiteConnection) {
        let context = Unmanaged.passUnretained(self).toOpaque()
        sqlite3_wal_hook(
            writer.handle,
            { context, writer, _, pages in
                if let context {
                    Unmanaged<SQLiteCheckpointer>.fromOpaque(context).takeUnretainedValue().walDidGrow(
                        to: pages, writer: writer)
                }
                return SQLITE_OK
            }, context)
    }

    /// Called by SQLite on the writer thread after each commit.
    private func walDidGrow(to pages: Int32, writer: OpaquePointer?) {
        if pages >= limit {
            // Busy (a reader, or the background checkpoint, holds on) only means the next commit tries again.
            _ = sqlite3_wal_checkpoint_v2(writer, nil, SQLITE_CHECKPOINT_TRUNCATE, nil, nil)
            return
        }
        guard pages >= threshold, !requested.exchange(true, ordering: .acquiringAndReleasing) else { return }
        let accepted = executor.submit { [self] in
            requested.store(false, ordering: .releasing)
            // PASSIVE: copy what no reader still needs; never wait for locks. A failure (busy, I/O)
            // only means the WAL stays longer; the next request tries again.
            _ = sqlite3_wal_checkpoint_v2(connection.handle, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
        }
        if !accepted { requested.store(false, ordering: .releasing) }
    }

    /// Lets a running checkpoint finish, then closes the connection and stops the thread.
    func shutdown() async {
        _ = try? await executor.run { [connection] in connection.close() }
        await executor.shutdown()
    }
}
