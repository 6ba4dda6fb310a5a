// Enrichment results: what a provider (DNS, RDAP, GeoIP, a reputation service) said about a value.
public import FoundationEssentials

/// A value enrichment is keyed by: results are shared by every incident that names it.
public struct EnrichmentKey: Hashable, Sendable {
    public var type: ObservableType
    public var value: String

    public init(type: ObservableType, value: String) {
        self.type = type
        self.value = value
    }
}

/// One provider's answer about one value, as cached and shown on observables.
public struct EnrichmentRecord: Hashable, Sendable {
    /// Whether the provider knew the value.
    public enum Status: String, Sendable, Hashable, CaseIterable {
        /// The provider answered with data.
        case found
        /// The provider has nothing on the value (a 404, an empty DNS answer): cached like data.
        case notFound = "not_found"
    }

    /// The provider's name (`virustotal`, `dns`).
    public var provider: String
    public var key: EnrichmentKey
    public var status: Status
    /// The summary fields the provider chose (a JSON object), never the whole vendor document.
    public var summary: JSONValue
    /// What this answer says of the value, when it says anything; nil when it gives no verdict.
    public var verdict: Verdict?
    /// One sentence explaining `verdict` (`VirusTotal: 12 of 94 engines flag it malicious`).
    public var reason: String?
    public var fetchedAt: Date
    /// After this, the cached answer is stale and the provider is asked again.
    public var expiresAt: Date

    public init(
        provider: String, key: EnrichmentKey, status: Status, summary: JSONValue, verdict: Verdict? = nil,
        reason: String? = nil, fetchedAt: Date, expiresAt: Date
    ) {
        self.provider = provider
        self.key = key
        self.status = status
        self.summary = summary
        self.verdict = verdict
        self.reason = reason
        self.fetchedAt = fetchedAt
        self.expiresAt = expiresAt
    }

    /// True while the cached answer may be used instead of asking the provider.
    public func isFresh(at now: Date) -> Bool { expiresAt > now }
}

/// A verdict an enrichment gives one observable of one incident.
public struct EnrichmentVerdictUpdate: Hashable, Sendable {
    public var observableID: ObservableID
    public var provider: String
    public var verdict: Verdict
    public var reason: String

    public init(observableID: ObservableID, provider: String, verdict: Verdict, reason: String) {
        self.observableID = observableID
        self.provider = provider
        self.verdict = verdict
        self.reason = reason
    }
}
