// Incidents: the unit an analyst works on, grouping one or more alerts.
public import FoundationEssentials

/// Where an incident is in its life, as OCSF Incident Finding names it.
public enum IncidentStatus: String, Sendable, CaseIterable {
    case new, inProgress = "in_progress", onHold = "on_hold", resolved, closed

    /// New alerts may still join an open incident.
    public var isOpen: Bool { self == .new || self == .inProgress || self == .onHold }
}

/// An incident record.
public struct Incident: Hashable, Sendable {
    public var id: IncidentID
    /// A short human number, unique per installation (`#42`).
    public var number: Int
    public var title: String
    public var severity: Severity
    public var status: IncidentStatus
    /// The analyst who owns it, by user name.
    public var owner: String?
    /// The grouping fingerprint of its first alert.
    public var fingerprint: String
    public var alertCount: Int
    public var createdAt: Date
    public var updatedAt: Date
    /// When its most recent alert arrived: the grouping window counts from here.
    public var lastAlertAt: Date
    /// The full incident this one continues: it opened because that one reached its group's
    /// maximum number of alerts.
    public var overflowOf: IncidentID?

    public init(
        id: IncidentID, number: Int, title: String, severity: Severity, status: IncidentStatus, owner: String?,
        fingerprint: String, alertCount: Int, createdAt: Date, updatedAt: Date, lastAlertAt: Date,
        overflowOf: IncidentID? = nil
    ) {
        self.overflowOf = overflowOf
        self.id = id
        self.number = number
        self.title = title
        self.severity = severity
        self.status = status
        self.owner = owner
        self.fingerprint = fingerprint
        self.alertCount = alertCount
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.lastAlertAt = lastAlertAt
    }
}

/// The changes an analyst may make to an incident; nil fields stay as they are.
public struct IncidentChanges: Hashable, Sendable {
    public var status: IncidentStatus?
    public var severity: Severity?
    /// `.some(nil)` clears the owner.
    public var owner: String??
    public var title: String?

    public init(status: IncidentStatus? = nil, severity: Severity? = nil, owner: String?? = nil, title: String? = nil) {
        self.status = status
        self.severity = severity
        self.owner = owner
        self.title = title
    }

    public var isEmpty: Bool { status == nil && severity == nil && owner == nil && title == nil }
}

/// Who did something: a user, an API token, or Riposte itself.
public struct Actor: Hashable, Sendable, CustomStringConvertible {
    /// `user:alice`, `token:splunk-hec`, `system`.
    public var name: String

    public init(name: String) { self.name = name }

    public static let system = Actor(name: "system")
    public var description: String { name }
}

/// One entry of an incident's timeline: every change, match and note leaves one.
public struct TimelineEvent: Hashable, Sendable {
    public var id: TimelineEventID
    public var incidentID: IncidentID
    public var time: Date
    public var actor: Actor
    /// What happened, dotted (`incident.created`, `alert.added`, `intel.matched`, `status.changed`).
    public var kind: String
    /// One readable line.
    public var message: String
    /// Structured details (old/new values, the indicator that matched).
    public var details: JSONValue

    public init(
        id: TimelineEventID, incidentID: IncidentID, time: Date, actor: Actor, kind: String, message: String,
        details: JSONValue = .object([])
    ) {
        self.id = id
        self.incidentID = incidentID
        self.time = time
        self.actor = actor
        self.kind = kind
        self.message = message
        self.details = details
    }
}

/// A free-text note on an incident.
public struct Note: Hashable, Sendable {
    public var id: NoteID
    public var incidentID: IncidentID
    public var author: Actor
    public var body: String
    public var createdAt: Date

    public init(id: NoteID, incidentID: IncidentID, author: Actor, body: String, createdAt: Date) {
        self.id = id
        self.incidentID = incidentID
        self.author = author
        self.body = body
        self.createdAt = createdAt
    }
}

/// The state of a case task.
public enum CaseTaskStatus: String, Sendable, CaseIterable {
    case open, inProgress = "in_progress", done, cancelled
}

/// A piece of work on an incident (named `CaseTask` to stay clear of Swift's `Task`).
public struct CaseTask: Hashable, Sendable {
    public var id: CaseTaskID
    public var incidentID: IncidentID
    public var title: String
    public var status: CaseTaskStatus
    public var owner: String?
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: CaseTaskID, incidentID: IncidentID, title: String, status: CaseTaskStatus, owner: String?,
        createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.incidentID = incidentID
        self.title = title
        self.status = status
        self.owner = owner
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// Changes to a case task; nil fields stay.
public struct CaseTaskChanges: Hashable, Sendable {
    public var title: String?
    public var status: CaseTaskStatus?
    public var owner: String??

    public init(title: String? = nil, status: CaseTaskStatus? = nil, owner: String?? = nil) {
        self.title = title
        self.status = status
        self.owner = owner
    }
}
