// HTTPMethod: the request method as an open, case-sensitive token (RFC 9110 §9.1).

/// An HTTP request method. Methods are case-sensitive tokens; the common ones are static constants,
/// and any other token the server accepted can be represented too.
package struct HTTPMethod: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The method token as sent on the request line (`GET`, `POST`).
    package let rawValue: String

    /// Wraps a method token. The server passes through whatever MHD accepted.
    package init(rawValue: String) { self.rawValue = rawValue }

    package static let get = HTTPMethod(rawValue: "GET")
    package static let head = HTTPMethod(rawValue: "HEAD")
    package static let post = HTTPMethod(rawValue: "POST")
    package static let put = HTTPMethod(rawValue: "PUT")
    package static let patch = HTTPMethod(rawValue: "PATCH")
    package static let delete = HTTPMethod(rawValue: "DELETE")
    package static let options = HTTPMethod(rawValue: "OPTIONS")

    package var description: String { rawValue }
}
