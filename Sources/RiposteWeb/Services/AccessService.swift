// Authentication and the first admin: bearer tokens (SHA-256 lookups) and users (argon2id).
import Foundation
package import RiposteCore
package import RiposteRuntime
import Synchronization

/// Who is calling, decided from the `Authorization` header.
package final class AccessService: Sendable {
    /// A token created for a caller: the secret is shown once and never stored.
    package struct IssuedToken: Sendable {
        package var token: APIToken
        package var secret: Secret
    }

    private let store: any AccessStore
    private let ids: any IDGenerator
    private let clock: WallClock
    /// Verified Basic credentials (keyed by SHA-256 of the header value), so argon2id runs once per
    /// five minutes per credential instead of once per request.
    private let basicCache = Mutex<[String: (principal: Principal, expires: Date)]>([:])
    private static let basicCacheLifetime: TimeInterval = 300
    /// Bearer tokens seen recently (keyed by their SHA-256), so a busy sender costs no database read
    /// per request. CONSIDER(access): drop entries on token revocation once tokens can be revoked.
    private let tokenCache = Mutex<[String: (principal: Principal, expires: Date)]>([:])
    private static let tokenCacheLifetime: TimeInterval = 30
    private static let cacheCapacity = 10_000
    /// Token prefix that makes a leaked token recognisable to secret scanners.
    package static let tokenPrefix = "rpt_"

    /// argon2id takes tens of milliseconds and much memory: it runs here, one at a time, never on
    /// the cooperative pool. One thread for the whole process.
    private static let passwordHashing = BlockingExecutor(threadCount: 1, name: "argon2")

    package init(store: any AccessStore, ids: any IDGenerator, clock: WallClock) {
        self.store = store
        self.ids = ids
        self.clock = clock
    }

    /// The principal for an `Authorization` header value (`Bearer <token>` or `Basic <b64>`).
    /// - Throws: `.unauthorized` for a missing, malformed or unknown credential (one message for all,
    ///   so a caller cannot tell which part was wrong).
    package func authenticate(authorization: String?) async throws -> Principal {
        let rejection = RiposteError(.unauthorized, "missing or invalid credentials")
        guard let authorization else { throw rejection }
        if authorization.count > 7, authorization.prefix(7).lowercased() == "bearer " {
            let secret = authorization.dropFirst(7).trimmingCharacters(in: .whitespaces)
            guard !secret.isEmpty, secret.utf8.count <= 256 else { throw rejection }
            let hash = Crypto.sha256Hex(secret.utf8)
            let now = clock.now()
            if let cached = tokenCache.withLock({ $0[hash] }), cached.expires > now { return cached.principal }
            guard let token = try await store.token(secretHash: hash) else { throw rejection }
            let principal = Principal(
                name: token.name, role: token.role, actor: Actor(name: "token:" + token.name), source: token.source)
            tokenCache.withLock { cache in
                if cache.count >= Self.cacheCapacity { cache.removeAll() }
                cache[hash] = (principal, now.addingTimeInterval(Self.tokenCacheLifetime))
            }
            return principal
        }
        if authorization.count > 6, authorization.prefix(6).lowercased() == "basic " {
            return try await authenticateBasic(String(authorization.dropFirst(6)), rejection: rejection)
        }
        throw rejection
    }

    private func authenticateBasic(_ encoded: String, rejection: RiposteError) async throws -> Principal {
        let cacheKey = Crypto.sha256Hex(encoded.utf8)
        let now = clock.now()
        if let cached = basicCache.withLock({ $0[cacheKey] }), cached.expires > now { return cached.principal }
        guard encoded.utf8.count <= 1024, let data = Data(base64Encoded: encoded),
            let text = String(data: data, encoding: .utf8), let colon = text.firstIndex(of: ":")
        else { throw rejection }
        let name = String(text[..<colon])
        let password = String(text[text.index(after: colon)...])
        guard let user = try await store.user(named: name) else { throw rejection }
        let hash = user.passwordHash
        let valid = try await Self.passwordHashing.run { Crypto.verifyPassword(password, hash: hash) }
        guard valid else { throw rejection }
        let principal = Principal(name: user.name, role: user.role, actor: Actor(name: "user:" + user.name))
        basicCache.withLock { cache in
            if cache.count >= Self.cacheCapacity { cache.removeAll() }
            cache[cacheKey] = (principal, now.addingTimeInterval(Self.basicCacheLifetime))
        }
        return principal
    }

    /// Creates the `admin` user with a random password when there is no user at all.
    /// Returns the password to show once, or nil when users already exist.
    package func bootstrapAdminIfNeeded() async throws -> Secret? {
        guard try await store.userCount() == 0 else { return nil }
        let password = try Crypto.randomToken(byteCount: 18)
        let hash = try await Self.passwordHashing.run { try Crypto.hashPassword(password) }
        let admin = User(id: ids.next(UserKind.self), name: "admin", role: .admin, passwordHash: hash, createdAt: clock.now())
        do {
            try await store.createUser(admin)
        } catch let error as RiposteError where error.code == .conflict {
            return nil  // another process created it first
        }
        return Secret(password)
    }

    /// Creates an API token; the secret is returned once. `source` limits an `ingest` token to one
    /// alert source (a Splunk webhook's token cannot post as QRadar).
    /// - Throws: `.invalid` for a bad name or a source on a role other than `ingest`, `.conflict` when
    ///   the name is taken.
    package func createToken(name: String, role: Role, source: String? = nil) async throws -> IssuedToken {
        try Self.validateName(name)
        if let source {
            guard role == .ingest else {
                throw RiposteError.invalid("only 'ingest' tokens can be limited to a source")
            }
            try Self.validateName(source)
        }
        let secret = Self.tokenPrefix + (try Crypto.randomToken(byteCount: 32))
        let token = APIToken(
            id: ids.next(APITokenKind.self), name: name, role: role, secretHash: Crypto.sha256Hex(secret.utf8),
            createdAt: clock.now(), source: source)
        try await store.createToken(token)
        return IssuedToken(token: token, secret: Secret(secret))
    }

    /// Token and user names: 1–64 characters of letters, digits, `.`, `_`, `-`, `@`.
    package static func validateName(_ name: String) throws {
        let allowed = name.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x2E || byte == 0x5F || byte == 0x2D || byte == 0x40
        }
        guard !name.isEmpty, name.utf8.count <= 64, allowed else {
            throw RiposteError.invalid("name must be 1-64 characters of letters, digits, '.', '_', '-' or '@'")
        }
    }
}
