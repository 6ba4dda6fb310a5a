// /api/v1/indicators (import lists) and /api/v1/intel/lookup (what is known of a value).
import Foundation
import RiposteCore
import RiposteHTTP
import RiposteIntel

/// Intel routes.
struct IntelController {
    let intel: IntelService
    let enrichments: any EnrichmentResultStore

    func register(on api: inout APIRouteBuilder) {
        api.add(.post, "/api/v1/indicators", .importIntel) { call in try await importList(call) }
        api.add(.get, "/api/v1/enrichment", .readIntel) { call in try await enrichment(call) }
        api.add(.get, "/api/v1/intel/lookup", .readIntel) { call in
            guard let value = call.request.queryValue("value"), !value.isEmpty else {
                throw RiposteError.invalid("query parameter 'value' is required")
            }
            guard value.utf8.count <= 2048 else { throw RiposteError.invalid("value must be at most 2048 bytes") }
            let answer = intel.lookup(value)
            return try JSONBody.response(
                V1.LookupResponse(
                    value: value, type: answer.type?.rawValue, verdict: answer.verdict.rawValue, reason: answer.reason,
                    tlp: answer.hits.compactMap(\.tlp).max()?.rawValue, hits: answer.hits.map(V1.IntelHitDTO.init)))
        }
    }

    /// `GET /api/v1/enrichment?type=&value=`: every stored provider answer about one value.
    private func enrichment(_ call: APICall) async throws -> HTTPResponse {
        guard let typeName = call.request.queryValue("type"), let type = ObservableType(rawValue: typeName) else {
            let known = ObservableType.allCases.map(\.rawValue).joined(separator: ", ")
            throw RiposteError.invalid("query parameter 'type' is required; one of \(known)")
        }
        guard let raw = call.request.queryValue("value"), !raw.isEmpty else {
            throw RiposteError.invalid("query parameter 'value' is required")
        }
        guard raw.utf8.count <= 2048 else { throw RiposteError.invalid("value must be at most 2048 bytes") }
        guard let draft = ObservableDraft(type, raw) else {
            throw RiposteError.invalid("'\(raw)' is not a valid \(type.rawValue)")
        }
        let records = try await enrichments.enrichments(type: type, value: draft.value)
        return try JSONBody.response(
            V1.EnrichmentLookupResponse(type: type.rawValue, value: draft.value, enrichment: V1.EnrichmentDTO.byProvider(records))
        )
    }

    private func importList(_ call: APICall) async throws -> HTTPResponse {
        let formatName = call.request.queryValue("format") ?? "plaintext"
        guard let format = IntelService.ListFormat(rawValue: formatName) else {
            let known = IntelService.ListFormat.allCases.map(\.rawValue).joined(separator: ", ")
            throw RiposteError.invalid("unknown format '\(formatName)'; known: \(known)")
        }
        guard let feed = call.request.queryValue("feed"), !feed.isEmpty else {
            throw RiposteError.invalid("query parameter 'feed' is required")
        }
        let mapping = format == .csv ? try Self.csvMapping(call.request) : nil
        let outcome = try await intel.importList(Array(call.request.body), format: format, feed: feed, csvMapping: mapping)
        return try JSONBody.response(
            V1.ImportResponse(
                feed: feed, format: format.rawValue, parsed: outcome.parsed, added: outcome.summary.added,
                updated: outcome.summary.updated, inactive: outcome.inactive,
                retro_hunt: .init(scanned: outcome.retroHunt.scanned, matched: outcome.retroHunt.matched),
                rejected: outcome.rejected.map { V1.ImportResponse.Rejected(location: $0.location, reason: $0.reason) },
                rejected_count: outcome.rejectedCount))
    }

    /// A CSV mapping from `preset=` or `column=` query parameters.
    static func csvMapping(_ request: HTTPRequest) throws -> CSVMapping {
        if let preset = request.queryValue("preset") { return try CSVMapping.preset(named: preset) }
        guard let column = request.queryValue("column"), !column.isEmpty else {
            throw RiposteError.invalid("CSV needs 'preset' or 'column' (a header name or 0-based index)")
        }
        return CSVMapping(valueColumn: CSVMapping.Column(column), header: .commentOrFirstRow)
    }
}
