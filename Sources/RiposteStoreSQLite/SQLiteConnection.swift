// One SQLite connection: opening with per-connection pragmas, a prepared-statement cache keyed by SQL
// text, and small helpers to bind values and read rows.
import CSQLite
package import FoundationEssentials

/// A value bound to a statement parameter.
package enum SQLiteValue: Sendable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])

    package static func int(_ value: Int) -> SQLiteValue { .integer(Int64(value)) }
    package static func int(_ value: Int?) -> SQLiteValue { value.map { .integer(Int64($0)) } ?? .null }
    package static func text(_ value: String?) -> SQLiteValue { value.map { .text($0) } ?? .null }
    package static func date(_ value: Date) -> SQLiteValue { .integer(value.unixMilliseconds) }
    package static func date(_ value: Date?) -> SQLiteValue { value.map { .integer($0.unixMilliseconds) } ?? .null }
}

extension Date {
    /// Unix milliseconds (decision 3). Dates that are already whole milliseconds round-trip exactly;
    /// finer dates are truncated, as `WallClock` does.
    package var unixMilliseconds: Int64 {
        let millis = timeIntervalSince1970 * 1000
        let nearest = millis.rounded()
        return Int64(abs(millis - nearest) < 0.001 ? nearest : millis.rounded(.down))
    }

    package init(unixMilliseconds: Int64) {
        self.init(timeIntervalSince1970: Double(unixMilliseconds) / 1000)
    }
}

