// HTTPStatus: a status code with its reason phrase, and the constants RiposteHTTP and its users need.

/// An HTTP response status: a three-digit code and a reason phrase.
///
/// Two statuses are equal when their codes are equal; the reason phrase is informational. MHD writes
/// its own standard reason phrase for the code on the wire, so a custom `reason` is not sent.
package struct HTTPStatus: Hashable, Sendable, CustomStringConvertible {
    /// The three-digit status code (100...999).
    package let code: Int
    /// The reason phrase, for logs and tests.
    package let reason: String

    /// Creates a status. `code` must be a three-digit number; the server answers 500 otherwise.
    package init(code: Int, reason: String = "") {
        self.code = code
        self.reason = reason
    }

    package static func == (lhs: HTTPStatus, rhs: HTTPStatus) -> Bool { lhs.code == rhs.code }
    package func hash(into hasher: inout Hasher) { hasher.combine(code) }

    package var description: String { reason.isEmpty ? "\(code)" : "\(code) \(reason)" }

    /// True for 4xx and 5xx statuses.
    package var isError: Bool { code >= 400 }

    package static let ok = HTTPStatus(code: 200, reason: "OK")
    package static let created = HTTPStatus(code: 201, reason: "Created")
    package static let accepted = HTTPStatus(code: 202, reason: "Accepted")
    package static let noContent = HTTPStatus(code: 204, reason: "No Content")
    package static let movedPermanently = HTTPStatus(code: 301, reason: "Moved Permanently")
    package static let found = HTTPStatus(code: 302, reason: "Found")
    package static let seeOther = HTTPStatus(code: 303, reason: "See Other")
    package static let notModified = HTTPStatus(code: 304, reason: "Not Modified")
    package static let temporaryRedirect = HTTPStatus(code: 307, reason: "Temporary Redirect")
    package static let badRequest = HTTPStatus(code: 400, reason: "Bad Request")
    package static let unauthorized = HTTPStatus(code: 401, reason: "Unauthorized")
    package static let forbidden = HTTPStatus(code: 403, reason: "Forbidden")
    package static let notFound = HTTPStatus(code: 404, reason: "Not Found")
    package static let methodNotAllowed = HTTPStatus(code: 405, reason: "Method Not Allowed")
    package static let conflict = HTTPStatus(code: 409, reason: "Conflict")
    package static let gone = HTTPStatus(code: 410, reason: "Gone")
    package static let payloadTooLarge = HTTPStatus(code: 413, reason: "Content Too Large")
    package static let unsupportedMediaType = HTTPStatus(code: 415, reason: "Unsupported Media Type")
    package static let unprocessableContent = HTTPStatus(code: 422, reason: "Unprocessable Content")
    package static let tooManyRequests = HTTPStatus(code: 429, reason: "Too Many Requests")
    package static let internalServerError = HTTPStatus(code: 500, reason: "Internal Server Error")
    package static let notImplemented = HTTPStatus(code: 501, reason: "Not Implemented")
    package static let badGateway = HTTPStatus(code: 502, reason: "Bad Gateway")
    package static let serviceUnavailable = HTTPStatus(code: 503, reason: "Service Unavailable")
    package static let gatewayTimeout = HTTPStatus(code: 504, reason: "Gateway Timeout")
}
