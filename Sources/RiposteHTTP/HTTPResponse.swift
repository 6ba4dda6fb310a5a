// HTTPResponse: status, headers and a body of bytes or a stream; plus JSON error bodies.

package import Foundation
import RiposteRuntime

/// An HTTP response.
///
/// The server sets `Content-Length` (or chunked framing for streams), `Date` and `X-Request-ID`
/// itself; a handler's own `Content-Length` or `Transfer-Encoding` is ignored. Header values must
/// not contain CR, LF or NUL: such fields are dropped (and reported on the diagnostics sink).
package struct HTTPResponse: Sendable {
    /// What the response carries after its headers.
    package enum Body: Sendable {
        /// A complete body, sent with `Content-Length`.
        case bytes(Data)
        /// A body produced while the response is being sent, with chunked framing (see `HTTPBodyStream`).
        case stream(HTTPBodyStream)
    }

    /// The status; MHD writes its standard reason phrase for the code.
    package var status: HTTPStatus
    /// Response headers (see the type's notes on what the server sets itself).
    package var headers: HTTPHeaders
    /// The body: bytes, or a stream.
    package var body: Body

    /// A response with a complete body.
    package init(status: HTTPStatus = .ok, headers: HTTPHeaders = HTTPHeaders(), body: Data = Data()) {
        self.status = status
        self.headers = headers
        self.body = .bytes(body)
    }

    /// A response with the given body.
    package init(status: HTTPStatus, headers: HTTPHeaders, body: Body) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The complete body bytes, or nil for a streaming body.
    package var bodyBytes: Data? {
        if case .bytes(let data) = body { return data }
        return nil
    }

    /// A `application/json` response with `json` as its body.
    package static func json(_ json: Data, status: HTTPStatus = .ok, headers: HTTPHeaders = HTTPHeaders()) -> Self {
        var headers = headers
        headers.replaceOrAdd(name: "Content-Type", value: "application/json")
        return HTTPResponse(status: status, headers: headers, body: json)
    }

    /// A `text/plain; charset=utf-8` response.
    package static func text(_ text: String, status: HTTPStatus = .ok, headers: HTTPHeaders = HTTPHeaders()) -> Self {
        var headers = headers
        headers.replaceOrAdd(name: "Content-Type", value: "text/plain; charset=utf-8")
        return HTTPResponse(status: status, headers: headers, body: Data(text.utf8))
    }

    /// The JSON error body every server-generated 4xx/5xx uses:
    /// `{"error":{"code":"…","message":"…","request_id":"…"}}`, with `Cache-Control: no-store`
    /// and `X-Content-Type-Options: nosniff`. `code` is a snake_case wire code (`not_found`);
    /// `message` must be safe to show to clients.
    package static func error(
        status: HTTPStatus, code: String, message: String, requestID: String,
        headers: HTTPHeaders = HTTPHeaders()
    ) -> Self {
        let body =
            #"{"error":{"code":"# + JSONText.quote(code) + #","message":"# + JSONText.quote(message)
            + #","request_id":"# + JSONText.quote(requestID) + "}}"
        var headers = headers
        headers.replaceOrAdd(name: "Content-Type", value: "application/json")
        headers.addIfAbsent(name: "Cache-Control", value: "no-store")
        headers.addIfAbsent(name: "X-Content-Type-Options", value: "nosniff")
        return HTTPResponse(status: status, headers: headers, body: Data(body.utf8))
    }
}

/// A streaming response body: a closure that writes the body while the response is being sent.
///
/// The server calls `produce` on the request's task after the response headers are queued. The
/// body ends when `produce` returns (or throws: the connection is then closed without the final
/// chunk, so the client sees a truncated body). When the client disconnects or the server shuts
/// down, the task is cancelled and further writes throw `HTTPStreamClosedError`, so `produce` must
/// stop on cancellation or on a write error. MHD threads never wait for it: an idle stream suspends
/// its connection and a write resumes it.
package struct HTTPBodyStream: Sendable {
    package let produce: @Sendable (any HTTPBodyWriter) async throws -> Void

    package init(_ produce: @escaping @Sendable (any HTTPBodyWriter) async throws -> Void) {
        self.produce = produce
    }
}

/// Where a streaming body's bytes go. Writes never block: they are buffered and sent as the socket
/// allows. The server's writer closes the connection if more than
/// `HTTPServerConfiguration.maxStreamBufferBytes` are waiting (a client that does not read).
package protocol HTTPBodyWriter: Sendable {
    /// Queues `bytes` for the client.
    /// - Throws: `HTTPStreamClosedError` once the client has gone, the buffer limit was hit, or the
    ///   server is shutting down.
    func write(_ bytes: [UInt8]) throws
    /// True once writes would throw.
    var isClosed: Bool { get }
}

/// Thrown by `HTTPBodyWriter.write` once the stream cannot carry more data.
package struct HTTPStreamClosedError: Error, Sendable, CustomStringConvertible {
    package init() {}
    package var description: String { "the response stream is closed" }
}
