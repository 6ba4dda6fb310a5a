// Port: users and API tokens.

/// Users and tokens. Secrets are never stored: only argon2id password hashes and SHA-256 token hashes.
public protocol AccessStore: Sendable {
    func userCount() async throws -> Int
    /// - Throws: `.conflict` when the name is taken.
    func createUser(_ user: User) async throws
    /// Nil when there is no such user.
    func user(named name: String) async throws -> User?
    /// - Throws: `.conflict` when the name is taken.
    func createToken(_ token: APIToken) async throws
    /// The token whose `secretHash` is this, or nil.
    func token(secretHash: String) async throws -> APIToken?
}
