// HTTPRequest: one fully received request as handed to a Responder.

package import Foundation

/// A fully received HTTP request. The server builds it once the whole body has arrived (within
/// `HTTPServerConfiguration.maxBodyBytes`), so responders never see a partial body.
package struct HTTPRequest: Sendable {
    /// The request method.
    package var method: HTTPMethod
    /// The path of the request target as sent, still percent-encoded, without the query string
    /// (`/api/v1/incidents/inc%201/notes`). Route parameters are percent-decoded by the `Router`.
    package var path: String
    /// The raw query string without the leading `?` (`""` when there is none). It may carry secrets,
    /// so the access log never writes it.
    package var query: String
    /// Request headers; names compare case-insensitively.
    package var headers: HTTPHeaders
    /// The request body, copied once from MHD's buffers (empty when there is none).
    package var body: Data
    /// The peer's IP address as text (`127.0.0.1`, `::1`); empty when unknown (in-process tests).
    package var remoteAddress: String
    /// The request ID: a valid incoming `X-Request-ID`, else a generated one (see `RequestID`).
    /// The server echoes it in the `X-Request-ID` response header and the access log.
    package var requestID: String

    /// Creates a request; used by the server and by in-process test transports.
    package init(
        method: HTTPMethod,
        path: String,
        query: String = "",
        headers: HTTPHeaders = HTTPHeaders(),
        body: Data = Data(),
        remoteAddress: String = "",
        requestID: String = RequestID.generate()
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.remoteAddress = remoteAddress
        self.requestID = requestID
    }

    /// Creates a request from a request target such as `/search?q=a%20b`, splitting off the query.
    package init(
        method: HTTPMethod,
        target: String,
        headers: HTTPHeaders = HTTPHeaders(),
        body: Data = Data(),
        remoteAddress: String = "",
        requestID: String = RequestID.generate()
    ) {
        let (path, query) = Self.split(target: target)
        self.init(
            method: method, path: path, query: query, headers: headers, body: body,
            remoteAddress: remoteAddress, requestID: requestID)
    }

    /// One `name=value` pair of the query string, percent-decoded (`+` is a space).
    package struct QueryItem: Sendable, Equatable {
        package var name: String
        /// The value; empty for a bare `name` without `=`.
        package var value: String
        package init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// The query string parsed into items, in order, percent-decoded with `+` as space. Items whose
    /// encoding is invalid (bad `%` escape or not UTF-8) are kept with their raw text. Parsed on
    /// each access: read it once.
    package var queryItems: [QueryItem] {
        guard !query.isEmpty else { return [] }
        var items: [QueryItem] = []
        for part in query.split(separator: "&", omittingEmptySubsequences: true) {
            let name: Substring
            let value: Substring
            if let equals = part.firstIndex(of: "=") {
                name = part[..<equals]
                value = part[part.index(after: equals)...]
            } else {
                name = part
                value = ""
            }
            items.append(
                QueryItem(
                    name: PercentEncoding.decode(name, plusAsSpace: true) ?? String(name),
                    value: PercentEncoding.decode(value, plusAsSpace: true) ?? String(value)))
        }
        return items
    }

    /// The first query value named `name`, decoded, or nil.
    package func queryValue(_ name: String) -> String? {
        queryItems.first { $0.name == name }?.value
    }

    /// Splits a request target into path and query.
    package static func split(target: String) -> (path: String, query: String) {
        guard let mark = target.utf8.firstIndex(of: UInt8(ascii: "?")) else { return (target, "") }
        return (String(target[..<mark]), String(target[target.utf8.index(after: mark)...]))
    }
}
