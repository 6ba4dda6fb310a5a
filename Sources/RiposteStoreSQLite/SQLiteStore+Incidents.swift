// IncidentStore: the incident list, incident changes, alerts, observables, timeline, notes and tasks.
// Every change writes its timeline events in the same transaction.
package import FoundationEssentials
package import RiposteCore

extension SQLiteStore {
    static let maximumIncidentPage = 500
    static let maximumAlertPage = 10_000

    package func incident(id: IncidentID) async throws -> Incident {
        try await read { connection in try connection.fetchIncident(id) }
    }

    package func incidents(matching query: IncidentQuery) async throws -> Page<Incident> {
        guard (1...Self.maximumIncidentPage).contains(query.limit) else {
            throw RiposteError.invalid("limit must be between 1 and \(Self.maximumIncidentPage)")
        }
        var conditions: [String] = []
        var values: [SQLiteValue] = []
        if let cursor = query.cursor {
            conditions.append("number < ?")
            values.append(.integer(try PageCursor.decode(cursor, kind: .incidents)))
        }
        if !query.statuses.isEmpty {
            let statuses = query.statuses.map(\.rawValue).sorted()
            conditions.append("status IN (\(Self.placeholders(statuses.count)))")
            values += statuses.map { .text($0) }
        }
        if !query.severities.isEmpty {
            let severities = query.severities.map(\.rawValue).sorted()
            conditions.append("severity IN (\(Self.placeholders(severities.count)))")
            values += severities.map { .int($0) }
        }
        if let text = query.text?.trimmedWhitespace, !text.isEmpty {
            if text.hasPrefix("#"), let number = Int64(text.dropFirst()), number > 0 {
                conditions.append("number = ?")
                values.append(.integer(number))
            } else {
                // Title substring (LIKE folds ASCII case), or an observable whose value is the text
                // in any of its normal forms. Naming every type lets the (type, value) index serve.
                let candidates = Self.observableValueCandidates(text)
                let types = ObservableType.allCases.map { "'\($0.rawValue)'" }.joined(separator: ", ")
                conditions.append(
                    """
                    (title LIKE ? ESCAPE '\\' OR id IN (SELECT incident_id FROM observables \
                    WHERE type IN (\(types)) AND value IN (\(Self.placeholders(candidates.count)))))
                    """)
                values.append(.text("%" + Self.escapeLike(text) + "%"))
                values += candidates.map { .text($0) }
            }
        }
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        values.append(.int(query.limit + 1))
        // Newest first over the rowid (number): no OFFSET, no sort.
        let sql = "SELECT \(IncidentRow.columns) FROM incidents \(whereClause) ORDER BY number DESC LIMIT ?"
        let limit = query.limit
        return try await read { [values] connection in
            var items = try connection.queryAll(sql, values, IncidentRow.decode)
            var next: String?
            if items.count > limit {
                items.removeLast(items.count - limit)
                next = items.last.map { PageCursor.encode(Int64($0.number), kind: .incidents) }
            }
            return Page(items: items, nextCursor: next)
        }
    }

    static func placeholders(_ count: Int) -> String {
        Array(repeating: "?", count: count).joined(separator: ", ")
    }

    static func escapeLike(_ text: String) -> String {
        var escaped = ""
        for character in text {
            if character == "\\" || character == "%" || character == "_" { escaped.append("\\") }
            escaped.append(character)
        }
        return escaped
    }

    /// The text as typed, lowercased, and as each observable type normalises it.
    static func observableValueCandidates(_ text: String) -> [String] {
        var candidates = [text]
        for candidate in [text.lowercased()]
            + ObservableType.allCases.compactMap({ ObservableNormalizer.normalize(text, as: $0) })
        where !candidates.contains(candidate) {
            candidates.append(candidate)
        }
        return candidates
    }

    package func updateIncident(id: IncidentID, changes: IncidentChanges, actor: Actor, now: Date) async throws
        -> Incident
    {
        guard !changes.isEmpty else { throw RiposteError.invalid("no changes given") }
        if let title = changes.title, title.isBlank {
            throw RiposteError.invalid("the title must not be empty")
        }
        let ids = self.ids
        return try await write { connection in
            var incident = try connection.fetchIncident(id)
            var events: [(kind: String, message: String, from: JSONValue, to: JSONValue)] = []
            if let status = changes.status, status != incident.status {
                events.append(
                    (
                        "status.changed", "Status changed from \(incident.status.rawValue) to \(status.rawValue)",
                        .string(incident.status.rawValue), .string(status.rawValue)
                    ))
                incident.status = status
            }
            if let severity = changes.severity, severity != incident.severity {
                events.append(
                    (
                        "severity.changed", "Severity changed from \(incident.severity.name) to \(severity.name)",
                        .string(incident.severity.name), .string(severity.name)
                    ))
                incident.severity = severity
            }
            if let owner = changes.owner, owner != incident.owner {
                events.append(
                    (
                        "owner.changed", "Owner changed from \(incident.owner ?? "nobody") to \(owner ?? "nobody")",
                        incident.owner.map(JSONValue.string) ?? .null, owner.map(JSONValue.string) ?? .null
                    ))
                incident.owner = owner
            }
            if let title = changes.title, title != incident.title {
                events.append(("title.changed", "Title changed to \(title)", .string(incident.title), .string(title)))
                incident.title = title
            }
            guard !events.isEmpty else { return incident }
            incident.updatedAt = now
            try connection.run(
                "UPDATE incidents SET status = ?, severity = ?, owner = ?, title = ?, updated_at = ? WHERE id = ?",
                [
                    .text(incident.status.rawValue), .int(incident.severity.rawValue), .text(incident.owner),
                    .text(incident.title), .date(now), .text(id.rawValue),
                ])
            for event in events {
                try connection.insertTimelineEvent(
                    id: ids.next(), incident: id, time: now, actor: actor, kind: event.kind, message: event.message,
                    details: .object([("from", event.from), ("to", event.to)]))
            }
            return incident
        }
    }

