// /api/v1/incidents and its sub-resources: list, read, change, notes and tasks.
import Foundation
import RiposteCore
import RiposteHTTP
import RiposteRuntime

/// Incident routes.
struct IncidentController {
    let store: any IncidentStore & EnrichmentResultStore
    let clock: WallClock
    /// Alerts embedded in one incident's JSON; the full list is paged under `/alerts`.
    static let embeddedAlertLimit = 100

    func register(on api: inout APIRouteBuilder) {
        api.add(.get, "/api/v1/incidents", .readIncidents) { call in try await list(call) }
        api.add(.get, "/api/v1/incidents/{id}", .readIncidents) { call in try await show(call) }
        api.add(.patch, "/api/v1/incidents/{id}", .writeIncidents) { call in try await update(call) }
        api.add(.get, "/api/v1/incidents/{id}/alerts", .readIncidents) { call in
            let alerts = try await store.alerts(incident: try incidentID(call), limit: try limit(call, default: 100))
            return try JSONBody.response(V1.Items(items: alerts.map { V1.AlertDTO($0, observables: nil, includeRaw: false) }))
        }
        api.add(.get, "/api/v1/incidents/{id}/observables", .readIncidents) { call in
            let observables = try await store.observables(incident: try incidentID(call))
            return try JSONBody.response(V1.Items(items: try await withEnrichment(observables)))
        }
        api.add(.get, "/api/v1/incidents/{id}/timeline", .readIncidents) { call in
            let events = try await store.timeline(incident: try incidentID(call))
            return try JSONBody.response(V1.Items(items: events.map(V1.TimelineEventDTO.init)))
        }
        api.add(.get, "/api/v1/incidents/{id}/notes", .readIncidents) { call in
            let notes = try await store.notes(incident: try incidentID(call))
            return try JSONBody.response(V1.Items(items: notes.map(V1.NoteDTO.init)))
        }
        api.add(.post, "/api/v1/incidents/{id}/notes", .writeIncidents) { call in try await addNote(call) }
        api.add(.get, "/api/v1/incidents/{id}/tasks", .readIncidents) { call in
            let tasks = try await store.tasks(incident: try incidentID(call))
            return try JSONBody.response(V1.Items(items: tasks.map(V1.TaskDTO.init)))
        }
        api.add(.post, "/api/v1/incidents/{id}/tasks", .writeIncidents) { call in try await addTask(call) }
        api.add(.patch, "/api/v1/incidents/{id}/tasks/{task_id}", .writeIncidents) { call in try await updateTask(call) }
    }

    private func incidentID(_ call: APICall) throws -> IncidentID {
        guard let id = IncidentID(parsing: call.parameter("id")) else {
            throw RiposteError.notFound("no incident '\(call.parameter("id"))'")
        }
        return id
    }

    private func limit(_ call: APICall, default defaultValue: Int) throws -> Int {
        guard let text = call.request.queryValue("limit") else { return defaultValue }
        guard let value = Int(text), (1...500).contains(value) else {
            throw RiposteError.invalid("limit must be an integer from 1 to 500")
        }
        return value
    }

