import FoundationEssentials
// The behaviour every RiposteStore adapter must have, as one suite that SQLite (and later PostgreSQL)
// run against a fresh store per check.
public import RiposteCore
import Testing

/// The store contract: one function per documented behaviour of the storage ports.
///
/// Each function makes a fresh, empty store with `makeStore`, exercises it through the ports only,
/// records failures with Swift Testing expectations, and closes the store. Adapters run each
/// function as its own test:
///
/// ```swift
/// @Test func ingestGroupsWithinWindow() async throws { try await contract.ingestGroupsWithinWindow() }
/// ```
public struct StoreContract: Sendable {
    let makeStore: @Sendable () async throws -> any RiposteStore
    /// Run on each store after its behaviour, before it closes: adapter-specific integrity checks.
    let checkIntegrity: @Sendable (any RiposteStore) async throws -> Void
    let fixtures = StoreContractFixtures()
    typealias F = StoreContractFixtures

    public init(
        makeStore: @escaping @Sendable () async throws -> any RiposteStore,
        checkIntegrity: @escaping @Sendable (any RiposteStore) async throws -> Void = { _ in }
    ) {
        self.makeStore = makeStore
        self.checkIntegrity = checkIntegrity
    }

    /// Every check, in order.
    public func runAll() async throws {
        try await ingestCreatesIncidentAndItsRows()
        try await ingestDeduplicatesBySourceRef()
        try await ingestGroupsWithinWindow()
        try await ingestOpensNewIncidentAfterWindowOrWhenClosed()
        try await ingestIsAtomic()
        try await incidentListPagesAndFilters()
        try await updateWritesTimeline()
        try await notesAndTasks()
        try await recordIntelIsIdempotentAndRaisesVerdict()
        try await jobLeasesExpireAndRetry()
        try await indicatorsUpsertAndPage()
        try await accessTokensAndUsers()
        try await feedsAndTheirState()
        try await alertMappingsByName()
        try await pollerStateIsSavedPerName()
        try await notFoundErrors()
        try await closeMakesStoreUnavailable()
        try await alertRulesCreateChangeDelete()
        try await ingestStoresSuppressedAlerts()
        try await ingestOverflowsFullIncidents()
        try await enrichmentResultsAreSharedAndRaiseVerdicts()
        try await jobsAreClaimedByKind()
    }

    func withStore(_ body: (any RiposteStore) async throws -> Void) async throws {
        let store = try await makeStore()
        do {
            try await body(store)
            try await checkIntegrity(store)
        } catch {
            await store.close()
            throw error
        }
        await store.close()
    }

    // MARK: Ingest

    /// A new alert opens an incident with its observables, an `incident.created` event and an `intel.match` job.
    public func ingestCreatesIncidentAndItsRows() async throws {
        try await withStore { store in
            let alert = fixtures.alert(
                ref: "r1", title: "Brute force on VPN", severity: .high, fingerprint: "fp1",
                observables: [F.ip("203.0.113.5"), F.user("alice"), F.domain("evil.example")], time: F.at(-60))
            #expect(try await store.ingest([], policy: GroupingPolicy(), now: F.t0).isEmpty)
            let outcome = try await fixtures.ingest(store, alert, now: F.t0)
            #expect(outcome.alertID == alert.id)
            #expect(!outcome.duplicate)
            #expect(outcome.createdIncident)

            let incident = try await store.incident(id: try outcome.incident)
            #expect(incident.number == 1)
            #expect(incident.title == "Brute force on VPN")
            #expect(incident.severity == .high)
            #expect(incident.status == .new)
            #expect(incident.owner == nil)
            #expect(incident.fingerprint == "fp1")
            #expect(incident.alertCount == 1)
            #expect(incident.createdAt == F.t0)
            #expect(incident.updatedAt == F.t0)
            #expect(incident.lastAlertAt == F.t0)

            let record = try await store.alert(id: alert.id)
            #expect(record.alert.draft == alert.draft, "the stored alert reads back exactly as ingested")
            #expect(record.alert.incidentID == incident.id)
            #expect(record.alert.fingerprint == "fp1")
            #expect(record.alert.receivedAt == F.t0)
            #expect(record.observables.map(\.value) == ["203.0.113.5", "alice", "evil.example"])
            #expect(record.observables.allSatisfy { $0.verdict == .unknown && $0.intel.isEmpty })
            #expect(record.observables.allSatisfy { $0.incidentID == incident.id && $0.firstSeen == F.t0 })
            #expect(try await store.observables(alert: alert.id).map(\.id) == record.observables.map(\.id))
            let unknownAlert = AlertID(rawValue: "alert_01ZZZZZZZZZZZZZZZZZZZZZZZZ")
            let batch = try await store.observables(alerts: [alert.id, unknownAlert])
            #expect(batch.count == 1, "an unknown alert is absent from a batch read")
            #expect(batch[alert.id]?.map(\.id) == record.observables.map(\.id))
            #expect(Set(try await store.observables(incident: incident.id).map(\.id)) == Set(record.observables.map(\.id)))
            #expect(try await store.alerts(incident: incident.id, limit: 10) == [record.alert])

            let timeline = try await store.timeline(incident: incident.id)
            #expect(timeline.map(\.kind) == ["incident.created"])
            #expect(timeline.first?.details["alert_id"] == .string(alert.id.rawValue))
            #expect(timeline.first?.time == F.t0)

            #expect(try await store.pendingJobCount() == 1)
            let jobs = try await store.claim(limit: 10, now: F.t0, lease: .seconds(60))
            #expect(jobs.map(\.kind) == [JobKinds.intelMatch])
            #expect(jobs.first?.payload["alert_ids"] == .array([.string(alert.id.rawValue)]))
            #expect(jobs.first?.attempts == 0)
        }
    }

