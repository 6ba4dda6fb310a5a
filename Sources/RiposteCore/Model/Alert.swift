// Alerts, aligned with the OCSF Detection Finding (class 2004): what a SIEM or IDS reported.
public import FoundationEssentials

/// A network endpoint of a finding (OCSF `src_endpoint` / `dst_endpoint`).
public struct Endpoint: Hashable, Sendable {
    public var ip: String?
    public var port: Int?
    public var hostname: String?

    public init(ip: String? = nil, port: Int? = nil, hostname: String? = nil) {
        self.ip = ip
        self.port = port
        self.hostname = hostname
    }

    public var isEmpty: Bool { ip == nil && port == nil && hostname == nil }
}

/// The detection rule that fired (OCSF `finding_info.analytic` / `rule`).
public struct DetectionRule: Hashable, Sendable {
    public var uid: String?
    public var name: String?
    public var category: String?

    public init(uid: String? = nil, name: String? = nil, category: String? = nil) {
        self.uid = uid
        self.name = name
        self.category = category
    }
}

/// An alert as a parser produced it: normalised fields, extracted observables, raw payload.
public struct AlertDraft: Hashable, Sendable {
    /// The parser that read it (`suricata`, `generic`).
    public var source: String
    /// The sender's own id for the alert; with `source` it identifies a repeat.
    public var sourceRef: String
    public var title: String
    public var severity: Severity
    /// When the source saw it; nil when the payload does not say.
    public var time: Date?
    public var rule: DetectionRule
    public var sourceEndpoint: Endpoint
    public var destinationEndpoint: Endpoint
    /// The device that reported or was affected (OCSF `device.hostname`).
    public var hostName: String?
    /// The account involved (OCSF `actor.user.name`).
    public var userName: String?
    /// Observables found in the alert, deduplicated, in the order first seen.
    public var observables: [ObservableDraft]
    /// The payload exactly as received (one record), for the analyst and for re-parsing.
    public var raw: [UInt8]
    /// The parser version, so a fixed parser can tell what to re-parse.
    public var parserVersion: Int

    public init(
        source: String, sourceRef: String, title: String, severity: Severity, time: Date?,
        rule: DetectionRule = DetectionRule(), sourceEndpoint: Endpoint = Endpoint(),
        destinationEndpoint: Endpoint = Endpoint(), hostName: String? = nil, userName: String? = nil,
        observables: [ObservableDraft], raw: [UInt8], parserVersion: Int
    ) {
        self.source = source
        self.sourceRef = sourceRef
        self.title = title
        self.severity = severity
        self.time = time
        self.rule = rule
        self.sourceEndpoint = sourceEndpoint
        self.destinationEndpoint = destinationEndpoint
        self.hostName = hostName
        self.userName = userName
        self.observables = observables
        self.raw = raw
        self.parserVersion = parserVersion
    }
}

/// A stored alert.
public struct Alert: Hashable, Sendable {
    public var id: AlertID
    public var incidentID: IncidentID
    public var draft: AlertDraft
    /// The grouping fingerprint it was filed under.
    public var fingerprint: String
    /// When Riposte accepted it.
    public var receivedAt: Date

    public init(id: AlertID, incidentID: IncidentID, draft: AlertDraft, fingerprint: String, receivedAt: Date) {
        self.id = id
        self.incidentID = incidentID
        self.draft = draft
        self.fingerprint = fingerprint
        self.receivedAt = receivedAt
    }
}
