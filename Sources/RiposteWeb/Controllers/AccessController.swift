// /api/v1/tokens: an admin issues API tokens (the secret is in the response, once).
import RiposteCore
import RiposteHTTP
import RiposteRuntime

/// Token routes.
struct AccessController {
    let access: AccessService

    func register(on api: inout APIRouteBuilder) {
        api.add(.post, "/api/v1/tokens", .manageAccess) { call in
            let object = try JSONBody.object(call.request)
            try JSONBody.rejectUnknown(object, allowed: ["name", "role", "source"])
            guard let name = try JSONBody.string(object, "name") else { throw RiposteError.invalid("field 'name' is required") }
            let roleName = try JSONBody.string(object, "role") ?? Role.viewer.rawValue
            guard let role = Role(rawValue: roleName) else {
                throw RiposteError.invalid("unknown role '\(roleName)'; known: admin, analyst, viewer, ingest")
            }
            let issued = try await access.createToken(
                name: name, role: role, source: try JSONBody.string(object, "source"))
            return try JSONBody.response(
                V1.TokenResponse(
                    id: issued.token.id.rawValue, name: issued.token.name, role: issued.token.role.rawValue,
                    source: issued.token.source, token: issued.secret.value),
                status: .created)
        }
    }
}
