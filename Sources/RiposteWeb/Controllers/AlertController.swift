// /api/v1/alerts: ingest (202 only after commit) and reading one stored alert.
import RiposteCore
import RiposteHTTP

/// Alert routes.
struct AlertController {
    let intake: AlertIntake
    let store: any IncidentStore

    func register(on api: inout APIRouteBuilder) {
        api.add(.post, "/api/v1/alerts", .ingestAlerts) { call in try await ingest(call) }
        api.add(.get, "/api/v1/alerts/{id}", .readIncidents) { call in
            guard let id = AlertID(parsing: call.parameter("id")) else {
                throw RiposteError.notFound("no alert '\(call.parameter("id"))'")
            }
            let record = try await store.alert(id: id)
            return try JSONBody.response(V1.AlertDTO(record.alert, observables: record.observables, includeRaw: true))
        }
    }

    private func ingest(_ call: APICall) async throws -> HTTPResponse {
        guard let source = call.request.queryValue("source"), !source.isEmpty else {
            throw RiposteError.invalid("query parameter 'source' is required (for example ?source=suricata)")
        }
        let outcomes = try await intake.ingest(body: Array(call.request.body), source: source)
        let items = outcomes.map {
            V1.IngestResponse.Item(id: $0.alertID.rawValue, incident_id: $0.incidentID.rawValue, duplicate: $0.duplicate)
        }
        let duplicates = outcomes.lazy.filter(\.duplicate).count
        return try JSONBody.response(
            V1.IngestResponse(accepted: outcomes.count, duplicates: duplicates, alerts: items), status: .accepted)
    }
}
