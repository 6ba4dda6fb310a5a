// /api/v1/alerts: ingest (202 only after commit) and reading one stored alert.
import RiposteCore
import RiposteHTTP

/// Alert routes.
struct AlertController {
    let intake: AlertIntake
    let store: any IncidentStore
    let signatures: SourceSignatureVerifier

    func register(on api: inout APIRouteBuilder) {
        let signatures = self.signatures
        api.add(
            .post, "/api/v1/alerts", .ingestAlerts,
            authenticateFirst: { request in
                guard let signature = request.headers[SourceSignatureVerifier.signatureHeader] else { return nil }
                return try signatures.principal(
                    source: request.queryValue("source") ?? "", body: Array(request.body), signature: signature,
                    timestamp: request.headers[SourceSignatureVerifier.timestampHeader])
            }
        ) { call in try await ingest(call) }
        api.add(.get, "/api/v1/alerts/{id}", .readIncidents) { call in
            guard let id = AlertID(parsing: call.parameter("id")) else {
                throw RiposteError.notFound("no alert '\(call.parameter("id"))'")
            }
            let record = try await store.alert(id: id)
            switch call.request.queryValue("format") ?? "riposte" {
            case "riposte":
                return try JSONBody.response(V1.AlertDTO(record.alert, observables: record.observables, includeRaw: true))
            case "ocsf":
                let event = OCSFDetectionFinding.event(
                    for: record.alert, observables: record.observables,
                    raw: String(validating: record.alert.draft.raw, as: UTF8.self))
                return try JSONBody.response(V1.JSONValueDTO(event))
            case let other:
                throw RiposteError.invalid("unknown format '\(other)'; known: riposte, ocsf")
            }
        }
    }

    private func ingest(_ call: APICall) async throws -> HTTPResponse {
        guard let source = call.request.queryValue("source"), !source.isEmpty else {
            throw RiposteError.invalid("query parameter 'source' is required (for example ?source=suricata)")
        }
        guard call.principal.mayIngest(source: source) else {
            throw RiposteError(
                .forbidden, "'\(call.principal.name)' may only post alerts of source '\(call.principal.source ?? "")'")
        }
        let outcomes = try await intake.ingest(body: Array(call.request.body), source: source)
        return .json(V1.IngestResponse(outcomes: outcomes).json, status: .accepted)
    }
}
