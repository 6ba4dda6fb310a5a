// Port: read and change incidents and their sub-resources; every change leaves a timeline event.
public import FoundationEssentials

/// Filters and paging for the incident list. Results are newest first.
public struct IncidentQuery: Hashable, Sendable {
    /// Only these statuses; empty means all.
    public var statuses: Set<IncidentStatus>
    /// Only these severities; empty means all.
    public var severities: Set<Severity>
    /// Case-insensitive substring of the title, or an exact observable value, or `#number`.
    public var text: String?
    /// Page size, 1…500.
    public var limit: Int
    /// The `nextCursor` of the previous page.
    public var cursor: String?

    public init(
        statuses: Set<IncidentStatus> = [], severities: Set<Severity> = [], text: String? = nil, limit: Int = 50,
        cursor: String? = nil
    ) {
        self.statuses = statuses
        self.severities = severities
        self.text = text
        self.limit = limit
        self.cursor = cursor
    }
}

/// One page of a list and the cursor of the next, nil at the end.
public struct Page<Item: Sendable>: Sendable {
    public var items: [Item]
    public var nextCursor: String?

    public init(items: [Item], nextCursor: String?) {
        self.items = items
        self.nextCursor = nextCursor
    }
}

/// A stored alert with the observables it named.
public struct AlertRecord: Hashable, Sendable {
    public var alert: Alert
    public var observables: [Observable]

    public init(alert: Alert, observables: [Observable]) {
        self.alert = alert
        self.observables = observables
    }
}

/// Incidents and what hangs off them.
public protocol IncidentStore: Sendable {
    /// - Throws: `.notFound`.
    func incident(id: IncidentID) async throws -> Incident
    /// May be empty. - Throws: `.invalid` for a malformed cursor or limit.
    func incidents(matching query: IncidentQuery) async throws -> Page<Incident>
    /// Applies the changes that differ from the stored values; one timeline event per changed
    /// field, in the same transaction. Returns the updated incident.
    /// - Throws: `.notFound`; `.invalid` when `changes` is empty.
    func updateIncident(id: IncidentID, changes: IncidentChanges, actor: Actor, now: Date) async throws -> Incident
    /// The incident's observables, worst verdict first, then by type and value.
    /// - Throws: `.notFound` for an unknown incident.
    func observables(incident: IncidentID) async throws -> [Observable]
    /// The incident's alerts, newest first, at most `limit`. - Throws: `.notFound`.
    func alerts(incident: IncidentID, limit: Int) async throws -> [Alert]
    /// - Throws: `.notFound`.
    func alert(id: AlertID) async throws -> AlertRecord
    /// Oldest first. - Throws: `.notFound`.
    func timeline(incident: IncidentID) async throws -> [TimelineEvent]
    /// Adds a note and its `note.added` timeline event. - Throws: `.notFound`, `.invalid` for an empty body.
    func addNote(incident: IncidentID, body: String, author: Actor, now: Date) async throws -> Note
    /// Oldest first. - Throws: `.notFound`.
    func notes(incident: IncidentID) async throws -> [Note]
    /// Adds an open task and its `task.added` timeline event. - Throws: `.notFound`, `.invalid`.
    func addTask(incident: IncidentID, title: String, owner: String?, actor: Actor, now: Date) async throws
        -> CaseTask
    /// Changes a task of this incident; a `task.updated` timeline event per change.
    /// - Throws: `.notFound` (incident or task), `.invalid` when nothing changes.
    func updateTask(id: CaseTaskID, incident: IncidentID, changes: CaseTaskChanges, actor: Actor, now: Date)
        async throws -> CaseTask
    /// Oldest first. - Throws: `.notFound`.
    func tasks(incident: IncidentID) async throws -> [CaseTask]
}
