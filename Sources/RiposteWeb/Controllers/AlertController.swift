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
        return .json(V1.IngestResponse(outcomes: outcomes).json, status: .accepted)
    }
}
