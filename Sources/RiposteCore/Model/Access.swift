// Users, roles, API tokens and the permissions each role has.
public import FoundationEssentials

/// A role: what a caller may do.
public enum Role: String, Sendable, CaseIterable, Comparable {
    /// A sending system (SIEM webhook, forwarder): may only post alerts.
    case ingest
    case viewer, analyst, admin

    private var rank: Int {
        switch self {
        case .ingest: -1
        case .viewer: 0
        case .analyst: 1
        case .admin: 2
        }
    }

    public static func < (lhs: Role, rhs: Role) -> Bool { lhs.rank < rhs.rank }

    /// The permissions this role grants.
    public var permissions: Set<Permission> {
        switch self {
        case .ingest: [.ingestAlerts]
        case .viewer: [.readIncidents, .readIntel, .readMetrics, .readRules]
        case .analyst:
            [
                .readIncidents, .readIntel, .readMetrics, .readRules, .writeIncidents, .ingestAlerts, .importIntel,
            ]
        case .admin: Set(Permission.allCases)
        }
    }
}

/// One thing a route needs. Every route declares exactly one.
public enum Permission: String, Sendable, CaseIterable {
    case readIncidents = "incidents.read"
    case writeIncidents = "incidents.write"
    case ingestAlerts = "alerts.ingest"
    case readIntel = "intel.read"
    case importIntel = "intel.import"
    /// Define, change and delete named alert mappings (new `?source=` names).
    case manageSources = "sources.manage"
    /// Define, change and delete intel feeds (their secrets are references into the server's environment).
    case manageFeeds = "feeds.manage"
    case readMetrics = "metrics.read"
    case manageAccess = "access.manage"
    /// Read grouping and suppression rules and the alerts suppression held back.
    case readRules = "rules.read"
    /// Create, change and delete grouping and suppression rules.
    case manageRules = "rules.manage"
}

/// A caller that has been authenticated.
public struct Principal: Hashable, Sendable {
    public var name: String
    public var role: Role
    /// For the timeline: `user:alice`, `token:splunk`.
    public var actor: Actor
    /// The only alert source this caller may post to; nil for any.
    public var source: String?

    public init(name: String, role: Role, actor: Actor, source: String? = nil) {
        self.name = name
        self.role = role
        self.actor = actor
        self.source = source
    }

    public func can(_ permission: Permission) -> Bool { role.permissions.contains(permission) }

    /// Whether this caller may post alerts of `source`.
    public func mayIngest(source: String) -> Bool { can(.ingestAlerts) && (self.source == nil || self.source == source) }
}

/// A person who signs in.
public struct User: Hashable, Sendable {
    public var id: UserID
    public var name: String
    public var role: Role
    /// An argon2id encoded hash; never the password.
    public var passwordHash: String
    public var createdAt: Date

    public init(id: UserID, name: String, role: Role, passwordHash: String, createdAt: Date) {
        self.id = id
        self.name = name
        self.role = role
        self.passwordHash = passwordHash
        self.createdAt = createdAt
    }
}

/// An API token as stored: only the SHA-256 of the secret, never the secret.
public struct APIToken: Hashable, Sendable {
    public var id: APITokenID
    public var name: String
    public var role: Role
    /// Lowercase hex SHA-256 of the token text.
    public var secretHash: String
    public var createdAt: Date
    /// The only alert source the token may post to (a per-source `ingest` token); nil for any.
    public var source: String?

    public init(id: APITokenID, name: String, role: Role, secretHash: String, createdAt: Date, source: String? = nil) {
        self.id = id
        self.name = name
        self.role = role
        self.secretHash = secretHash
        self.createdAt = createdAt
        self.source = source
    }
}
