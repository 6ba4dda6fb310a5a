// Intel feeds Riposte polls: what to fetch and how (definition), and how the last polls went (state).
public import FoundationEssentials

/// A configured feed.
public struct FeedDefinition: Hashable, Sendable {
    /// What the URL serves.
    public enum Kind: String, Hashable, Sendable, CaseIterable {
        /// A list of values, one per line.
        case plaintext
        /// A CSV list (`csvColumn` names the value column or a preset: `feodotracker`, `sslbl`).
        case csv
        /// A STIX 2.1 bundle.
        case stix
        /// One MISP event.
        case misp
        /// A MISP feed directory: `manifest.json` and one file per event, fetched incrementally.
        case mispFeed = "misp-feed"
        /// A MISP instance (`url` is its base URL) searched through `POST /attributes/restSearch` for detection
        /// attributes changed since the last poll; the API key comes from `auth` (header or bearer scheme).
        case mispSearch = "misp-search"
        /// A TAXII 2.1 collection (`url` is the API root, `collection` the collection id), pulled with `added_after`.
        case taxii
    }

    /// How the feed authenticates. The secret itself is never stored: `secretRef` names where to read
    /// it when polling (`env:NAME` or `file:/path`).
    public enum Authentication: Hashable, Sendable {
        case none
        case basic(user: String, secretRef: String)
        case bearer(secretRef: String)
        /// A named header carrying the secret (`X-OTX-API-KEY`, `Authorization` for MISP's key).
        case header(name: String, secretRef: String)
    }

    public var name: String
    public var kind: Kind
    public var url: String
    public var collection: String?
    public var csvColumn: String?
    public var intervalSeconds: Int
    public var enabled: Bool
    /// How far the source has proven reliable; it weighs the feed's hits in verdicts.
    public var reliability: SourceReliability
    public var authentication: Authentication
    public var createdAt: Date

    public init(
        name: String, kind: Kind, url: String, collection: String? = nil, csvColumn: String? = nil,
        intervalSeconds: Int = 3600, enabled: Bool = true, reliability: SourceReliability = .c,
        authentication: Authentication = .none, createdAt: Date
    ) {
        self.name = name
        self.kind = kind
        self.url = url
        self.collection = collection
        self.csvColumn = csvColumn
        self.intervalSeconds = intervalSeconds
        self.enabled = enabled
        self.reliability = reliability
        self.authentication = authentication
        self.createdAt = createdAt
    }
}

/// What the last polls of a feed did.
public struct FeedState: Hashable, Sendable {
    public var lastAttemptAt: Date?
    public var lastSuccessAt: Date?
    /// A message safe to show (never a secret); nil after a success.
    public var lastError: String?
    /// Validators of the last fetched document, for a conditional GET.
    public var etag: String?
    public var lastModified: String?
    /// Where an incremental feed resumes: TAXII `added_after`, or MISP event timestamps as JSON.
    public var cursor: String?
    /// Indicators added and updated by the last successful poll.
    public var lastAdded: Int
    public var lastUpdated: Int
    public var nextPollAt: Date?

    public init(
        lastAttemptAt: Date? = nil, lastSuccessAt: Date? = nil, lastError: String? = nil, etag: String? = nil,
        lastModified: String? = nil, cursor: String? = nil, lastAdded: Int = 0, lastUpdated: Int = 0, nextPollAt: Date? = nil
    ) {
        self.lastAttemptAt = lastAttemptAt
        self.lastSuccessAt = lastSuccessAt
        self.lastError = lastError
        self.etag = etag
        self.lastModified = lastModified
        self.cursor = cursor
        self.lastAdded = lastAdded
        self.lastUpdated = lastUpdated
        self.nextPollAt = nextPollAt
    }
}

/// A feed with its state.
public struct FeedRecord: Hashable, Sendable {
    public var definition: FeedDefinition
    public var state: FeedState

    public init(definition: FeedDefinition, state: FeedState) {
        self.definition = definition
        self.state = state
    }
}
