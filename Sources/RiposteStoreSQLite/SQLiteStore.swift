// The SQLite adapter of RiposteStore: one writer connection on its own thread, a pool of read-only WAL
// readers, migrations on open, and closure-scoped transactions. The port methods live in extensions.
import CSQLite
import FoundationEssentials
package import RiposteCore
import RiposteRuntime
import Synchronization

/// Settings of the SQLite store, with safe defaults.
package struct SQLiteConfiguration: Sendable {
    /// Read-only connections (and reader threads).
    package var readerCount: Int
    /// How long a connection waits for a lock before failing with `.unavailable`.
    package var busyTimeout: Duration
    /// The most alerts one `ingest` call may carry; more is `.invalid`.
    package var maximumIngestBatch: Int
    /// Apply pending migrations in `open`; `riposte migrate` turns this off and calls `migrate()`.
    package var migrateOnOpen: Bool
    /// WAL pages (4 KiB) after which a commit asks the background checkpointer to copy the WAL back.
    package var walCheckpointPages: Int32
    /// WAL pages past which the writer itself checkpoints and truncates the WAL before writing on: the
    /// bound on the WAL when background checkpoints cannot keep up with a long run of writes.
    package var walLimitPages: Int32

    package init(
        readerCount: Int = 4, busyTimeout: Duration = .seconds(5), maximumIngestBatch: Int = 10_000,
        migrateOnOpen: Bool = true, walCheckpointPages: Int32 = 1000, walLimitPages: Int32 = 16_384
    ) {
        self.readerCount = readerCount
        self.busyTimeout = busyTimeout
        self.maximumIngestBatch = maximumIngestBatch
        self.migrateOnOpen = migrateOnOpen
        self.walCheckpointPages = walCheckpointPages
        self.walLimitPages = walLimitPages
    }
}

/// Process-wide SQLite settings, applied once before the first connection opens.
private let sqliteProcessConfiguration: Void = { _ = riposte_sqlite_disable_memory_statistics() }()

