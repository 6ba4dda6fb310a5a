// Middleware: a responder wrapper, and the composition that nests a list of them around a responder.

/// Code that runs around a responder: it may change the request or context, answer by itself, or
/// change the response.
package protocol Middleware: Sendable {
    /// Handles `request`, usually by calling `next.respond(to:context:)` and adjusting the result.
    /// - Throws: whatever `next` throws, or its own errors (both become a 500 unless handled).
    func respond(to request: HTTPRequest, context: RequestContext, next: any Responder) async throws -> HTTPResponse
}

/// A responder that runs `middleware` (outermost first) before `responder`.
///
/// `MiddlewareChain([a, b], responder: router)` calls `a`, whose `next` is `b`, whose `next` is
/// the router. The nesting is built once, here, not per request.
package struct MiddlewareChain: Responder {
    private let head: any Responder

    package init(_ middleware: [any Middleware], responder: any Responder) {
        var next = responder
        for item in middleware.reversed() {
            next = Link(middleware: item, next: next)
        }
        head = next
    }

    package func respond(to request: HTTPRequest, context: RequestContext) async throws -> HTTPResponse {
        try await head.respond(to: request, context: context)
    }

    private struct Link: Responder {
        let middleware: any Middleware
        let next: any Responder

        func respond(to request: HTTPRequest, context: RequestContext) async throws -> HTTPResponse {
            try await middleware.respond(to: request, context: context, next: next)
        }
    }
}

extension Responder {
    /// This responder wrapped in `middleware`, outermost first.
    package func wrapped(in middleware: [any Middleware]) -> MiddlewareChain {
        MiddlewareChain(middleware, responder: self)
    }
}
