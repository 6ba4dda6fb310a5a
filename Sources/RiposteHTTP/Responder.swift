// Responder: the one-method contract every handler, router and middleware chain fulfils.

/// Something that answers HTTP requests.
///
/// Contract:
/// * `respond` is called once per request, on a task off the MHD threads, with the complete body.
/// * Return any response, including 4xx/5xx ones you build yourself. A thrown error becomes a
///   `500` with the JSON error body `{"error":{"code":"internal","message":"Internal error",
///   "request_id":"…"}}`; the error's text never reaches the client.
/// * The task is cancelled when the server gives up on the request (shutdown drain timeout);
///   long work should check for cancellation.
/// * Never block the thread: await instead (blocking C belongs on a `BlockingExecutor`).
package protocol Responder: Sendable {
    /// Answers `request`.
    /// - Throws: anything; the server turns it into a 500 without revealing it.
    func respond(to request: HTTPRequest, context: RequestContext) async throws -> HTTPResponse
}

/// A `Responder` made from a closure.
package struct ClosureResponder: Responder {
    private let body: @Sendable (HTTPRequest, RequestContext) async throws -> HTTPResponse

    package init(_ body: @escaping @Sendable (HTTPRequest, RequestContext) async throws -> HTTPResponse) {
        self.body = body
    }

    package func respond(to request: HTTPRequest, context: RequestContext) async throws -> HTTPResponse {
        try await body(request, context)
    }
}
