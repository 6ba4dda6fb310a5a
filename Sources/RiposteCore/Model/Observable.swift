// Observables: the values (addresses, domains, hashes, accounts) an alert names, with their verdicts.
public import FoundationEssentials

/// The kind of value an observable is.
public enum ObservableType: String, Sendable, CaseIterable, Hashable, Comparable {
    case ipv4, ipv6, domain, url, email, md5, sha1, sha256, hostname, username

    public static func < (lhs: ObservableType, rhs: ObservableType) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// What is believed about an observable, worst first when compared.
public enum Verdict: String, Sendable, CaseIterable, Comparable {
    case unknown, suspicious, malicious

    private var rank: Int {
        switch self {
        case .unknown: 0
        case .suspicious: 1
        case .malicious: 2
        }
    }

    public static func < (lhs: Verdict, rhs: Verdict) -> Bool { lhs.rank < rhs.rank }
}

/// An observable as a parser found it, before it is stored: type and normalised value.
public struct ObservableDraft: Hashable, Sendable {
    public var type: ObservableType
    public var value: String

    /// Makes a draft from a raw value; nil when the value is not a valid `type` after normalisation.
    public init?(_ type: ObservableType, _ raw: some StringProtocol) {
        guard let value = ObservableNormalizer.normalize(raw, as: type) else { return nil }
        self.type = type
        self.value = value
    }

    /// Wraps an already normalised value.
    public init(type: ObservableType, normalizedValue: String) {
        self.type = type
        self.value = normalizedValue
    }
}

/// One threat-intel indicator that matched an observable.
public struct IntelHit: Hashable, Sendable {
    /// The feed that listed the indicator.
    public var feed: String
    /// The indicator as listed (`203.0.113.0/24`, `evil.example`).
    public var indicator: String
    /// How the indicator matched (`exact`, `cidr`, `parent_domain`).
    public var match: IntelMatchKind
    /// When the feed first listed it (as stored by Riposte).
    public var firstSeen: Date
    /// 0–100; nil when the feed says nothing.
    public var confidence: Int?
    /// What the feed says the indicator means (`botnet_cc`).
    public var label: String?
    /// The feed's reliability when the hit was made (from its definition); nil when not stated.
    public var reliability: SourceReliability?
    /// The indicator's sharing marking; nil when its source set none.
    public var tlp: TLP?

    public init(
        feed: String, indicator: String, match: IntelMatchKind, firstSeen: Date, confidence: Int? = nil,
        label: String? = nil, reliability: SourceReliability? = nil, tlp: TLP? = nil
    ) {
        self.reliability = reliability
        self.tlp = tlp
        self.feed = feed
        self.indicator = indicator
        self.match = match
        self.firstSeen = firstSeen
        self.confidence = confidence
        self.label = label
    }
}

/// How an indicator matched a value.
public enum IntelMatchKind: String, Sendable, Hashable {
    case exact, cidr, parentDomain = "parent_domain"
    /// A STIX pattern the index could not reduce held for the alert's observables.
    case pattern
}

/// An observable of an incident, with its verdict and the intel that explains it.
public struct Observable: Hashable, Sendable {
    public var id: ObservableID
    public var incidentID: IncidentID
    public var type: ObservableType
    public var value: String
    public var verdict: Verdict
    public var intel: [IntelHit]
    public var firstSeen: Date

    public init(
        id: ObservableID, incidentID: IncidentID, type: ObservableType, value: String, verdict: Verdict,
        intel: [IntelHit], firstSeen: Date
    ) {
        self.id = id
        self.incidentID = incidentID
        self.type = type
        self.value = value
        self.verdict = verdict
        self.intel = intel
        self.firstSeen = firstSeen
    }

    /// The most restrictive marking among its hits: what the observable's intel may be shared under.
    public var tlp: TLP? { intel.compactMap(\.tlp).max() }
}