/// A SQLite connection handle with its statement cache.
///
/// `@unchecked Sendable` because it wraps a C handle and a mutable cache. It is used by one thread
/// at a time: the writer only on the writer executor's single thread; a reader only between its
/// checkout from and checkin to `SQLiteReaderPool`, whose `Mutex` is the happens-before edge
/// between successive users. The one cross-thread call, `interrupt()`, is `sqlite3_interrupt`,
/// which SQLite documents as safe from any thread while the connection is open (the pool's
/// cancellation guard keeps it open for the duration).
package final class SQLiteConnection: @unchecked Sendable {
    let handle: OpaquePointer
    private var statements: [String: OpaquePointer] = [:]
    /// Set by `close()`; read on the same thread that closed it (the writer's).
    private(set) var isClosed = false

    /// What a connection is for; it decides the open flags and pragmas.
    enum Role {
        /// The one connection that writes rows.
        case writer
        /// A read-only connection of the reader pool.
        case reader
        /// Copies WAL pages into the database file (`SQLiteCheckpointer`); writes no rows.
        case checkpointer
    }

    /// Opens (creating unless read-only) the database at `path` and applies the connection pragmas.
    init(path: String, role: Role, busyTimeoutMilliseconds: Int) throws {
        let readOnly = role == .reader
        // NOMUTEX (multi-thread mode): each connection is used by one thread at a time, see the
        // type comment, so SQLite's per-connection mutex would only cost time.
        let flags =
            (readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) | SQLITE_OPEN_NOMUTEX
        var db: OpaquePointer?
        let status = sqlite3_open_v2(path, &db, flags, nil)
        guard status == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            if let db { sqlite3_close_v2(db) }
            throw SQLiteError(code: status & 0xFF, extendedCode: status, message: message, sql: nil)
        }
        handle = db
        sqlite3_extended_result_codes(db, 1)
        do {
            // busy_timeout: the writer and `riposte` CLI processes may briefly hold the write lock or
            // a checkpoint; wait up to this long instead of failing at once with SQLITE_BUSY.
            try execute("PRAGMA busy_timeout = \(busyTimeoutMilliseconds)")
            // foreign_keys stays OFF (SQLite's default). The schema declares every reference, but the
            // store writes parents and children in one transaction and deletes nothing, and checking
            // each alert's five references cost a quarter of the ingest path's CPU. The contract
            // suite runs `PRAGMA foreign_key_check` after every behaviour (`foreignKeyViolations`),
            // so a store change that breaks a reference fails the tests instead.
            // cache_size (negative = KiB) and mmap_size: the default 2 MiB page cache makes every
            // index look-up of a large database a pread system call; a bigger cache for the writer
            // and memory-mapped reads for everyone keep the ingest path out of the kernel.
            try execute("PRAGMA cache_size = \(role == .writer ? -65_536 : -16_384)")
            try execute("PRAGMA mmap_size = 268435456")
            // temp_store: sorts and temporary b-trees of list queries stay in memory.
            try execute("PRAGMA temp_store = MEMORY")
            if !readOnly {
                // journal_mode=WAL: readers never block the writer nor the writer the readers, which
                // is what lets one writer and a pool of readers work at once. It is persistent in
                // the file, so only the writer (which opens first) sets it.
                try execute("PRAGMA journal_mode = WAL")
                // synchronous=NORMAL: in WAL mode a commit is not fsynced, only checkpoints are; the
                // database stays consistent after a power loss and may lose only the last commits,
                // at a fraction of the cost of FULL per transaction.
                try execute("PRAGMA synchronous = NORMAL")
            }
            if role == .writer {
                // journal_size_limit: after a checkpoint lets the WAL restart, truncate a WAL file
                // that a burst grew past 64 MiB instead of keeping it that large forever.
                try execute("PRAGMA journal_size_limit = 67108864")
            }
        } catch {
            sqlite3_close_v2(db)
            throw error
        }
    }

    /// Finalizes cached statements and closes the handle. The connection is unusable afterwards.
    func close() {
        for statement in statements.values { sqlite3_finalize(statement) }
        statements = [:]
        sqlite3_close_v2(handle)
        isClosed = true
    }

    /// Asks a running statement to stop with SQLITE_INTERRUPT; safe from any thread.
    func interrupt() { sqlite3_interrupt(handle) }

    /// Runs `body` with a progress handler that stops any statement (SQLITE_INTERRUPT) once
    /// `cancellation` is cancelled, checked every 1,000 virtual-machine instructions.
    func withCancellationCheck<T>(_ cancellation: ReadCancellation, _ body: () throws -> T) rethrows -> T {
        // Unretained: `cancellation` outlives the handler, which is removed before returning.
        let context = Unmanaged.passUnretained(cancellation).toOpaque()
        sqlite3_progress_handler(
            handle, 1000,
            { context in
                guard let context else { return 0 }
                return Unmanaged<ReadCancellation>.fromOpaque(context).takeUnretainedValue().isCancelled ? 1 : 0
            }, context)
        defer { sqlite3_progress_handler(handle, 0, nil, nil) }
        return try body()
    }

    /// Runs one or more statements without parameters (pragmas, migrations, BEGIN/COMMIT).
    package func execute(_ sql: String) throws {
        var errorMessage: UnsafeMutablePointer<CChar>?
        let status = sqlite3_exec(handle, sql, nil, nil, &errorMessage)
        guard status == SQLITE_OK else {
            let message = errorMessage.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(handle))
            sqlite3_free(errorMessage)
            throw SQLiteError(code: status & 0xFF, extendedCode: status, message: message, sql: sql)
        }
    }

    /// Runs a statement to completion. Returns the number of rows it changed.
    @discardableResult
    package func run(_ sql: String, _ values: [SQLiteValue] = []) throws -> Int {
        let statement = try prepared(sql, values)
        defer { sqlite3_reset(statement) }
        var status = sqlite3_step(statement)
        while status == SQLITE_ROW { status = sqlite3_step(statement) }
        guard status == SQLITE_DONE else { throw error(status, sql) }
        return Int(sqlite3_changes(handle))
    }

    /// Calls `body` for each row.
    package func query(_ sql: String, _ values: [SQLiteValue] = [], _ body: (SQLiteRow) throws -> Void) throws {
        let statement = try prepared(sql, values)
        defer { sqlite3_reset(statement) }
        while true {
            let status = sqlite3_step(statement)
            if status == SQLITE_DONE { return }
            guard status == SQLITE_ROW else { throw error(status, sql) }
            try body(SQLiteRow(statement: statement))
        }
    }

    /// The first row mapped by `body`, or nil when there is none.
    package func queryOne<T>(_ sql: String, _ values: [SQLiteValue] = [], _ body: (SQLiteRow) throws -> T) throws
        -> T?
    {
        let statement = try prepared(sql, values)
        defer { sqlite3_reset(statement) }
        let status = sqlite3_step(statement)
        if status == SQLITE_DONE { return nil }
        guard status == SQLITE_ROW else { throw error(status, sql) }
        return try body(SQLiteRow(statement: statement))
    }

    /// Every row mapped by `body`.
    package func queryAll<T>(_ sql: String, _ values: [SQLiteValue] = [], _ body: (SQLiteRow) throws -> T) throws
        -> [T]
    {
        var result: [T] = []
        try query(sql, values) { result.append(try body($0)) }
        return result
    }

    /// The cached statement for `sql` (prepared on first use), reset and bound to `values`.
    private func prepared(_ sql: String, _ values: [SQLiteValue]) throws -> OpaquePointer {
        let statement: OpaquePointer
        if let cached = statements[sql] {
            statement = cached
            sqlite3_clear_bindings(statement)
        } else {
            var fresh: OpaquePointer?
            let status = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &fresh, nil)
            guard status == SQLITE_OK, let fresh else { throw error(status, sql) }
            statements[sql] = fresh
            statement = fresh
        }
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let status: Int32
            switch value {
            case .null: status = sqlite3_bind_null(statement, index)
            case .integer(let number): status = sqlite3_bind_int64(statement, index, number)
            case .real(let number): status = sqlite3_bind_double(statement, index, number)
            case .text(let text):
                if text.isEmpty {
                    status = sqlite3_bind_text(statement, index, "", 0, riposte_sqlite_transient())
                } else {
                    var text = text
                    status = text.withUTF8 { bytes in
                        bytes.withMemoryRebound(to: CChar.self) {
                            sqlite3_bind_text(statement, index, $0.baseAddress, Int32($0.count), riposte_sqlite_transient())
                        }
                    }
                }
            case .blob(let bytes):
                status = bytes.withUnsafeBytes { buffer in
                    if buffer.count == 0 { return sqlite3_bind_zeroblob(statement, index, 0) }
                    return sqlite3_bind_blob(
                        statement, index, buffer.baseAddress, Int32(buffer.count), riposte_sqlite_transient())
                }
            }
            guard status == SQLITE_OK else { throw error(status, sql) }
        }
        return statement
    }

    private func error(_ status: Int32, _ sql: String) -> SQLiteError {
        SQLiteError(
            code: status & 0xFF, extendedCode: sqlite3_extended_errcode(handle),
            message: String(cString: sqlite3_errmsg(handle)), sql: sql)
    }
}

