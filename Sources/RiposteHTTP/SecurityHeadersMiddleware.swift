// SecurityHeadersMiddleware: the browser-hardening headers every response carries.

/// Adds security headers to every response that does not already set them (a handler's own value
/// wins, e.g. an SSE response's `Cache-Control: no-cache`).
///
/// Defaults: `X-Content-Type-Options: nosniff`, `X-Frame-Options: DENY`,
/// `Referrer-Policy: no-referrer`, `Content-Security-Policy: default-src 'self'`, and
/// `Cache-Control: no-store` for paths under `/api/`. Set any value to nil to leave that header out.
package struct SecurityHeadersMiddleware: Middleware {
    /// Which headers to add.
    package struct Configuration: Sendable, Equatable {
        package var contentTypeOptions: String? = "nosniff"
        package var frameOptions: String? = "DENY"
        package var referrerPolicy: String? = "no-referrer"
        package var contentSecurityPolicy: String? = "default-src 'self'"
        /// `Strict-Transport-Security`; off by default (set it when serving TLS on a real host name).
        package var strictTransportSecurity: String? = nil
        /// The `Cache-Control` value for API responses.
        package var apiCacheControl: String? = "no-store"
        /// Path prefixes that count as API responses.
        package var apiPathPrefixes: [String] = ["/api/"]

        package init() {}
    }

    package let configuration: Configuration

    package init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    package func respond(to request: HTTPRequest, context: RequestContext, next: any Responder) async throws
        -> HTTPResponse
    {
        var response = try await next.respond(to: request, context: context)
        apply(to: &response, for: request)
        return response
    }

    /// Adds the configured headers to `response` (exposed for responses built outside the chain).
    package func apply(to response: inout HTTPResponse, for request: HTTPRequest) {
        let c = configuration
        if let value = c.contentTypeOptions { response.headers.addIfAbsent(name: "X-Content-Type-Options", value: value) }
        if let value = c.frameOptions { response.headers.addIfAbsent(name: "X-Frame-Options", value: value) }
        if let value = c.referrerPolicy { response.headers.addIfAbsent(name: "Referrer-Policy", value: value) }
        if let value = c.contentSecurityPolicy {
            response.headers.addIfAbsent(name: "Content-Security-Policy", value: value)
        }
        if let value = c.strictTransportSecurity {
            response.headers.addIfAbsent(name: "Strict-Transport-Security", value: value)
        }
        if let value = c.apiCacheControl, c.apiPathPrefixes.contains(where: { request.path.hasPrefix($0) }) {
            response.headers.addIfAbsent(name: "Cache-Control", value: value)
        }
    }
}