    package func observables(incident: IncidentID) async throws -> [Observable] {
        try await read { connection in
            try connection.requireIncident(incident)
            let hits = try connection.intelHits(
                where: "observable_id IN (SELECT id FROM observables WHERE incident_id = ?)", [.text(incident.rawValue)])
            return try connection.queryAll(
                "SELECT \(ObservableRow.columns) FROM observables WHERE incident_id = ? ORDER BY \(ObservableRow.order)",
                [.text(incident.rawValue)]
            ) { row in
                var observable = try ObservableRow.decode(row)
                observable.intel = hits[observable.id.rawValue] ?? []
                return observable
            }
        }
    }

    package func alerts(incident: IncidentID, limit: Int) async throws -> [Alert] {
        guard limit >= 1 else { throw RiposteError.invalid("limit must be at least 1") }
        let limit = min(limit, Self.maximumAlertPage)
        return try await read { connection in
            try connection.requireIncident(incident)
            let page = "SELECT id FROM alerts WHERE incident_id = ? ORDER BY received_at DESC, rowid DESC LIMIT ?"
            var drafts: [String: [ObservableDraft]] = [:]
            try connection.query(
                """
                SELECT a.id, o.type, o.value FROM alerts a, json_each(a.observable_ids) j JOIN observables o ON o.id = j.value
                WHERE a.id IN (\(page)) ORDER BY a.id, j.key
                """,
                [.text(incident.rawValue), .int(limit)]
            ) { row in
                let type = try decodeEnum(ObservableType.self, row.text(1), table: "observables", column: "type")
                drafts[row.text(0), default: []].append(ObservableDraft(type: type, normalizedValue: row.text(2)))
            }
            var payloads = AlertPayloadReader(connection: connection)
            return try connection.queryAll(
                "SELECT \(AlertRow.columns) FROM alerts WHERE incident_id = ? ORDER BY received_at DESC, rowid DESC LIMIT ?",
                [.text(incident.rawValue), .int(limit)]
            ) { row in
                var alert = try AlertRow.decode(row, payloads: &payloads)
                alert.draft.observables = drafts[alert.id.rawValue] ?? []
                return alert
            }
        }
    }

    package func alert(id: AlertID) async throws -> AlertRecord {
        try await read { connection in
            var payloads = AlertPayloadReader(connection: connection)
            guard
                var alert = try connection.queryOne(
                    "SELECT \(AlertRow.columns) FROM alerts WHERE id = ?", [.text(id.rawValue)],
                    { try AlertRow.decode($0, payloads: &payloads) })
            else { throw RiposteError.notFound("no alert \(id)") }
            let observables = try connection.alertObservables(id)
            alert.draft.observables = observables.map { ObservableDraft(type: $0.type, normalizedValue: $0.value) }
            return AlertRecord(alert: alert, observables: observables)
        }
    }

    package func timeline(incident: IncidentID) async throws -> [TimelineEvent] {
        try await read { connection in
            try connection.requireIncident(incident)
            return try connection.queryAll(
                "SELECT \(TimelineRow.columns) FROM timeline_events WHERE incident_id = ? ORDER BY time, id",
                [.text(incident.rawValue)], TimelineRow.decode)
        }
    }

    package func addNote(incident: IncidentID, body: String, author: Actor, now: Date) async throws -> Note {
        guard !body.isBlank else {
            throw RiposteError.invalid("the note is empty")
        }
        let ids = self.ids
        return try await write { connection in
            try connection.requireIncident(incident)
            let note = Note(id: ids.next(), incidentID: incident, author: author, body: body, createdAt: now)
            try connection.run(
                "INSERT INTO notes (\(NoteRow.columns)) VALUES (?, ?, ?, ?, ?)",
                [.text(note.id.rawValue), .text(incident.rawValue), .text(author.name), .text(body), .date(now)])
            try connection.insertTimelineEvent(
                id: ids.next(), incident: incident, time: now, actor: author, kind: "note.added", message: "Note added",
                details: .object([("note_id", .string(note.id.rawValue))]))
            return note
        }
    }

    package func notes(incident: IncidentID) async throws -> [Note] {
        try await read { connection in
            try connection.requireIncident(incident)
            return try connection.queryAll(
                "SELECT \(NoteRow.columns) FROM notes WHERE incident_id = ? ORDER BY created_at, id",
                [.text(incident.rawValue)], NoteRow.decode)
        }
    }

