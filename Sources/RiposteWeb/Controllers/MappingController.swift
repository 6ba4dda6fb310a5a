// /api/v1/mappings: named declarative alert mappings, so a new sender needs no code (admin writes).
import Foundation
import RiposteCore
import RiposteHTTP

/// Mapping routes.
struct MappingController {
    let mappings: AlertMappingService

    func register(on api: inout APIRouteBuilder) {
        api.add(.get, "/api/v1/mappings", .readIncidents) { _ in
            let items = try await mappings.mappings().map(V1.MappingDTO.init)
            return try JSONBody.response(V1.Items(items: items))
        }
        api.add(.put, "/api/v1/mappings/{name}", .manageSources) { call in
            let created = try await mappings.save(name: call.parameter("name"), definition: Array(call.request.body))
            let stored = try await mappings.mappings().first { $0.name == call.parameter("name") }
            guard let stored else { throw RiposteError.notFound("no mapping '\(call.parameter("name"))'") }
            return try JSONBody.response(V1.MappingDTO(stored), status: created ? .created : .ok)
        }
        api.add(.delete, "/api/v1/mappings/{name}", .manageSources) { call in
            try await mappings.delete(name: call.parameter("name"))
            return HTTPResponse(status: .noContent)
        }
    }
}
