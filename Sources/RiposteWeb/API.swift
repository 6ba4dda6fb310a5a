// The /api/v1 route table: each route declares one permission; authentication, authorisation,
// error mapping and per-route metrics are applied here, once, for every route.
import Foundation
import RiposteCore
import RiposteHTTP
import RiposteRuntime
import Synchronization

/// One authenticated API call as a handler sees it.
struct APICall: Sendable {
    var request: HTTPRequest
    var context: RequestContext
    var principal: Principal

    /// The route parameter `name`. Routes only read parameters their template declares.
    func parameter(_ name: String) -> String { context.parameters[name] ?? "" }
}

/// Maps domain error codes to HTTP statuses (STYLE §4: one table, here).
enum APIErrorMapping {
    static func status(for code: RiposteError.Code) -> HTTPStatus {
        switch code {
        case .invalid: .badRequest
        case .unauthorized: .unauthorized
        case .forbidden: .forbidden
        case .notFound: .notFound
        case .conflict: .conflict
        case .tooLarge: .payloadTooLarge
        case .overloaded: .tooManyRequests
        case .unavailable: .serviceUnavailable
        default: .internalServerError
        }
    }

    /// The JSON error response for `error`; anything but a `RiposteError` is an opaque 500.
    static func response(for error: any Error, requestID: String, logger: Logger) -> HTTPResponse {
        if let error = error as? RiposteError, error.code != .internal {
            var headers = HTTPHeaders()
            if error.code == .unauthorized { headers.add(name: "WWW-Authenticate", value: "Bearer realm=\"riposte\"") }
            if let seconds = error.retryAfterSeconds { headers.add(name: "Retry-After", value: String(seconds)) }
            return .error(
                status: status(for: error.code), code: error.code.description, message: error.message,
                requestID: requestID, headers: headers)
        }
        logger.error("request failed", ["request.id": requestID, "error": String(reflecting: error)])
        return .error(
            status: .internalServerError, code: "internal", message: "Internal error", requestID: requestID)
    }
}

/// The route template a request matched, filled in by the route and read by `RequestMetricsMiddleware`.
final class MatchedRoute: Sendable {
    enum Key: RequestContextKey { typealias Value = MatchedRoute }
    let template = Mutex("unmatched")
}

/// Counts every request by route template, method and status.
struct RequestMetricsMiddleware: Middleware {
    let metrics: Metrics

    func respond(to request: HTTPRequest, context: RequestContext, next: any Responder) async throws -> HTTPResponse {
        var context = context
        let matched = MatchedRoute()
        context[MatchedRoute.Key.self] = matched
        let response = try await next.respond(to: request, context: context)
        metrics.increment(
            "riposte_http_requests_total",
            labels: [
                ("route", matched.template.withLock { $0 }), ("method", request.method.rawValue),
                ("status", String(response.status.code)),
            ])
        return response
    }
}

/// Builds the API routes onto a router.
struct APIRouteBuilder {
    var router: Router
    let access: AccessService
    let logger: Logger

    /// Registers an authenticated route that needs `permission`. `authenticateFirst` may recognise
    /// a route-specific credential (a signed body); when it returns nil the `Authorization` header decides.
    mutating func add(
        _ method: HTTPMethod, _ template: String, _ permission: Permission,
        authenticateFirst: (@Sendable (HTTPRequest) throws -> Principal?)? = nil,
        _ handler: @escaping @Sendable (APICall) async throws -> HTTPResponse
    ) {
        let access = self.access
        let logger = self.logger
        router.add(method, template) { request, context in
            context[MatchedRoute.Key.self]?.template.withLock { $0 = template }
            do {
                let principal =
                    if let recognised = try authenticateFirst?(request) {
                        recognised
                    } else {
                        try await access.authenticate(authorization: request.headers["Authorization"])
                    }
                guard principal.can(permission) else {
                    throw RiposteError(.forbidden, "role '\(principal.role.rawValue)' may not \(permission.rawValue)")
                }
                return try await handler(APICall(request: request, context: context, principal: principal))
            } catch {
                return APIErrorMapping.response(for: error, requestID: context.requestID, logger: logger)
            }
        }
    }

    /// Registers a route that needs no credentials (health probes).
    mutating func addPublic(
        _ method: HTTPMethod, _ template: String,
        _ handler: @escaping @Sendable (HTTPRequest, RequestContext) async throws -> HTTPResponse
    ) {
        let logger = self.logger
        router.add(method, template) { request, context in
            context[MatchedRoute.Key.self]?.template.withLock { $0 = template }
            do {
                return try await handler(request, context)
            } catch {
                return APIErrorMapping.response(for: error, requestID: context.requestID, logger: logger)
            }
        }
    }
}

/// JSON in and out for handlers.
enum JSONBody {
    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return encoder
    }()

    /// Encodes `value` as the response body.
    static func response(_ value: some Encodable, status: HTTPStatus = .ok) throws -> HTTPResponse {
        .json(try encoder.encode(value), status: status)
    }

    /// The request body as a JSON object. - Throws: `.invalid` with a clear reason.
    static func object(_ request: HTTPRequest) throws -> [String: Any] {
        guard !request.body.isEmpty else { throw RiposteError.invalid("request body is empty; expected a JSON object") }
        guard String(validating: request.body, as: UTF8.self) != nil else {
            throw RiposteError.invalid("request body is not valid UTF-8")
        }
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: request.body, options: [])
        } catch {
            throw RiposteError.invalid("request body is not valid JSON")
        }
        guard let object = parsed as? [String: Any] else { throw RiposteError.invalid("request body must be a JSON object") }
        return object
    }

    /// Rejects members other than `allowed`, so a typo never passes silently.
    static func rejectUnknown(_ object: [String: Any], allowed: Set<String>) throws {
        if let unknown = object.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw RiposteError.invalid("unknown field '\(unknown)'; allowed: \(allowed.sorted().joined(separator: ", "))")
        }
    }

    /// The string member `key`, nil when absent. - Throws: `.invalid` when present but not a string.
    static func string(_ object: [String: Any], _ key: String) throws -> String? {
        guard let value = object[key], !(value is NSNull) else { return nil }
        guard let text = value as? String else { throw RiposteError.invalid("field '\(key)' must be a string") }
        return text
    }
}