    package func addTask(incident: IncidentID, title: String, owner: String?, actor: Actor, now: Date) async throws
        -> CaseTask
    {
        guard !title.isBlank else {
            throw RiposteError.invalid("the task title is empty")
        }
        let ids = self.ids
        return try await write { connection in
            try connection.requireIncident(incident)
            let task = CaseTask(
                id: ids.next(), incidentID: incident, title: title, status: .open, owner: owner, createdAt: now,
                updatedAt: now)
            try connection.run(
                "INSERT INTO case_tasks (\(CaseTaskRow.columns)) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    .text(task.id.rawValue), .text(incident.rawValue), .text(title), .text(task.status.rawValue),
                    .text(owner), .date(now), .date(now),
                ])
            try connection.insertTimelineEvent(
                id: ids.next(), incident: incident, time: now, actor: actor, kind: "task.added",
                message: "Task added: \(title)",
                details: .object([("task_id", .string(task.id.rawValue)), ("title", .string(title))]))
            return task
        }
    }

    package func updateTask(id: CaseTaskID, incident: IncidentID, changes: CaseTaskChanges, actor: Actor, now: Date)
        async throws -> CaseTask
    {
        if let title = changes.title, title.isBlank {
            throw RiposteError.invalid("the task title is empty")
        }
        let ids = self.ids
        return try await write { connection in
            try connection.requireIncident(incident)
            guard
                var task = try connection.queryOne(
                    "SELECT \(CaseTaskRow.columns) FROM case_tasks WHERE id = ? AND incident_id = ?",
                    [.text(id.rawValue), .text(incident.rawValue)], CaseTaskRow.decode)
            else { throw RiposteError.notFound("no task \(id) on incident \(incident)") }
            var events: [(field: String, from: JSONValue, to: JSONValue)] = []
            if let title = changes.title, title != task.title {
                events.append(("title", .string(task.title), .string(title)))
                task.title = title
            }
            if let status = changes.status, status != task.status {
                events.append(("status", .string(task.status.rawValue), .string(status.rawValue)))
                task.status = status
            }
            if let owner = changes.owner, owner != task.owner {
                events.append(("owner", task.owner.map(JSONValue.string) ?? .null, owner.map(JSONValue.string) ?? .null))
                task.owner = owner
            }
            guard !events.isEmpty else { throw RiposteError.invalid("the changes leave the task as it is") }
            task.updatedAt = now
            try connection.run(
                "UPDATE case_tasks SET title = ?, status = ?, owner = ?, updated_at = ? WHERE id = ?",
                [.text(task.title), .text(task.status.rawValue), .text(task.owner), .date(now), .text(id.rawValue)])
            for event in events {
                try connection.insertTimelineEvent(
                    id: ids.next(), incident: incident, time: now, actor: actor, kind: "task.updated",
                    message: "Task \(event.field) changed: \(task.title)",
                    details: .object([
                        ("task_id", .string(id.rawValue)), ("field", .string(event.field)), ("from", event.from),
                        ("to", event.to),
                    ]))
            }
            return task
        }
    }

    package func tasks(incident: IncidentID) async throws -> [CaseTask] {
        try await read { connection in
            try connection.requireIncident(incident)
            return try connection.queryAll(
                "SELECT \(CaseTaskRow.columns) FROM case_tasks WHERE incident_id = ? ORDER BY created_at, id",
                [.text(incident.rawValue)], CaseTaskRow.decode)
        }
    }
}

extension String {
    /// Empty or only white space.
    var isBlank: Bool { allSatisfy(\.isWhitespace) }

    /// Without leading and trailing white space.
    var trimmedWhitespace: String {
        guard let first = firstIndex(where: { !$0.isWhitespace }), let last = lastIndex(where: { !$0.isWhitespace })
        else { return "" }
        return String(self[first...last])
    }
}

extension SQLiteConnection {
    func fetchIncident(_ id: IncidentID) throws -> Incident {
        guard
            let incident = try queryOne(
                "SELECT \(IncidentRow.columns) FROM incidents WHERE id = ?", [.text(id.rawValue)], IncidentRow.decode)
        else { throw RiposteError.notFound("no incident \(id)") }
        return incident
    }

    /// The observables an alert named, in the order the parser found them, with their intel.
    func alertObservables(_ alert: AlertID) throws -> [Observable] {
        let hits = try intelHits(
            where: "observable_id IN (SELECT j.value FROM alerts a, json_each(a.observable_ids) j WHERE a.id = ?)",
            [.text(alert.rawValue)])
        return try queryAll(
            """
            SELECT o.id, o.incident_id, o.type, o.value, o.verdict, o.first_seen
            FROM alerts a, json_each(a.observable_ids) j JOIN observables o ON o.id = j.value
            WHERE a.id = ? ORDER BY j.key
            """,
            [.text(alert.rawValue)]
        ) { row in
            var observable = try ObservableRow.decode(row)
            observable.intel = hits[observable.id.rawValue] ?? []
            return observable
        }
    }
}
