// What a pull source (QRadar, Sentinel) remembers between polls and shows in `GET /api/v1/pollers`.
public import FoundationEssentials

/// The durable state of one poller: where it is (its cursor) and how its last polls went.
///
/// The cursor is opaque to the store: each poller writes its own text (QRadar a Unix-millisecond
/// `last_persisted_time`, Sentinel an RFC 3339 `lastModifiedTimeUtc`). `lastError` is text safe to
/// show to any viewer: it never holds a credential.
public struct PollerState: Sendable, Hashable {
    /// The poller's configured name, unique (`qradar`, `sentinel`).
    public var name: String
    /// The source kind, which is also the parser name (`qradar`, `sentinel`).
    public var kind: String
    /// Where the next poll starts; nil before the first successful page.
    public var cursor: String?
    public var lastPollAt: Date?
    public var lastSuccessAt: Date?
    /// Why the last poll failed; nil after a success.
    public var lastError: String?
    /// Alerts handed to ingest by the last poll (duplicates included).
    public var itemsLastPoll: Int
    /// Alerts handed to ingest since the poller was first run.
    public var itemsTotal: Int

    public init(
        name: String, kind: String, cursor: String? = nil, lastPollAt: Date? = nil, lastSuccessAt: Date? = nil,
        lastError: String? = nil, itemsLastPoll: Int = 0, itemsTotal: Int = 0
    ) {
        self.name = name
        self.kind = kind
        self.cursor = cursor
        self.lastPollAt = lastPollAt
        self.lastSuccessAt = lastSuccessAt
        self.lastError = lastError
        self.itemsLastPoll = itemsLastPoll
        self.itemsTotal = itemsTotal
    }
}