    /// A repeated (source, sourceRef), in the same batch or later, is a duplicate and writes nothing.
    public func ingestDeduplicatesBySourceRef() async throws {
        try await withStore { store in
            let first = fixtures.alert(ref: "r1", fingerprint: "fp1", observables: [F.ip("192.0.2.1")])
            let repeatInBatch = fixtures.alert(ref: "r1", fingerprint: "fp1", observables: [F.ip("192.0.2.99")])
            let otherSource = fixtures.alert(ref: "r1", source: "suricata", fingerprint: "fp2")
            let outcomes = try await store.ingest([first, repeatInBatch, otherSource], policy: GroupingPolicy(), now: F.t0)
            try #require(outcomes.count == 3)
            #expect(!outcomes[0].duplicate && outcomes[0].createdIncident)
            #expect(outcomes[1].duplicate)
            #expect(!outcomes[1].createdIncident)
            #expect(outcomes[1].alertID == first.id, "a duplicate names the stored alert")
            #expect(outcomes[1].incidentID == outcomes[0].incidentID)
            #expect(!outcomes[2].duplicate, "the same ref from another source is another alert")
            #expect(outcomes[2].alertID == otherSource.id)

            let later = fixtures.alert(ref: "r1", fingerprint: "fp1")
            let again = try await fixtures.ingest(store, later, now: F.at(10))
            #expect(again.duplicate)
            #expect(again.alertID == first.id)
            #expect(again.incidentID == outcomes[0].incidentID)

            let incident = try await store.incident(id: try outcomes[0].incident)
            #expect(incident.alertCount == 1)
            #expect(incident.lastAlertAt == F.t0, "a duplicate does not touch the incident")
            #expect(try await store.timeline(incident: incident.id).count == 1)
            #expect(try await store.observables(incident: incident.id).map(\.value) == ["192.0.2.1"])
            #expect(try await store.pendingJobCount() == 1, "one job per call that stored alerts, none for duplicates")
            let job = try #require(try await store.claim(limit: 10, now: F.at(20), lease: .seconds(60)).first)
            #expect(job.payload["alert_ids"] == .array([.string(first.id.rawValue), .string(otherSource.id.rawValue)]))
            await expectError(.notFound, "the duplicate's own id was never stored") {
                try await store.alert(id: repeatInBatch.id)
            }
        }
    }

