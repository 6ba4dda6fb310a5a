// Threat-intel indicators as feeds list them.
public import FoundationEssentials

/// What an indicator value is.
public enum IndicatorType: String, Sendable, CaseIterable, Hashable {
    case ipv4, ipv6, cidr4, cidr6, domain, url, email, md5, sha1, sha256
}

/// One indicator from one feed.
public struct Indicator: Hashable, Sendable {
    public var type: IndicatorType
    /// The normalised value (`203.0.113.0/24`, `evil.example`).
    public var value: String
    public var feed: String
    /// 0–100, or nil when the feed says nothing.
    public var confidence: Int?
    /// What the feed says it is (`botnet_cc`, `phishing`).
    public var label: String?
    /// When Riposte first got it from this feed.
    public var firstSeen: Date

    public init(
        type: IndicatorType, value: String, feed: String, confidence: Int? = nil, label: String? = nil,
        firstSeen: Date
    ) {
        self.type = type
        self.value = value
        self.feed = feed
        self.confidence = confidence
        self.label = label
        self.firstSeen = firstSeen
    }
}

/// The outcome of importing a list of indicators.
public struct IndicatorImportSummary: Hashable, Sendable {
    /// New to this feed.
    public var added: Int
    /// Already known from this feed (their last-seen time moved).
    public var updated: Int

    public init(added: Int, updated: Int) {
        self.added = added
        self.updated = updated
    }
}
