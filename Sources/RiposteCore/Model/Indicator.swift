// Threat-intel indicators as feeds list them.
public import FoundationEssentials

/// What an indicator value is.
public enum IndicatorType: String, Sendable, CaseIterable, Hashable {
    case ipv4, ipv6, cidr4, cidr6, domain, url, email, md5, sha1, sha256
    /// A STIX pattern (the value) that does not reduce to values: evaluated against each alert's observables.
    case stixPattern = "stix_pattern"
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
    /// From when the source says it should be matched (STIX `valid_from`); nil when it says nothing.
    public var validFrom: Date?
    /// After when the source says it should no longer be matched (STIX `valid_until`); nil when open-ended.
    public var validUntil: Date?
    /// The source withdrew it (STIX `revoked`); a revoked indicator should not be matched.
    public var revoked: Bool
    /// How far it may be shared; nil when unmarked.
    public var tlp: TLP?
    /// The source's own id for it (a STIX indicator id, a MISP attribute uuid).
    public var sourceRef: String?
    /// Human text from the source (a STIX name or description, a MISP event title).
    public var description: String?

    public init(
        type: IndicatorType, value: String, feed: String, confidence: Int? = nil, label: String? = nil,
        firstSeen: Date, validFrom: Date? = nil, validUntil: Date? = nil, revoked: Bool = false, tlp: TLP? = nil,
        sourceRef: String? = nil, description: String? = nil
    ) {
        self.type = type
        self.value = value
        self.feed = feed
        self.confidence = confidence
        self.label = label
        self.firstSeen = firstSeen
        self.validFrom = validFrom
        self.validUntil = validUntil
        self.revoked = revoked
        self.tlp = tlp
        self.sourceRef = sourceRef
        self.description = description
    }

    /// Whether it should be matched at `time`: not revoked, and inside its validity window.
    public func isActive(at time: Date) -> Bool {
        guard !revoked else { return false }
        if let validFrom, time < validFrom { return false }
        if let validUntil, time >= validUntil { return false }
        return true
    }
}

/// A Traffic Light Protocol 2.0 marking (FIRST); TLP 1.0 `WHITE` reads as `clear`.
public enum TLP: String, Sendable, CaseIterable, Hashable, Comparable {
    case clear, green, amber, amberStrict = "amber+strict", red

    /// The marking from its label, any case, with or without the `TLP:` prefix (`TLP:AMBER+STRICT`, `white`).
    public init?(label: some StringProtocol) {
        var text = label.lowercased()
        if text.hasPrefix("tlp:") { text.removeFirst(4) }
        if text == "white" {
            self = .clear
        } else {
            guard let tlp = TLP(rawValue: text) else { return nil }
            self = tlp
        }
    }

    private var rank: Int {
        switch self {
        case .clear: 0
        case .green: 1
        case .amber: 2
        case .amberStrict: 3
        case .red: 4
        }
    }

    /// Less restrictive first: `clear < green < amber < amber+strict < red`.
    public static func < (lhs: TLP, rhs: TLP) -> Bool { lhs.rank < rhs.rank }
}

/// How reliable a source has proven (the Admiralty code's letter, NATO AJP-2.1): `a` completely reliable …
/// `e` unreliable, `f` cannot be judged. Kept per feed so verdicts can weigh sources.
public enum SourceReliability: String, Sendable, CaseIterable, Hashable, Comparable {
    case a = "A", b = "B", c = "C", d = "D", e = "E", f = "F"

    /// What the letter means.
    public var meaning: String {
        switch self {
        case .a: "completely reliable"
        case .b: "usually reliable"
        case .c: "fairly reliable"
        case .d: "not usually reliable"
        case .e: "unreliable"
        case .f: "reliability cannot be judged"
        }
    }

    /// More reliable first (`A < B`).
    public static func < (lhs: SourceReliability, rhs: SourceReliability) -> Bool { lhs.rawValue < rhs.rawValue }
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