/// `RiposteStore` on one SQLite file in WAL mode.
///
/// Every `sqlite3_*` call runs on a `BlockingExecutor`: writes on a one-thread executor (so they
/// serialise, in submission order), reads on an executor with one thread per read-only connection.
package final class SQLiteStore: RiposteStore {
    let writer: SQLiteConnection
    let readers: SQLiteReaderPool
    let writeExecutor: BlockingExecutor
    let readExecutor: BlockingExecutor
    let checkpointer: SQLiteCheckpointer
    /// Write requests waiting for the writer thread; see `write`.
    private let pendingWrites = Mutex<[any SQLiteWriteRequest]>([])
    let ids: any IDGenerator
    let configuration: SQLiteConfiguration
    package let path: String
    private let closed = Atomic<Bool>(false)

    private init(
        path: String, writer: SQLiteConnection, readers: SQLiteReaderPool, writeExecutor: BlockingExecutor,
        readExecutor: BlockingExecutor, checkpointer: SQLiteCheckpointer, ids: any IDGenerator,
        configuration: SQLiteConfiguration
    ) {
        self.checkpointer = checkpointer
        self.path = path
        self.writer = writer
        self.readers = readers
        self.writeExecutor = writeExecutor
        self.readExecutor = readExecutor
        self.ids = ids
        self.configuration = configuration
    }

    /// Opens (creating if needed) the database file at `path`, its parent directory included, and
    /// applies pending migrations unless `configuration.migrateOnOpen` is false.
    /// - Throws: `.unavailable` when the file cannot be opened or was written by a newer build;
    ///   `.invalid` for a bad configuration.
    package static func open(path: String, configuration: SQLiteConfiguration = SQLiteConfiguration(), ids: any IDGenerator)
        async throws -> SQLiteStore
    {
        guard configuration.readerCount >= 1, configuration.maximumIngestBatch >= 1 else {
            throw RiposteError.invalid("the SQLite store needs at least one reader and a positive batch limit")
        }
        _ = sqliteProcessConfiguration
        guard sqlite3_threadsafe() != 0 else {
            throw RiposteError(.unavailable, "the SQLite library was built without thread support")
        }
        if let slash = path.lastIndex(of: "/"), slash != path.startIndex {
            let directory = String(path[..<slash])
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw RiposteError(.unavailable, "cannot create the data directory", underlying: error)
            }
        }
        let busyMilliseconds =
            Int(configuration.busyTimeout.components.seconds * 1000)
            + Int(configuration.busyTimeout.components.attoseconds / 1_000_000_000_000_000)
        let writeExecutor = BlockingExecutor(threadCount: 1, name: "sqlite-writer")
        let readExecutor = BlockingExecutor(threadCount: configuration.readerCount, name: "sqlite-reader")
        let checkpointExecutor = BlockingExecutor(threadCount: 1, name: "sqlite-checkpoint")
        do {
            let (writer, readers, checkpointer) = try await writeExecutor.run {
                let writer = try SQLiteConnection(path: path, role: .writer, busyTimeoutMilliseconds: busyMilliseconds)
                do {
                    if configuration.migrateOnOpen {
                        _ = try Self.applyMigrations(on: writer)
                    } else {
                        try Self.checkNotNewer(writer)
                    }
                    // Readers open after the writer has put the file in WAL mode.
                    var others: [SQLiteConnection] = []
                    do {
                        for _ in 0..<configuration.readerCount {
                            others.append(
                                try SQLiteConnection(path: path, role: .reader, busyTimeoutMilliseconds: busyMilliseconds))
                        }
                        let checkpointConnection = try SQLiteConnection(
                            path: path, role: .checkpointer, busyTimeoutMilliseconds: busyMilliseconds)
                        others.append(checkpointConnection)
                        let checkpointer = SQLiteCheckpointer(
                            connection: checkpointConnection, executor: checkpointExecutor,
                            threshold: configuration.walCheckpointPages, limit: configuration.walLimitPages)
                        checkpointer.install(on: writer)
                        return (writer, Array(others.dropLast()), checkpointer)
                    } catch {
                        for connection in others { connection.close() }
                        throw error
                    }
                } catch {
                    writer.close()
                    throw error
                }
            }
            return SQLiteStore(
                path: path, writer: writer, readers: SQLiteReaderPool(readers), writeExecutor: writeExecutor,
                readExecutor: readExecutor, checkpointer: checkpointer, ids: ids, configuration: configuration)
        } catch {
            await checkpointExecutor.shutdown()
            await readExecutor.shutdown()
            await writeExecutor.shutdown()
            if let sqlite = error as? SQLiteError, sqlite.code != SQLITE_CONSTRAINT {
                throw RiposteError(.unavailable, "cannot open the database", underlying: sqlite)
            }
            throw translateStoreError(error)
        }
    }

    // MARK: Migrations

    /// Every migration this build knows, by version.
    package static var knownMigrations: [Int] { Migration.all.map(\.version) }

    /// Applies the pending migrations, each in its own transaction, and returns their versions
    /// (empty when the schema is current).
    /// - Throws: `.unavailable` when the database was migrated by a newer build.
    package func migrate() async throws -> [Int] {
        try await onWriter { writer in try Self.applyMigrations(on: writer) }
    }

    /// The versions of the migrations not applied yet.
    package func pendingMigrations() async throws -> [Int] {
        try await onWriter { writer in
            let applied = try Self.appliedMigrations(writer)
            return Migration.all.map(\.version).filter { !applied.contains($0) }
        }
    }

    private static func appliedMigrations(_ connection: SQLiteConnection) throws -> Set<Int> {
        let exists = try connection.queryOne(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
        ) { _ in true }
        guard exists == true else { return [] }
        return Set(try connection.queryAll("SELECT version FROM schema_migrations") { $0.int(0) })
    }

    private static func checkNotNewer(_ connection: SQLiteConnection) throws {
        let known = Migration.all.map(\.version).max() ?? 0
        if let newest = try appliedMigrations(connection).max(), newest > known {
            throw RiposteError(
                .unavailable, "the database schema (version \(newest)) is newer than this build (version \(known))")
        }
    }

    private static func applyMigrations(on connection: SQLiteConnection) throws -> [Int] {
        try connection.execute(
            """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version INTEGER PRIMARY KEY,
                name TEXT NOT NULL,
                applied_at INTEGER NOT NULL
            ) STRICT
            """)
        try checkNotNewer(connection)
        let applied = try appliedMigrations(connection)
        var done: [Int] = []
        for migration in Migration.all where !applied.contains(migration.version) {
            try connection.execute("BEGIN IMMEDIATE")
            do {
                try connection.execute(migration.sql)
                try connection.run(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                    [.int(migration.version), .text(migration.name), .date(Date())])
                try connection.execute("COMMIT")
            } catch {
                if sqlite3_get_autocommit(connection.handle) == 0 { try? connection.execute("ROLLBACK") }
                throw error
            }
            done.append(migration.version)
        }
        return done
    }

    // MARK: Transactions

    /// Throws `.unavailable` once the store is closed.
    private func checkOpen() throws {
        if closed.load(ordering: .acquiring) { throw RiposteError(.unavailable, "the store is closed") }
    }

    /// Runs `body` on the writer thread, outside any transaction.
    private func onWriter<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        try checkOpen()
        do {
            return try await writeExecutor.run { [writer] in
                guard !writer.isClosed else { throw RiposteError(.unavailable, "the store is closed") }
                return try body(writer)
            }
        } catch {
            throw translateStoreError(error)
        }
    }

    /// Runs `body` in a write transaction, rolled back when it throws, and returns after the commit.
    ///
    /// Group commit: calls that arrive while the writer is busy are run together, in call order, in
    /// one `BEGIN IMMEDIATE` … `COMMIT`, each inside its own savepoint. A call that throws rolls back
    /// only its savepoint; a failed COMMIT fails every call of the group. So each call keeps its own
    /// all-or-nothing behaviour while concurrent callers share the cost of one commit.
    @discardableResult
    package func write<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        try checkOpen()
        do {
            return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
                let request = SQLiteWrite(body: body, continuation: continuation)
                let first = pendingWrites.withLock { pending in
                    pending.append(request)
                    return pending.count == 1
                }
                // Only the request that makes the list non-empty schedules a drain; the drain
                // takes everything queued by the time it runs.
                guard first else { return }
                let accepted = writeExecutor.submit { [self] in drainWrites() }
                if !accepted {
                    for request in pendingWrites.withLock({ pending in
                        defer { pending = [] }; return pending
                    }) {
                        request.fail(RiposteError(.unavailable, "the store is closed"))
                    }
                }
            }
        } catch {
            throw translateStoreError(error)
        }
    }

    /// The most calls one group commit takes, so that one transaction stays bounded.
    private static let maximumWriteGroup = 64

    /// Runs on the writer thread: one transaction for everything queued.
    private func drainWrites() {
        let group = pendingWrites.withLock { pending -> [any SQLiteWriteRequest] in
            let count = min(pending.count, Self.maximumWriteGroup)
            let group = Array(pending.prefix(count))
            pending.removeFirst(count)
            if !pending.isEmpty {
                // More arrived than one group takes: queue another drain behind this one.
                if !writeExecutor.submit({ [self] in drainWrites() }) {
                    for request in pending { request.fail(RiposteError(.unavailable, "the store is closed")) }
                    pending = []
                }
            }
            return group
        }
        guard !group.isEmpty else { return }
        guard !writer.isClosed else {
            for request in group { request.fail(RiposteError(.unavailable, "the store is closed")) }
            return
        }
        do {
            try writer.run("BEGIN IMMEDIATE")
        } catch {
            for request in group { request.fail(error) }
            return
        }
        var completions: [SQLiteWriteCompletion] = []
        completions.reserveCapacity(group.count)
        for (index, request) in group.enumerated() {
            if group.count == 1 {
                completions.append(request.execute(on: writer))
            } else {
                do {
                    try writer.run("SAVEPOINT riposte_write")
                    let completion = request.execute(on: writer)
                    if !completion.succeeded { _ = try? writer.run("ROLLBACK TO riposte_write") }
                    _ = try? writer.run("RELEASE riposte_write")
                    completions.append(completion)
                } catch {
                    completions.append(SQLiteWriteCompletion(succeeded: false, resume: { request.fail(error) }))
                }
            }
            if sqlite3_get_autocommit(writer.handle) != 0 {
                // SQLite rolled the whole transaction back (I/O error, disk full): nothing of the
                // group is kept, so no call may report success, and the rest must not run outside
                // a transaction.
                let aborted = RiposteError(.unavailable, "the database rolled back a write transaction")
                for (earlier, completion) in zip(group, completions) {
                    if completion.succeeded { earlier.fail(aborted) } else { completion.resume() }
                }
                for later in group.dropFirst(index + 1) { later.fail(aborted) }
                return
            }
        }
        do {
            if completions.contains(where: \.succeeded) {
                try writer.run("COMMIT")
            } else {
                try writer.run("ROLLBACK")
            }
        } catch {
            // A failed COMMIT (SQLITE_BUSY, I/O) leaves the transaction open: roll it back too.
            if sqlite3_get_autocommit(writer.handle) == 0 { _ = try? writer.run("ROLLBACK") }
            for (request, completion) in zip(group, completions) {
                if completion.succeeded { request.fail(error) } else { completion.resume() }
            }
            return
        }
        for completion in completions { completion.resume() }
    }

    /// Runs `body` in one read transaction (a consistent WAL snapshot) on a pooled read-only
    /// connection. Cancelling the calling task interrupts the running statement, which then
    /// throws `CancellationError`.
    package func read<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        try checkOpen()
        let cancellation = ReadCancellation()
        do {
            return try await withTaskCancellationHandler {
                try await readExecutor.run { [readers] in
                    guard let connection = readers.checkout() else {
                        throw RiposteError(.unavailable, "no database reader is available")
                    }
                    defer { readers.checkin(connection) }
                    guard cancellation.begin(connection) else { throw CancellationError() }
                    defer { cancellation.end() }
                    return try connection.withCancellationCheck(cancellation) {
                        try connection.run("BEGIN")
                        do {
                            let result = try body(connection)
                            try connection.run("COMMIT")
                            return result
                        } catch {
                            if sqlite3_get_autocommit(connection.handle) == 0 { _ = try? connection.run("ROLLBACK") }
                            throw error
                        }
                    }
                }
            } onCancel: {
                cancellation.cancel()
            }
        } catch {
            throw translateStoreError(error)
        }
    }

    // MARK: Lifecycle

    package func checkReadiness() async throws {
        let answer = try await read { connection in try connection.queryOne("SELECT 1") { $0.int(0) } }
        guard answer == 1 else { throw RiposteError(.unavailable, "the database did not answer") }
        let pending = try await pendingMigrations()
        guard pending.isEmpty else {
            throw RiposteError(.unavailable, "the database has \(pending.count) pending migration(s)")
        }
    }

    package func close() async {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        // Reads in flight finish; later ones are refused by the stopped executor.
        await readExecutor.shutdown()
        await checkpointer.shutdown()
        // Queued writes finish first: the writer executor runs jobs in order.
        _ = try? await writeExecutor.run { [readers, writer] in
            readers.closeAll()
            // The last connection to close checkpoints the WAL into the database file.
            writer.close()
        }
        await writeExecutor.shutdown()
    }
}
