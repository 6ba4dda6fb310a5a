// SQLite result codes as a Swift error, and their translation into RiposteError at the store boundary.
import CSQLite
import RiposteCore

/// A failed SQLite call: the primary and extended result codes and SQLite's own message.
/// Only ever carried as `RiposteError.underlying` (logs), never shown to API callers.
struct SQLiteError: Error, CustomStringConvertible {
    var code: Int32
    var extendedCode: Int32
    var message: String
    /// The statement that failed, when there was one.
    var sql: String?

    var description: String {
        var text = "SQLite error \(extendedCode): \(message)"
        if let sql { text += " [\(sql.prefix(200))]" }
        return text
    }

    var isConstraintViolation: Bool { code == SQLITE_CONSTRAINT }
    var isInterrupt: Bool { code == SQLITE_INTERRUPT }

    /// The domain error for this failure: busy, locked, full or I/O problems are `.unavailable`
    /// (retry later), a constraint violation is `.conflict`, anything else `.internal`.
    func riposteError(fileID: String = #fileID, line: Int = #line) -> RiposteError {
        switch code {
        case SQLITE_BUSY, SQLITE_LOCKED, SQLITE_FULL, SQLITE_IOERR, SQLITE_READONLY, SQLITE_CANTOPEN, SQLITE_PROTOCOL,
            SQLITE_NOMEM:
            return RiposteError(.unavailable, "the database is not available", underlying: self, fileID: fileID, line: line)
        case SQLITE_CONSTRAINT:
            return RiposteError(.conflict, "the change conflicts with stored data", underlying: self, fileID: fileID, line: line)
        default:
            return RiposteError(.internal, "database error", underlying: self, fileID: fileID, line: line)
        }
    }
}

/// Converts whatever a database closure threw into what the ports promise: RiposteError and
/// CancellationError pass through, SQLite errors are translated, anything else is `.internal`.
func translateStoreError(_ error: any Error, fileID: String = #fileID, line: Int = #line) -> any Error {
    switch error {
    case is RiposteError, is CancellationError:
        return error
    case let sqlite as SQLiteError:
        if sqlite.isInterrupt { return CancellationError() }
        return sqlite.riposteError(fileID: fileID, line: line)
    default:
        return RiposteError(.internal, "database error", underlying: error, fileID: fileID, line: line)
    }
}