/// The current row of a stepping statement; valid only inside the row callback.
package struct SQLiteRow {
    fileprivate let statement: OpaquePointer

    package func isNull(_ column: Int32) -> Bool { sqlite3_column_type(statement, column) == SQLITE_NULL }
    package func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(statement, column) }
    package func int(_ column: Int32) -> Int { Int(sqlite3_column_int64(statement, column)) }
    package func optionalInt(_ column: Int32) -> Int? { isNull(column) ? nil : int(column) }
    package func date(_ column: Int32) -> Date { Date(unixMilliseconds: int64(column)) }
    package func optionalDate(_ column: Int32) -> Date? { isNull(column) ? nil : date(column) }

    package func text(_ column: Int32) -> String {
        guard let pointer = sqlite3_column_text(statement, column) else { return "" }
        let count = Int(sqlite3_column_bytes(statement, column))
        return String(decoding: UnsafeBufferPointer(start: pointer, count: count), as: UTF8.self)
    }

    package func optionalText(_ column: Int32) -> String? { isNull(column) ? nil : text(column) }

    package func blob(_ column: Int32) -> [UInt8] {
        guard let pointer = sqlite3_column_blob(statement, column) else { return [] }
        let count = Int(sqlite3_column_bytes(statement, column))
        return Array(UnsafeRawBufferPointer(start: pointer, count: count))
    }
}