    /// Alerts with the same fingerprint within the window join the open incident.
    public func ingestGroupsWithinWindow() async throws {
        try await withStore { store in
            let first = fixtures.alert(
                ref: "a", title: "First", severity: .low, fingerprint: "fp1",
                observables: [F.ip("203.0.113.5"), F.domain("evil.example")])
            let second = fixtures.alert(
                ref: "b", title: "Second", severity: .high, fingerprint: "fp1",
                observables: [F.ip("203.0.113.5"), F.ip("203.0.113.6")])
            let opened = try await fixtures.ingest(store, first, now: F.t0)
            let joined = try await fixtures.ingest(store, second, now: F.at(1800))
            #expect(!joined.createdIncident)
            #expect(joined.incidentID == opened.incidentID)

            var incident = try await store.incident(id: try opened.incident)
            #expect(incident.alertCount == 2)
            #expect(incident.severity == .high, "severity rises to the alert's")
            #expect(incident.title == "First")
            #expect(incident.createdAt == F.t0)
            #expect(incident.lastAlertAt == F.at(1800))
            #expect(incident.updatedAt == F.at(1800))

            let observables = try await store.observables(incident: incident.id)
            #expect(observables.count == 3, "one row per incident, type and value")
            let sharedFirst = try await store.observables(alert: first.id).first { $0.value == "203.0.113.5" }
            let sharedSecond = try await store.observables(alert: second.id).first { $0.value == "203.0.113.5" }
            #expect(sharedFirst != nil && sharedFirst?.id == sharedSecond?.id)
            // The batch read gives each alert its own observables in the order they were found, shared ones in both.
            let both = try await store.observables(alerts: [second.id, first.id])
            #expect(both[first.id]?.map(\.value) == ["203.0.113.5", "evil.example"])
            #expect(both[second.id]?.map(\.value) == ["203.0.113.5", "203.0.113.6"])
            #expect(both[first.id]?.first?.id == sharedFirst?.id && both[second.id]?.first?.id == sharedFirst?.id)

            #expect(try await store.timeline(incident: incident.id).map(\.kind) == ["incident.created", "alert.added"])
            #expect(try await store.alerts(incident: incident.id, limit: 10).map(\.id) == [second.id, first.id])
            #expect(try await store.alerts(incident: incident.id, limit: 1).map(\.id) == [second.id])

            // Exactly one window after the last alert still joins ("at most this old").
            let edge = fixtures.alert(ref: "c", severity: .low, fingerprint: "fp1")
            #expect(try await fixtures.ingest(store, edge, now: F.at(1800 + 3600)).incidentID == incident.id)
            incident = try await store.incident(id: incident.id)
            #expect(incident.alertCount == 3)
            #expect(incident.severity == .high, "severity never drops")

            // Within one batch, alerts of a new fingerprint share the incident the first opens.
            let batch = [
                fixtures.alert(ref: "d", title: "Batch", severity: .low, fingerprint: "fp2", observables: [F.ip("192.0.2.7")]),
                fixtures.alert(ref: "e", severity: .critical, fingerprint: "fp2", observables: [F.ip("192.0.2.7")]),
                fixtures.alert(ref: "f", severity: .medium, fingerprint: "fp2"),
            ]
            let outcomes = try await store.ingest(batch, policy: GroupingPolicy(), now: F.at(9000))
            #expect(outcomes.map(\.createdIncident) == [true, false, false])
            #expect(Set(outcomes.map(\.incidentID)).count == 1)
            let batchIncident = try await store.incident(id: try outcomes[0].incident)
            #expect(batchIncident.alertCount == 3)
            #expect(batchIncident.severity == .critical)
            #expect(batchIncident.title == "Batch")
            #expect(try await store.observables(incident: batchIncident.id).count == 1)
            // One `alert.added` event for the alerts a batch adds to an incident, not one per alert.
            let events = try await store.timeline(incident: batchIncident.id)
            #expect(events.map(\.kind) == ["incident.created", "alert.added"])
            #expect(events.last?.details["count"] == .number(2))
            #expect(events.last?.details["alert_ids"] == .array([.string(batch[1].id.rawValue), .string(batch[2].id.rawValue)]))
            #expect(events.last?.details["severity"] == .string("critical"))
            #expect(events.last?.message == "2 alerts added, first: \(batch[1].draft.title)")
            // Every alert of a batch reads back its own raw record.
            let stored = try await store.alerts(incident: batchIncident.id, limit: 10)
            #expect(
                Dictionary(uniqueKeysWithValues: stored.map { ($0.id, $0.draft.raw) })
                    == Dictionary(
                        uniqueKeysWithValues: batch.map { ($0.id, $0.draft.raw) }))
        }
    }

    /// After the window, or when the incident is resolved or closed, the same fingerprint opens a new incident.
    public func ingestOpensNewIncidentAfterWindowOrWhenClosed() async throws {
        try await withStore { store in
            let policy = GroupingPolicy(window: .seconds(600))
            let first = try await fixtures.ingest(store, fixtures.alert(ref: "a", fingerprint: "fp1"), now: F.t0, policy: policy)
            let late = try await fixtures.ingest(
                store, fixtures.alert(ref: "b", fingerprint: "fp1"), now: F.at(600.001), policy: policy)
            #expect(late.createdIncident, "one millisecond past the window opens a new incident")
            #expect(late.incidentID != first.incidentID)
            #expect(try await store.incident(id: try late.incident).number == 2)

            _ = try await store.updateIncident(
                id: try late.incident, changes: IncidentChanges(status: .closed), actor: Actor(name: "user:bob"), now: F.at(601))
            let afterClose = try await fixtures.ingest(
                store, fixtures.alert(ref: "c", fingerprint: "fp1"), now: F.at(602), policy: policy)
            #expect(afterClose.createdIncident, "a closed incident takes no new alerts")

            _ = try await store.updateIncident(
                id: try afterClose.incident, changes: IncidentChanges(status: .resolved), actor: .system, now: F.at(603))
            let afterResolve = try await fixtures.ingest(
                store, fixtures.alert(ref: "d", fingerprint: "fp1"), now: F.at(604), policy: policy)
            #expect(afterResolve.createdIncident, "a resolved incident takes no new alerts")

            for (index, status) in [IncidentStatus.inProgress, .onHold].enumerated() {
                _ = try await store.updateIncident(
                    id: try afterResolve.incident, changes: IncidentChanges(status: status), actor: .system,
                    now: F.at(605 + Double(index)))
                let joined = try await fixtures.ingest(
                    store, fixtures.alert(ref: "e\(index)", fingerprint: "fp1"), now: F.at(610 + Double(index)),
                    policy: policy)
                #expect(!joined.createdIncident && joined.incidentID == afterResolve.incidentID, "\(status) is open")
            }
            #expect(try await store.incident(id: try first.incident).alertCount == 1)
            #expect(try await store.incident(id: try afterResolve.incident).alertCount == 3)
        }
    }

    /// A batch that fails part-way (here: an alert id already used) leaves nothing behind.
    public func ingestIsAtomic() async throws {
        try await withStore { store in
            let stored = fixtures.alert(ref: "x", fingerprint: "fp-x")
            try await fixtures.ingest(store, stored, now: F.t0)
            let good = fixtures.alert(ref: "y", fingerprint: "fp-y", observables: [F.ip("192.0.2.55")])
            let clashing = fixtures.alert(ref: "z", fingerprint: "fp-z", id: stored.id)
            do {
                _ = try await store.ingest([good, clashing], policy: GroupingPolicy(), now: F.at(1))
                Issue.record("a batch reusing a stored alert id must fail")
            } catch {
                #expect(error is RiposteError, "the failure is a RiposteError, got \(error)")
            }
            #expect(try await store.incidents(matching: IncidentQuery()).items.count == 1)
            #expect(try await store.pendingJobCount() == 1)
            await expectError(.notFound, "the rolled-back alert") { try await store.alert(id: good.id) }
            #expect(try await store.incidents(matching: IncidentQuery(text: "192.0.2.55")).items.isEmpty)

            let retried = try await fixtures.ingest(store, good, now: F.at(2))
            #expect(!retried.duplicate && retried.createdIncident, "nothing of the failed batch was kept")
        }
    }

    // MARK: Incidents

    /// Newest first, cursor paging, and status, severity and text filters.
    public func incidentListPagesAndFilters() async throws {
        try await withStore { store in
            let specs: [(String, Severity, [ObservableDraft])] = [
                ("Phishing mail to CFO", .high, []),
                ("Brute force on VPN", .medium, []),
                ("Malware beacon", .critical, [F.domain("evil.example")]),
                ("phishing link clicked (100% sure)", .low, []),
                ("Port scan", .informational, []),
                ("Brute Force SSH", .high, []),
                ("Data exfiltration", .critical, [F.ip("198.51.100.7")]),
            ]
            var incidents: [Incident] = []
            for (index, spec) in specs.enumerated() {
                let alert = fixtures.alert(
                    ref: "r\(index)", title: spec.0, severity: spec.1, fingerprint: "fp\(index)", observables: spec.2)
                let outcome = try await fixtures.ingest(store, alert, now: F.at(Double(index)))
                incidents.append(try await store.incident(id: try outcome.incident))
            }
            let id = incidents.map(\.id)
            #expect(incidents.map(\.number) == Array(1...7), "numbers count up from 1")

            let page1 = try await store.incidents(matching: IncidentQuery(limit: 3))
            #expect(page1.items.map(\.id) == [id[6], id[5], id[4]])
            let cursor1 = try #require(page1.nextCursor)
            let page2 = try await store.incidents(matching: IncidentQuery(limit: 3, cursor: cursor1))
            #expect(page2.items.map(\.id) == [id[3], id[2], id[1]])
            let cursor2: String = try #require(page2.nextCursor)
            let page3 = try await store.incidents(matching: IncidentQuery(limit: 3, cursor: cursor2))
            #expect(page3.items.map(\.id) == [id[0]])
            #expect(page3.nextCursor == nil)
            let exact = try await store.incidents(matching: IncidentQuery(limit: 7))
            #expect(exact.items.count == 7 && exact.nextCursor == nil, "no cursor when the last page is full")
            #expect(exact.items.first == incidents[6])

            for index in [1, 3] {
                _ = try await store.updateIncident(
                    id: id[index], changes: IncidentChanges(status: .closed), actor: .system, now: F.at(100))
            }
            #expect(try await store.incidents(matching: IncidentQuery(statuses: [.closed])).items.map(\.id) == [id[3], id[1]])
            #expect(try await store.incidents(matching: IncidentQuery(statuses: [.new])).items.count == 5)
            #expect(
                try await store.incidents(matching: IncidentQuery(statuses: [.new, .closed])).items.count == 7)
            #expect(
                try await store.incidents(matching: IncidentQuery(severities: [.critical])).items.map(\.id) == [id[6], id[2]])

            // Paging through a filtered list.
            let severe = IncidentQuery(severities: [.critical, .high], limit: 2)
            let severe1 = try await store.incidents(matching: severe)
            #expect(severe1.items.map(\.id) == [id[6], id[5]])
            var severe2Query = severe
            let severeCursor: String = try #require(severe1.nextCursor)
            severe2Query.cursor = severeCursor
            let severe2 = try await store.incidents(matching: severe2Query)
            #expect(severe2.items.map(\.id) == [id[2], id[0]])
            #expect(severe2.nextCursor == nil)

            // Text: title substring (any case), #number, or an observable value.
            #expect(try await store.incidents(matching: IncidentQuery(text: "PHISHING")).items.map(\.id) == [id[3], id[0]])
            #expect(
                try await store.incidents(matching: IncidentQuery(text: "#\(incidents[2].number)")).items.map(\.id) == [id[2]])
            #expect(try await store.incidents(matching: IncidentQuery(text: "evil.example")).items.map(\.id) == [id[2]])
            #expect(try await store.incidents(matching: IncidentQuery(text: "198.51.100.7")).items.map(\.id) == [id[6]])
            #expect(try await store.incidents(matching: IncidentQuery(text: "100%")).items.map(\.id) == [id[3]])
            #expect(try await store.incidents(matching: IncidentQuery(text: "10_%")).items.isEmpty, "LIKE wildcards are literal")
            #expect(try await store.incidents(matching: IncidentQuery(text: "nothing like it")).items.isEmpty)
            #expect(
                try await store.incidents(matching: IncidentQuery(statuses: [.new], text: "brute force")).items.map(\.id)
                    == [id[5]])

            await expectError(.invalid, "a malformed cursor") {
                try await store.incidents(matching: IncidentQuery(cursor: "not a cursor"))
            }
            await expectError(.invalid, "limit 0") { try await store.incidents(matching: IncidentQuery(limit: 0)) }
            await expectError(.invalid, "limit 501") { try await store.incidents(matching: IncidentQuery(limit: 501)) }
        }
    }

    /// Each changed field writes one timeline event with `from` and `to`; unchanged fields write none.
    public func updateWritesTimeline() async throws {
        try await withStore { store in
            let outcome = try await fixtures.ingest(
                store, fixtures.alert(ref: "r", title: "Old title", severity: .medium, fingerprint: "fp"), now: F.t0)
            let bob = Actor(name: "user:bob")
            let updated = try await store.updateIncident(
                id: try outcome.incident,
                changes: IncidentChanges(status: .inProgress, severity: .critical, owner: .some("alice"), title: "New title"),
                actor: bob, now: F.at(60))
            #expect(updated.status == .inProgress)
            #expect(updated.severity == .critical)
            #expect(updated.owner == "alice")
            #expect(updated.title == "New title")
            #expect(updated.updatedAt == F.at(60))
            #expect(updated.createdAt == F.t0)
            #expect(try await store.incident(id: try outcome.incident) == updated)

            let events = try await store.timeline(incident: try outcome.incident).filter { $0.kind != "incident.created" }
            #expect(
                Set(events.map(\.kind)) == ["status.changed", "severity.changed", "owner.changed", "title.changed"])
            #expect(events.count == 4)
            #expect(events.allSatisfy { $0.actor == bob && $0.time == F.at(60) && $0.incidentID == outcome.incidentID })
            func details(_ kind: String) -> JSONValue? { events.first { $0.kind == kind }?.details }
            #expect(details("status.changed") == .object([("from", .string("new")), ("to", .string("in_progress"))]))
            #expect(details("severity.changed") == .object([("from", .string("medium")), ("to", .string("critical"))]))
            #expect(details("owner.changed") == .object([("from", .null), ("to", .string("alice"))]))
            #expect(details("title.changed") == .object([("from", .string("Old title")), ("to", .string("New title"))]))

            let same = try await store.updateIncident(
                id: try outcome.incident, changes: IncidentChanges(status: .inProgress, owner: .some("alice")), actor: bob,
                now: F.at(120))
            #expect(same == updated, "values equal to the stored ones change nothing")
            #expect(try await store.timeline(incident: try outcome.incident).count == 5)

            let cleared = try await store.updateIncident(
                id: try outcome.incident, changes: IncidentChanges(owner: .some(nil)), actor: bob, now: F.at(180))
            #expect(cleared.owner == nil)
            let last = try #require(try await store.timeline(incident: try outcome.incident).last)
            #expect(last.kind == "owner.changed")
            #expect(last.details == .object([("from", .string("alice")), ("to", .null)]))

            await expectError(.invalid, "empty changes") {
                try await store.updateIncident(id: try outcome.incident, changes: IncidentChanges(), actor: bob, now: F.t0)
            }
        }
    }

    /// Notes and tasks are listed oldest first and each change leaves its timeline event.
    public func notesAndTasks() async throws {
        try await withStore { store in
            let incident = try await fixtures.ingest(store, fixtures.alert(ref: "r", fingerprint: "fp"), now: F.t0).incident
            let alice = Actor(name: "user:alice")
            let note1 = try await store.addNote(incident: incident, body: "Called the user", author: alice, now: F.at(10))
            #expect(note1.body == "Called the user")
            #expect(note1.author == alice)
            #expect(note1.incidentID == incident)
            #expect(note1.createdAt == F.at(10))
            let note2 = try await store.addNote(incident: incident, body: "Line 1\n\"quoted\" ✓", author: alice, now: F.at(20))
            #expect(try await store.notes(incident: incident) == [note1, note2])
            await expectError(.invalid, "an empty note") {
                try await store.addNote(incident: incident, body: "  \n", author: alice, now: F.at(30))
            }

            let task = try await store.addTask(
                incident: incident, title: "Reset password", owner: nil, actor: alice, now: F.at(40))
            #expect(task.status == .open)
            #expect(task.title == "Reset password")
            #expect(task.owner == nil)
            #expect(task.createdAt == F.at(40) && task.updatedAt == F.at(40))
            let done = try await store.updateTask(
                id: task.id, incident: incident, changes: CaseTaskChanges(status: .done, owner: .some("bob")), actor: alice,
                now: F.at(50))
            #expect(done.status == .done)
            #expect(done.owner == "bob")
            #expect(done.updatedAt == F.at(50))
            #expect(done.createdAt == F.at(40))
            #expect(try await store.tasks(incident: incident) == [done])
            await expectError(.invalid, "a change to the stored values") {
                try await store.updateTask(
                    id: task.id, incident: incident, changes: CaseTaskChanges(status: .done), actor: alice, now: F.at(60))
            }
            await expectError(.invalid, "no change at all") {
                try await store.updateTask(
                    id: task.id, incident: incident, changes: CaseTaskChanges(), actor: alice, now: F.at(60))
            }
            await expectError(.invalid, "an empty task title") {
                try await store.addTask(incident: incident, title: "", owner: nil, actor: alice, now: F.at(60))
            }

            let other = try await fixtures.ingest(store, fixtures.alert(ref: "o", fingerprint: "fp-other"), now: F.t0).incident
            await expectError(.notFound, "a task of another incident") {
                try await store.updateTask(
                    id: task.id, incident: other, changes: CaseTaskChanges(status: .open), actor: alice, now: F.at(60))
            }

            let timeline = try await store.timeline(incident: incident)
            #expect(
                timeline.map(\.kind)
                    == ["incident.created", "note.added", "note.added", "task.added", "task.updated", "task.updated"])
            #expect(timeline[1].details["note_id"] == .string(note1.id.rawValue))
            #expect(timeline[3].details["task_id"] == .string(task.id.rawValue))
            #expect(timeline.dropFirst().allSatisfy { $0.actor == alice })
            #expect(try await store.timeline(incident: other).count == 1)
        }
    }

    // MARK: Intel

    /// Hits merge once per feed and indicator, verdicts only rise, and repeating an update changes nothing.
    public func recordIntelIsIdempotentAndRaisesVerdict() async throws {
        try await withStore { store in
            let alert = fixtures.alert(
                ref: "r", fingerprint: "fp", observables: [F.ip("203.0.113.5"), F.domain("evil.example")])
            let incident = try await fixtures.ingest(store, alert, now: F.t0).incident
            let named = try await store.observables(alert: alert.id)
            let ip = try #require(named.first { $0.type == .ipv4 })
            let domain = try #require(named.first { $0.type == .domain })

            let feodo = IntelHit(
                feed: "feodo", indicator: "203.0.113.5", match: .exact, firstSeen: F.at(-86_400), confidence: 90,
                label: "botnet_cc", reliability: .b, tlp: .amber)
            let update = [
                ObservableIntelUpdate(observableID: ip.id, hits: [feodo], verdict: .malicious),
                ObservableIntelUpdate(observableID: domain.id, hits: [], verdict: .unknown),
            ]
            #expect(try await store.recordIntel(update, now: F.at(5)) == 1)
            var observables = try await store.observables(incident: incident)
            #expect(observables.map(\.id) == [ip.id, domain.id], "worst verdict first")
            #expect(observables[0].verdict == .malicious)
            #expect(observables[0].intel == [feodo])
            #expect(observables[1].verdict == .unknown)
            let batchRead = try await store.observables(alerts: [alert.id])[alert.id]
            #expect(batchRead?.first { $0.id == ip.id }?.intel == [feodo], "the batch read carries each observable's hits")
            #expect(batchRead?.first { $0.id == ip.id }?.verdict == .malicious)
            var matched = try await store.timeline(incident: incident).filter { $0.kind == "intel.matched" }
            #expect(matched.count == 1)
            #expect(matched.first?.details["feed"] == .string("feodo"))
            #expect(matched.first?.details["indicator"] == .string("203.0.113.5"))
            #expect(matched.first?.details["match"] == .string("exact"))
            #expect(matched.first?.time == F.at(5))
            // The timeline says why: the deciding hit's score (90 × 0.9 for reliability B), reliability and TLP.
            #expect(matched.first?.details["reason"] == .string(VerdictPolicy.explain([feodo]).reason))
            let recorded = matched.first?.details["hits"]?.arrayValue?.first
            #expect(recorded?["score"] == .number(81))
            #expect(recorded?["reliability"] == .string("B"))
            #expect(recorded?["tlp"] == .string("amber"))

            #expect(try await store.recordIntel(update, now: F.at(6)) == 0, "repeating an update changes nothing")
            #expect(try await store.timeline(incident: incident).filter { $0.kind == "intel.matched" }.count == 1)

            let cidr = IntelHit(feed: "abuse", indicator: "203.0.113.0/24", match: .cidr, firstSeen: F.at(-10))
            #expect(
                try await store.recordIntel(
                    [ObservableIntelUpdate(observableID: ip.id, hits: [feodo, cidr], verdict: .suspicious)], now: F.at(7)) == 1)
            observables = try await store.observables(incident: incident)
            #expect(observables[0].verdict == .malicious, "a verdict never goes down")
            #expect(Set(observables[0].intel) == [feodo, cidr])
            matched = try await store.timeline(incident: incident).filter { $0.kind == "intel.matched" }
            #expect(matched.count == 2)
            #expect(matched.last?.details["feed"] == .string("abuse"))

            // A raised verdict without a new hit counts as a change but is no match.
            #expect(
                try await store.recordIntel(
                    [ObservableIntelUpdate(observableID: domain.id, hits: [], verdict: .suspicious)], now: F.at(8)) == 1)
            #expect(try await store.observables(alert: alert.id).first { $0.id == domain.id }?.verdict == .suspicious)
            #expect(try await store.timeline(incident: incident).filter { $0.kind == "intel.matched" }.count == 2)

            // All or nothing: an unknown observable fails the whole call.
            let unknown = ObservableID(rawValue: "obs_00000000000000000000000000")
            await expectError(.notFound, "an unknown observable") {
                try await store.recordIntel(
                    [
                        ObservableIntelUpdate(observableID: domain.id, hits: [cidr], verdict: .malicious),
                        ObservableIntelUpdate(observableID: unknown, hits: [], verdict: .malicious),
                    ], now: F.at(9))
            }
            let domainAfter = try await store.observables(alert: alert.id).first { $0.id == domain.id }
            #expect(domainAfter?.verdict == .suspicious && domainAfter?.intel.isEmpty == true)

            // The retro-hunt scan: observables first seen since a time, in id order, paged by the last id.
            let recent = try await store.observables(firstSeenSince: F.t0, after: nil, limit: 1)
            #expect(recent.count == 1)
            let rest = try await store.observables(firstSeenSince: F.t0, after: recent[0].id, limit: 10)
            #expect(Set((recent + rest).map(\.id)) == [ip.id, domain.id])
            #expect(try await store.observables(firstSeenSince: F.at(1), after: nil, limit: 10).isEmpty)
            await expectError(.invalid, "a page over 10,000") {
                try await store.observables(firstSeenSince: F.t0, after: nil, limit: 10_001)
            }
            // A retroactive match is told apart on the timeline.
            let late = IntelHit(feed: "late", indicator: "evil.example", match: .exact, firstSeen: F.at(9))
            #expect(
                try await store.recordIntel(
                    [ObservableIntelUpdate(observableID: domain.id, hits: [late], verdict: .malicious, retroactive: true)],
                    now: F.at(9)) == 1)
            let retro = try await store.timeline(incident: incident).filter { $0.kind == "intel.retro_matched" }
            #expect(retro.map(\.message) == ["Retro-hunt: domain evil.example matched evil.example from late"])
        }
    }

    // MARK: Jobs

    /// Claims take due jobs oldest first and lease them; expired leases and retries are claimed again.
    public func jobLeasesExpireAndRetry() async throws {
        try await withStore { store in
            func job(_ n: Int, runAt: Date) -> Job {
                Job(id: fixtures.ids.next(), kind: "test.job", payload: .object([("n", .number(Double(n)))]), runAt: runAt)
            }
            let j1 = job(1, runAt: F.t0)
            let j2 = job(2, runAt: F.at(10))
            let j3 = job(3, runAt: F.at(3600))
            try await store.enqueue([j3, j2, j1])
            #expect(try await store.pendingJobCount() == 3)

            var claimed = try await store.claim(limit: 10, now: F.at(10), lease: .seconds(60))
            #expect(claimed.map(\.id) == [j1.id, j2.id], "due jobs, oldest first")
            #expect(claimed.map(\.attempts) == [0, 0])
            #expect(claimed.first == j1)
            #expect(try await store.claim(limit: 10, now: F.at(20), lease: .seconds(60)).isEmpty, "leased jobs wait")

            claimed = try await store.claim(limit: 1, now: F.at(71), lease: .seconds(60))
            #expect(claimed.map(\.id) == [j1.id], "an expired lease is claimed again; limit holds")
            #expect(claimed.first?.attempts == 1)
            claimed = try await store.claim(limit: 10, now: F.at(71), lease: .seconds(60))
            #expect(claimed.map(\.id) == [j2.id])

            try await store.complete([j1.id, JobID(rawValue: "job_unknown")])
            #expect(try await store.pendingJobCount() == 2)

            try await store.fail(j2.id, error: "timeout", retryAt: F.at(200))
            #expect(try await store.claim(limit: 10, now: F.at(199), lease: .seconds(60)).isEmpty)
            claimed = try await store.claim(limit: 10, now: F.at(200), lease: .seconds(60))
            #expect(claimed.map(\.id) == [j2.id], "a failed job is retried at retryAt, lease or not")
            #expect(claimed.first?.attempts == 2)

            try await store.fail(j2.id, error: "fatal", retryAt: nil)
            #expect(try await store.pendingJobCount() == 1, "a dead job is not pending")
            #expect(try await store.claim(limit: 10, now: F.at(7200), lease: .seconds(60)).map(\.id) == [j3.id])
            #expect(try await store.claim(limit: 10, now: F.at(99_999), lease: .seconds(60)).map(\.id) == [j3.id])
            try await store.complete([j3.id])
            #expect(try await store.pendingJobCount() == 0)
        }
    }

    // MARK: Indicators

    /// Imports insert or refresh (first seen kept) and count each; pages cover every indicator once.
    public func indicatorsUpsertAndPage() async throws {
        try await withStore { store in
            let values = ["192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4", "192.0.2.5"]
            let first = values.map {
                Indicator(type: .ipv4, value: $0, feed: "feodo", confidence: 80, label: "botnet_cc", firstSeen: F.t0)
            }
            #expect(try await store.importIndicators(first, now: F.t0) == IndicatorImportSummary(added: 5, updated: 0))
            #expect(try await store.importIndicators([], now: F.t0) == IndicatorImportSummary(added: 0, updated: 0))

            let second = [
                Indicator(type: .ipv4, value: "192.0.2.1", feed: "feodo", confidence: 95, label: "c2", firstSeen: F.at(100)),
                Indicator(type: .ipv4, value: "192.0.2.2", feed: "feodo", confidence: nil, label: nil, firstSeen: F.at(100)),
                Indicator(type: .domain, value: "evil.example", feed: "feodo", firstSeen: F.at(100)),
                Indicator(type: .ipv4, value: "192.0.2.1", feed: "abuse", firstSeen: F.at(100)),
            ]
            #expect(try await store.importIndicators(second, now: F.at(100)) == IndicatorImportSummary(added: 2, updated: 2))
            #expect(try await store.importIndicators(second, now: F.at(200)) == IndicatorImportSummary(added: 0, updated: 4))
            #expect(try await store.indicatorCount() == 7)

            var all: [Indicator] = []
            var cursor: String?
            var pages = 0
            repeat {
                let page = try await store.indicators(after: cursor, limit: 3)
                all += page.indicators
                cursor = page.next
                pages += 1
            } while cursor != nil && pages < 10
            #expect(pages == 3)
            #expect(all.count == 7)
            #expect(Set(all.map { "\($0.feed)/\($0.value)" }).count == 7, "every indicator exactly once")
            let again = try await store.indicators(after: nil, limit: 100)
            #expect(again.indicators == all, "the order is stable")
            #expect(again.next == nil)

            let refreshed = try #require(all.first { $0.feed == "feodo" && $0.value == "192.0.2.1" })
            #expect(refreshed.firstSeen == F.t0, "first seen never changes")
            #expect(refreshed.confidence == 95)
            #expect(refreshed.label == "c2")
            let cleared = try #require(all.first { $0.feed == "feodo" && $0.value == "192.0.2.2" })
            #expect(cleared.confidence == nil && cleared.label == nil)
            #expect(all.first { $0.feed == "abuse" }?.firstSeen == F.at(100))

            await expectError(.invalid, "a malformed cursor") { try await store.indicators(after: "%%%", limit: 3) }

            // Lifecycle fields round-trip, and a re-import may revoke or re-date an indicator.
            var stix = Indicator(
                type: .domain, value: "c2.example", feed: "stix-feed", confidence: 70, label: "malicious-activity",
                firstSeen: F.at(300), validFrom: F.at(250), validUntil: F.at(900), revoked: false, tlp: .amberStrict,
                sourceRef: "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", description: "C2 of the campaign")
            #expect(try await store.importIndicators([stix], now: F.at(300)) == IndicatorImportSummary(added: 1, updated: 0))
            var stored = try await store.indicators(after: nil, limit: 100).indicators.first { $0.feed == "stix-feed" }
            #expect(stored == stix)
            stix.revoked = true
            stix.validUntil = nil
            stix.tlp = nil
            _ = try await store.importIndicators([stix], now: F.at(400))
            stored = try await store.indicators(after: nil, limit: 100).indicators.first { $0.feed == "stix-feed" }
            #expect(stored?.revoked == true && stored?.validUntil == nil && stored?.tlp == nil)
            #expect(stored?.firstSeen == F.at(300))
        }
    }

    // MARK: Feeds

    /// Feeds are created once per name, updated without losing their state, and deleted.
    public func feedsAndTheirState() async throws {
        try await withStore { store in
            let feodo = FeedDefinition(
                name: "feodo", kind: .csv, url: "https://feodotracker.abuse.ch/downloads/ipblocklist.csv",
                csvColumn: "feodotracker", intervalSeconds: 900, reliability: .b, createdAt: F.t0)
            let otx = FeedDefinition(
                name: "otx", kind: .taxii, url: "https://otx.example/taxii/root/", collection: "user_x",
                enabled: false, reliability: .c,
                authentication: .header(name: "X-OTX-API-KEY", secretRef: "env:RIPOSTE_FEED_OTX_KEY"), createdAt: F.at(1))
            try await store.createFeed(otx)
            try await store.createFeed(feodo)
            await expectError(.conflict, "a taken feed name") { try await store.createFeed(feodo) }
            #expect(try await store.feeds().map(\.definition) == [feodo, otx])
            #expect(try await store.feed(named: "otx")?.state == FeedState())

            let polled = FeedState(
                lastAttemptAt: F.at(10), lastSuccessAt: F.at(10), etag: "\"abc\"", lastModified: "Wed, 03 Dec 2026 10:00:00 GMT",
                cursor: "2026-12-03T10:00:00.000Z", lastAdded: 12, lastUpdated: 3, nextPollAt: F.at(910))
            try await store.recordFeedState(named: "feodo", polled)
            var changed = feodo
            changed.intervalSeconds = 3600
            changed.authentication = .basic(user: "reader", secretRef: "file:/run/secrets/feodo")
            try await store.updateFeed(changed)
            let record = try #require(try await store.feed(named: "feodo"))
            #expect(record.definition == changed)
            #expect(record.state == polled, "a definition change keeps the polling state")
            var failed = polled
            failed.lastError = "GET https://feodotracker.abuse.ch/… answered 503"
            try await store.recordFeedState(named: "feodo", failed)
            #expect(try await store.feed(named: "feodo")?.state.lastError == failed.lastError)

            try await store.deleteFeed(named: "otx")
            #expect(try await store.feed(named: "otx") == nil)
            await expectError(.notFound, "deleting a missing feed") { try await store.deleteFeed(named: "otx") }
            await expectError(.notFound, "updating a missing feed") { try await store.updateFeed(otx) }
            await expectError(.notFound, "state of a missing feed") { try await store.recordFeedState(named: "otx", polled) }
        }
    }

    /// Alert mappings are saved by name (created, then replaced) and deleted.
    public func alertMappingsByName() async throws {
        try await withStore { store in
            #expect(try await store.saveAlertMapping(name: "edr", definition: #"{"title":"a"}"#, now: F.t0))
            #expect(try await store.saveAlertMapping(name: "av", definition: #"{"title":"b"}"#, now: F.t0))
            #expect(try await !store.saveAlertMapping(name: "edr", definition: #"{"title":"c"}"#, now: F.at(5)))
            let all = try await store.alertMappings()
            #expect(all.map(\.name) == ["av", "edr"])
            #expect(
                all.last == StoredAlertMapping(name: "edr", definition: #"{"title":"c"}"#, createdAt: F.t0, updatedAt: F.at(5)))
            try await store.deleteAlertMapping(name: "av")
            #expect(try await store.alertMappings().map(\.name) == ["edr"])
            await expectError(.notFound, "deleting a missing mapping") { try await store.deleteAlertMapping(name: "av") }
        }
    }

    // MARK: Access

    /// Users and tokens are stored once per name and found by name and secret hash.
    public func accessTokensAndUsers() async throws {
        try await withStore { store in
            #expect(try await store.userCount() == 0)
            let alice = User(
                id: fixtures.ids.next(), name: "alice", role: .admin,
                passwordHash: "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA",
                createdAt: F.t0)
            try await store.createUser(alice)
            #expect(try await store.userCount() == 1)
            #expect(try await store.user(named: "alice") == alice)
            #expect(try await store.user(named: "bob") == nil)
            await expectError(.conflict, "a taken user name") {
                try await store.createUser(
                    User(id: fixtures.ids.next(), name: "alice", role: .viewer, passwordHash: "x", createdAt: F.t0))
            }
            #expect(try await store.userCount() == 1)

            let token = APIToken(
                id: fixtures.ids.next(), name: "splunk", role: .analyst, secretHash: String(repeating: "ab", count: 32),
                createdAt: F.at(1))
            try await store.createToken(token)
            #expect(try await store.token(secretHash: token.secretHash) == token)
            #expect(try await store.token(secretHash: String(repeating: "cd", count: 32)) == nil)
            await expectError(.conflict, "a taken token name") {
                try await store.createToken(
                    APIToken(id: fixtures.ids.next(), name: "splunk", role: .viewer, secretHash: "ef", createdAt: F.t0))
            }
            let scoped = APIToken(
                id: fixtures.ids.next(), name: "qradar-forwarder", role: .ingest,
                secretHash: String(repeating: "12", count: 32), createdAt: F.at(2), source: "qradar")
            try await store.createToken(scoped)
            #expect(try await store.token(secretHash: scoped.secretHash) == scoped)
        }
    }

    // MARK: Pollers

    /// A poller state is saved whole under its name, replaced by the next save, listed by name;
    /// a state with no name, no kind or negative counts is refused and changes nothing.
    public func pollerStateIsSavedPerName() async throws {
        try await withStore { store in
            #expect(try await store.pollerState(named: "qradar") == nil)
            #expect(try await store.pollerStates().isEmpty)
            let first = PollerState(
                name: "qradar", kind: "qradar", cursor: "1613399051536", lastPollAt: F.t0, lastSuccessAt: F.t0,
                itemsLastPoll: 2, itemsTotal: 2)
            try await store.savePollerState(first)
            #expect(try await store.pollerState(named: "qradar") == first)

            // A failed poll keeps the cursor and the last success, and records why.
            var failed = first
            failed.lastPollAt = F.at(60)
            failed.lastError = "QRadar answered 401: check RIPOSTE_QRADAR_TOKEN"
            failed.itemsLastPoll = 0
            try await store.savePollerState(failed)
            #expect(try await store.pollerState(named: "qradar") == failed)

            // Clearing optional fields clears them: a save replaces every field.
            let cleared = PollerState(name: "qradar", kind: "qradar", itemsTotal: 2)
            try await store.savePollerState(cleared)
            #expect(try await store.pollerState(named: "qradar") == cleared)

            let sentinel = PollerState(
                name: "sentinel", kind: "sentinel", cursor: "2019-01-01T13:15:30Z", lastPollAt: F.at(1), itemsLastPoll: 1,
                itemsTotal: 1)
            try await store.savePollerState(sentinel)
            let azure = PollerState(name: "azure-gov", kind: "sentinel")
            try await store.savePollerState(azure)
            #expect(try await store.pollerStates() == [azure, cleared, sentinel])

            await expectError(.invalid, "an empty poller name") {
                try await store.savePollerState(PollerState(name: "", kind: "qradar"))
            }
            await expectError(.invalid, "an empty poller kind") {
                try await store.savePollerState(PollerState(name: "qradar", kind: ""))
            }
            await expectError(.invalid, "a negative item count") {
                try await store.savePollerState(PollerState(name: "qradar", kind: "qradar", itemsTotal: -1))
            }
            #expect(try await store.pollerState(named: "qradar") == cleared)
            #expect(try await store.pollerStates().count == 3)
        }
    }

    // MARK: Errors and lifecycle

    /// Every method that names a missing incident, alert, observable or task throws `.notFound`.
    public func notFoundErrors() async throws {
        try await withStore { store in
            let incident = IncidentID(rawValue: "inc_00000000000000000000000000")
            let alert = AlertID(rawValue: "alert_00000000000000000000000000")
            let task = CaseTaskID(rawValue: "task_00000000000000000000000000")
            let actor = Actor.system
            await expectError(.notFound, "incident(id:)") { try await store.incident(id: incident) }
            await expectError(.notFound, "updateIncident") {
                try await store.updateIncident(id: incident, changes: IncidentChanges(status: .closed), actor: actor, now: F.t0)
            }
            await expectError(.notFound, "observables(incident:)") { try await store.observables(incident: incident) }
            await expectError(.notFound, "alerts(incident:)") { try await store.alerts(incident: incident, limit: 10) }
            await expectError(.notFound, "alert(id:)") { try await store.alert(id: alert) }
            await expectError(.notFound, "observables(alert:)") { try await store.observables(alert: alert) }
            await expectError(.notFound, "timeline") { try await store.timeline(incident: incident) }
            await expectError(.notFound, "addNote") {
                try await store.addNote(incident: incident, body: "x", author: actor, now: F.t0)
            }
            await expectError(.notFound, "notes") { try await store.notes(incident: incident) }
            await expectError(.notFound, "addTask") {
                try await store.addTask(incident: incident, title: "x", owner: nil, actor: actor, now: F.t0)
            }
            await expectError(.notFound, "tasks") { try await store.tasks(incident: incident) }
            await expectError(.notFound, "updateTask on a missing incident") {
                try await store.updateTask(
                    id: task, incident: incident, changes: CaseTaskChanges(status: .done), actor: actor, now: F.t0)
            }
            let real = try await fixtures.ingest(store, fixtures.alert(ref: "r", fingerprint: "fp"), now: F.t0).incident
            await expectError(.notFound, "updateTask on a missing task") {
                try await store.updateTask(
                    id: task, incident: real, changes: CaseTaskChanges(status: .done), actor: actor, now: F.t0)
            }
            await expectError(.notFound, "recordIntel") {
                try await store.recordIntel(
                    [ObservableIntelUpdate(observableID: ObservableID(rawValue: "obs_x"), hits: [], verdict: .malicious)],
                    now: F.t0)
            }
        }
    }

    /// A store answers readiness while open; after `close()` every call throws `.unavailable`.
    public func closeMakesStoreUnavailable() async throws {
        let store = try await makeStore()
        try await store.checkReadiness()
        let outcome = try await fixtures.ingest(store, fixtures.alert(ref: "r", fingerprint: "fp"), now: F.t0)
        await store.close()
        await expectError(.unavailable, "checkReadiness after close") { try await store.checkReadiness() }
        await expectError(.unavailable, "a read after close") { try await store.incident(id: try outcome.incident) }
        await expectError(.unavailable, "a write after close") {
            try await store.ingest([fixtures.alert(ref: "s")], policy: GroupingPolicy(), now: F.t0)
        }
        await store.close()
    }
}