    private func list(_ call: APICall) async throws -> HTTPResponse {
        var query = IncidentQuery(limit: try limit(call, default: 50))
        for name in Self.commaList(call.request.queryValue("status")) {
            guard let status = IncidentStatus(rawValue: name) else {
                throw RiposteError.invalid(
                    "unknown status '\(name)'; known: \(IncidentStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            query.statuses.insert(status)
        }
        for name in Self.commaList(call.request.queryValue("severity")) {
            guard let severity = Severity(name: name) else {
                throw RiposteError.invalid(
                    "unknown severity '\(name)'; known: \(Severity.allCases.map(\.name).joined(separator: ", "))")
            }
            query.severities.insert(severity)
        }
        if let text = call.request.queryValue("q"), !text.isEmpty {
            guard text.utf8.count <= 256 else { throw RiposteError.invalid("q must be at most 256 bytes") }
            query.text = text
        }
        query.cursor = call.request.queryValue("cursor")
        let page = try await store.incidents(matching: query)
        return try JSONBody.response(V1.IncidentPage(items: page.items.map(V1.IncidentDTO.init), next_cursor: page.nextCursor))
    }

    /// The observables with each one's stored enrichment answers (read in pages of 1,000 values).
    private func withEnrichment(_ observables: [Observable]) async throws -> [V1.ObservableDTO] {
        let keys = observables.map { EnrichmentKey(type: $0.type, value: $0.value) }
        var found: [EnrichmentKey: [EnrichmentRecord]] = [:]
        for start in stride(from: 0, to: keys.count, by: 1000) {
            found.merge(try await store.enrichments(keys: Array(keys[start..<min(start + 1000, keys.count)]))) { $1 }
        }
        return observables.map { V1.ObservableDTO($0, enrichment: found[EnrichmentKey(type: $0.type, value: $0.value)] ?? []) }
    }

    private func show(_ call: APICall) async throws -> HTTPResponse {
        let id = try incidentID(call)
        async let incident = store.incident(id: id)
        async let observables = store.observables(incident: id)
        async let alerts = store.alerts(incident: id, limit: Self.embeddedAlertLimit)
        async let timeline = store.timeline(incident: id)
        var dto = V1.IncidentDTO(try await incident)
        dto.observables = try await withEnrichment(try await observables)
        dto.alerts = try await alerts.map { V1.AlertDTO($0, observables: nil, includeRaw: false) }
        dto.timeline = try await timeline.map(V1.TimelineEventDTO.init)
        return try JSONBody.response(dto)
    }

    private func update(_ call: APICall) async throws -> HTTPResponse {
        let object = try JSONBody.object(call.request)
        try JSONBody.rejectUnknown(object, allowed: ["status", "severity", "owner", "title"])
        var changes = IncidentChanges()
        if let name = try JSONBody.string(object, "status") {
            guard let status = IncidentStatus(rawValue: name) else {
                throw RiposteError.invalid(
                    "unknown status '\(name)'; known: \(IncidentStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            changes.status = status
        }
        if let name = try JSONBody.string(object, "severity") {
            guard let severity = Severity(name: name) else { throw RiposteError.invalid("unknown severity '\(name)'") }
            changes.severity = severity
        }
        if object.keys.contains("owner") {
            let owner = try JSONBody.string(object, "owner")
            if let owner { try AccessService.validateName(owner) }
            changes.owner = .some(owner)
        }
        if let title = try JSONBody.string(object, "title") {
            changes.title = try Self.validatedText(title, field: "title", maxBytes: 512)
        }
        guard !changes.isEmpty else {
            throw RiposteError.invalid("nothing to change; send one of status, severity, owner, title")
        }
        let incident = try await store.updateIncident(
            id: try incidentID(call), changes: changes, actor: call.principal.actor, now: clock.now())
        return try JSONBody.response(V1.IncidentDTO(incident))
    }

    private func addNote(_ call: APICall) async throws -> HTTPResponse {
        let object = try JSONBody.object(call.request)
        try JSONBody.rejectUnknown(object, allowed: ["body"])
        let body = try Self.validatedText(try JSONBody.string(object, "body") ?? "", field: "body", maxBytes: 65_536)
        let note = try await store.addNote(
            incident: try incidentID(call), body: body, author: call.principal.actor, now: clock.now())
        return try JSONBody.response(V1.NoteDTO(note), status: .created)
    }

    private func addTask(_ call: APICall) async throws -> HTTPResponse {
        let object = try JSONBody.object(call.request)
        try JSONBody.rejectUnknown(object, allowed: ["title", "owner"])
        let title = try Self.validatedText(try JSONBody.string(object, "title") ?? "", field: "title", maxBytes: 512)
        let owner = try JSONBody.string(object, "owner")
        if let owner { try AccessService.validateName(owner) }
        let task = try await store.addTask(
            incident: try incidentID(call), title: title, owner: owner, actor: call.principal.actor, now: clock.now())
        return try JSONBody.response(V1.TaskDTO(task), status: .created)
    }

    private func updateTask(_ call: APICall) async throws -> HTTPResponse {
        guard let taskID = CaseTaskID(parsing: call.parameter("task_id")) else {
            throw RiposteError.notFound("no task '\(call.parameter("task_id"))'")
        }
        let object = try JSONBody.object(call.request)
        try JSONBody.rejectUnknown(object, allowed: ["title", "status", "owner"])
        var changes = CaseTaskChanges()
        if let title = try JSONBody.string(object, "title") {
            changes.title = try Self.validatedText(title, field: "title", maxBytes: 512)
        }
        if let name = try JSONBody.string(object, "status") {
            guard let status = CaseTaskStatus(rawValue: name) else {
                throw RiposteError.invalid(
                    "unknown task status '\(name)'; known: \(CaseTaskStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            changes.status = status
        }
        if object.keys.contains("owner") {
            let owner = try JSONBody.string(object, "owner")
            if let owner { try AccessService.validateName(owner) }
            changes.owner = .some(owner)
        }
        let task = try await store.updateTask(
            id: taskID, incident: try incidentID(call), changes: changes, actor: call.principal.actor, now: clock.now())
        return try JSONBody.response(V1.TaskDTO(task))
    }

    static func commaList(_ text: String?) -> [String] {
        (text ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty }
    }

    /// Non-empty after trimming, at most `maxBytes`, no control characters but tab and newline.
    static func validatedText(_ text: String, field: String, maxBytes: Int) throws -> String {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw RiposteError.invalid("\(field) must not be empty") }
        guard trimmed.utf8.count <= maxBytes else { throw RiposteError.invalid("\(field) must be at most \(maxBytes) bytes") }
        let hasControl = trimmed.unicodeScalars.contains { ($0.value < 0x20 && $0 != "\n" && $0 != "\t") || $0.value == 0x7F }
        guard !hasControl else { throw RiposteError.invalid("\(field) must not contain control characters") }
        return trimmed
    }
}
