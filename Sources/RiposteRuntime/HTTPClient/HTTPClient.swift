// The outbound HTTP port: one request in, one complete (size-capped) response out.
package import FoundationEssentials

/// Sends outbound HTTP requests (feeds, enrichment providers, connectors).
///
/// Contract:
/// * The whole exchange, redirects included, finishes within `request.timeout` or fails with
///   `.unavailable` ("timed out").
/// * A body larger than `request.maxResponseBytes` fails with `.tooLarge` as soon as the cap is
///   passed; nothing beyond the cap is buffered.
/// * At most `request.maxRedirects` redirects are followed, only to `http`/`https`, and credentials
///   (`Authorization`, `Cookie`, …) never travel to another origin.
/// * Any status is a response, not an error: callers decide what a 4xx/5xx means.
/// * Error messages never contain credentials (see `Redaction`).
package protocol HTTPClient: Sendable {
    /// Sends `request` and returns the final response.
    /// - Throws: `RiposteError` (`.unavailable`, `.tooLarge`, `.invalid`), or `CancellationError`.
    func send(_ request: OutboundRequest) async throws -> OutboundResponse
}

/// Header fields in order, with case-insensitive lookup.
package struct HeaderFields: Sendable, Equatable, Sequence, ExpressibleByDictionaryLiteral {
    /// One field.
    package struct Field: Sendable, Equatable {
        package var name: String
        package var value: String

        package init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    package private(set) var fields: [Field]

    package init(_ fields: [Field] = []) { self.fields = fields }

    package init(dictionaryLiteral elements: (String, String)...) {
        fields = elements.map { Field(name: $0.0, value: $0.1) }
    }

    package func makeIterator() -> IndexingIterator<[Field]> { fields.makeIterator() }

    /// The first value of the field `name` (case-insensitive), or nil.
    package subscript(name: String) -> String? {
        fields.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    /// Sets `name` to `value`, replacing every field of that name.
    package mutating func set(_ name: String, _ value: String) {
        remove(name)
        fields.append(Field(name: name, value: value))
    }

    /// Removes every field named `name` (case-insensitive).
    package mutating func remove(_ name: String) {
        fields.removeAll { $0.name.lowercased() == name.lowercased() }
    }
}

/// An outbound request with the limits that guard it.
///
/// `description` is safe to log: credentials in the URL and sensitive header values are redacted.
package struct OutboundRequest: Sendable, CustomStringConvertible {
    package var method: String
    package var url: URL
    package var headers: HeaderFields
    package var body: [UInt8]
    /// The whole exchange (connect, redirects, headers and body) must finish within this.
    package var timeout: Duration
    /// The largest response body accepted; one byte more fails with `.tooLarge`.
    package var maxResponseBytes: Int
    /// How many redirects to follow before failing.
    package var maxRedirects: Int

    /// Default limits: 30 s, 16 MiB, 5 redirects.
    package init(
        method: String = "GET", url: URL, headers: HeaderFields = HeaderFields(), body: [UInt8] = [],
        timeout: Duration = .seconds(30), maxResponseBytes: Int = 16 << 20, maxRedirects: Int = 5
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.maxResponseBytes = maxResponseBytes
        self.maxRedirects = maxRedirects
    }

    package var description: String {
        var text = "\(method) \(Redaction.url(url))"
        for field in headers { text += " \(field.name): \(Redaction.headerValue(name: field.name, value: field.value))" }
        return text
    }
}

/// The final response of an exchange.
package struct OutboundResponse: Sendable {
    package var status: Int
    package var headers: HeaderFields
    package var body: [UInt8]
    /// The URL that answered (differs from the request's after a redirect).
    package var url: URL

    package init(status: Int, headers: HeaderFields = HeaderFields(), body: [UInt8] = [], url: URL) {
        self.status = status
        self.headers = headers
        self.body = body
        self.url = url
    }

    /// True for 2xx.
    package var isSuccess: Bool { (200..<300).contains(status) }
}
