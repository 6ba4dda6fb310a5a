// AccessStore: users and API tokens; only password and token hashes are stored.
import FoundationEssentials
package import RiposteCore

extension SQLiteStore {
    package func userCount() async throws -> Int {
        try await read { connection in try connection.queryOne("SELECT count(*) FROM users") { $0.int(0) } ?? 0 }
    }

    package func createUser(_ user: User) async throws {
        try await write { connection in
            do {
                try connection.run(
                    "INSERT INTO users (id, name, role, password_hash, created_at) VALUES (?, ?, ?, ?, ?)",
                    [
                        .text(user.id.rawValue), .text(user.name), .text(user.role.rawValue), .text(user.passwordHash),
                        .date(user.createdAt),
                    ])
            } catch let error as SQLiteError where error.isConstraintViolation {
                throw RiposteError(.conflict, "a user with this name already exists", underlying: error)
            }
        }
    }

    package func user(named name: String) async throws -> User? {
        try await read { connection in
            try connection.queryOne(
                "SELECT id, name, role, password_hash, created_at FROM users WHERE name = ?", [.text(name)]
            ) { row in
                User(
                    id: UserID(rawValue: row.text(0)), name: row.text(1),
                    role: try decodeEnum(Role.self, row.text(2), table: "users", column: "role"),
                    passwordHash: row.text(3), createdAt: row.date(4))
            }
        }
    }

    package func createToken(_ token: APIToken) async throws {
        try await write { connection in
            do {
                try connection.run(
                    "INSERT INTO api_tokens (id, name, role, secret_hash, created_at, source) VALUES (?, ?, ?, ?, ?, ?)",
                    [
                        .text(token.id.rawValue), .text(token.name), .text(token.role.rawValue), .text(token.secretHash),
                        .date(token.createdAt), .text(token.source),
                    ])
            } catch let error as SQLiteError where error.isConstraintViolation {
                throw RiposteError(.conflict, "a token with this name already exists", underlying: error)
            }
        }
    }

    package func token(secretHash: String) async throws -> APIToken? {
        try await read { connection in
            try connection.queryOne(
                "SELECT id, name, role, secret_hash, created_at, source FROM api_tokens WHERE secret_hash = ?",
                [.text(secretHash)]
            ) { row in
                APIToken(
                    id: APITokenID(rawValue: row.text(0)), name: row.text(1),
                    role: try decodeEnum(Role.self, row.text(2), table: "api_tokens", column: "role"),
                    secretHash: row.text(3), createdAt: row.date(4), source: row.optionalText(5))
            }
        }
    }
}

extension SQLiteStore {
    /// `PRAGMA foreign_key_check` on a reader: each row that references a missing parent, as
    /// `table rowid -> parent`. Empty when every declared reference holds. Foreign keys are not
    /// enforced on writes (see `SQLiteConnection`); tests call this after each behaviour.
    package func foreignKeyViolations() async throws -> [String] {
        try await read { connection in
            try connection.queryAll("PRAGMA foreign_key_check") { row in
                "\(row.text(0)) \(row.isNull(1) ? "-" : String(row.int64(1))) -> \(row.text(2))"
            }
        }
    }
}
