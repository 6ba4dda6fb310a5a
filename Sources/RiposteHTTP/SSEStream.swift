// SSEStream: Server-Sent Events framing and heartbeats over a streaming response body.

/// A Server-Sent Events writer (WHATWG HTML §9.2) handed to the producer of
/// `HTTPResponse.eventStream(heartbeatInterval:_:)`.
///
/// ```swift
/// router.get("/api/v1/runs/{id}/events") { request, context in
///     .eventStream { stream in
///         for await event in runEvents(after: request.headers["Last-Event-ID"]) {
///             try stream.send(event: "run", id: String(event.sequence), data: event.json)
///         }
///     }
/// }
/// ```
///
/// While the producer runs, a `: heartbeat` comment is written every `heartbeatInterval`, so
/// proxies keep the connection open and a vanished client is noticed (MHD cannot see a disconnect
/// while the connection is suspended waiting for data). When the client disconnects or the server
/// shuts down, the producer's task is cancelled and `send` throws `HTTPStreamClosedError`.
package struct SSEStream: Sendable {
    private let writer: any HTTPBodyWriter

    /// Wraps a body writer (the server creates streams; tests may wrap their own writer).
    package init(writer: any HTTPBodyWriter) {
        self.writer = writer
    }

    /// True once the client has gone or the server is shutting down.
    package var isClosed: Bool { writer.isClosed }

    /// Sends one event. `data` may span lines: each becomes a `data:` line. CR and LF are removed
    /// from `event` and `id`, which must be single-line.
    /// - Throws: `HTTPStreamClosedError` once the stream is closed.
    package func send(event: String? = nil, id: String? = nil, data: String) throws {
        try writer.write(Array(Self.frame(event: event, id: id, data: data).utf8))
    }

    /// Sends an SSE comment line (`: text`), which clients ignore.
    /// - Throws: `HTTPStreamClosedError` once the stream is closed.
    package func comment(_ text: String) throws {
        try writer.write(Array(": \(Self.singleLine(text))\n\n".utf8))
    }

    /// Sends `retry: milliseconds`, the client's reconnection delay.
    /// - Throws: `HTTPStreamClosedError` once the stream is closed.
    package func retry(milliseconds: Int) throws {
        try writer.write(Array("retry: \(milliseconds)\n\n".utf8))
    }

    /// Writes a heartbeat comment (`: heartbeat`).
    /// - Throws: `HTTPStreamClosedError` once the stream is closed.
    package func heartbeat() throws {
        try writer.write(Self.heartbeatBytes)
    }

    private static let heartbeatBytes = Array(": heartbeat\n\n".utf8)

    /// The wire text of one event.
    package static func frame(event: String?, id: String?, data: String) -> String {
        var text = ""
        if let id { text += "id: \(singleLine(id))\n" }
        if let event { text += "event: \(singleLine(event))\n" }
        var line = Substring(data)
        // Split on CRLF, CR or LF, as SSE parsers do.
        while let end = line.firstIndex(where: { $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) {
            text += "data: \(line[..<end])\n"
            line = line[line.index(after: end)...]
        }
        text += "data: \(line)\n\n"
        return text
    }

    private static func singleLine(_ text: String) -> String {
        guard text.contains(where: { $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) else { return text }
        return String(text.filter { $0 != "\n" && $0 != "\r" && $0 != "\r\n" })
    }
}

extension HTTPResponse {
    /// A `text/event-stream` response whose events `produce` writes (see `SSEStream`).
    ///
    /// The stream ends when `produce` returns. Headers: `Content-Type: text/event-stream`,
    /// `Cache-Control: no-cache`, `X-Accel-Buffering: no` (tells nginx-style proxies not to buffer).
    /// - Parameter heartbeatInterval: how often to write `: heartbeat` while the stream is open
    ///   (default 15 s; tests use a short one).
    package static func eventStream(
        status: HTTPStatus = .ok,
        headers: HTTPHeaders = HTTPHeaders(),
        heartbeatInterval: Duration = .seconds(15),
        _ produce: @escaping @Sendable (SSEStream) async throws -> Void
    ) -> HTTPResponse {
        var headers = headers
        headers.replaceOrAdd(name: "Content-Type", value: "text/event-stream")
        headers.addIfAbsent(name: "Cache-Control", value: "no-cache")
        headers.addIfAbsent(name: "X-Accel-Buffering", value: "no")
        let body = HTTPBodyStream { writer in
            let stream = SSEStream(writer: writer)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    while !Task.isCancelled {
                        try await Task.sleep(for: heartbeatInterval)
                        try stream.heartbeat()
                    }
                }
                defer { group.cancelAll() }
                try await produce(stream)
            }
        }
        return HTTPResponse(status: status, headers: headers, body: .stream(body))
    }
}
