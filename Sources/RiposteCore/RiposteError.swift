// The one domain error: an open code, a message safe for API callers, and a cause for logs only.

/// An error any Riposte module may throw across a module boundary.
///
/// `description` is safe to show to API callers; `String(reflecting:)` adds the underlying
/// cause and source location and is meant for logs only.
public struct RiposteError: Error, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// A stable machine-readable code; its `description` is the wire form (`not_found`).
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Sendable {
            case invalid, unauthorized, forbidden, notFound = "not_found", conflict, tooLarge = "payload_too_large"
            case overloaded, unavailable, `internal`
        }
        private let base: Base
        /// The input is malformed or breaks a rule (HTTP 400/422).
        public static let invalid = Code(base: .invalid)
        /// No or wrong credentials (401).
        public static let unauthorized = Code(base: .unauthorized)
        /// The caller's role does not allow this (403).
        public static let forbidden = Code(base: .forbidden)
        /// The named thing does not exist (404).
        public static let notFound = Code(base: .notFound)
        /// The change conflicts with the current state (409).
        public static let conflict = Code(base: .conflict)
        /// The input exceeds a configured size limit (413).
        public static let tooLarge = Code(base: .tooLarge)
        /// Too much work is queued; retry after ``RiposteError/retryAfterSeconds`` (429).
        public static let overloaded = Code(base: .overloaded)
        /// A dependency is not available right now; retry later (503).
        public static let unavailable = Code(base: .unavailable)
        /// Anything else; callers see only "Internal error" (500).
        public static let `internal` = Code(base: .internal)
        public var description: String { base.rawValue }
    }

    public var code: Code
    /// A message safe for API callers: never a secret, never a stack trace.
    public var message: String
    /// The cause, for logs only.
    public var underlying: (any Error)?
    /// When a retry may succeed (`.overloaded`, `.unavailable`); sent as `Retry-After`.
    public var retryAfterSeconds: Int?
    public var fileID: String
    public var line: Int

    public init(
        _ code: Code, _ message: String, underlying: (any Error)? = nil,
        fileID: String = #fileID, line: Int = #line
    ) {
        self.code = code
        self.message = message
        self.underlying = underlying
        self.fileID = fileID
        self.line = line
    }

    public var description: String { "\(code): \(message)" }

    public var debugDescription: String {
        var text = "\(code): \(message) (\(fileID):\(line))"
        if let underlying { text += " caused by \(String(reflecting: underlying))" }
        return text
    }

    public static func invalid(_ message: String, fileID: String = #fileID, line: Int = #line) -> RiposteError {
        RiposteError(.invalid, message, fileID: fileID, line: line)
    }

    public static func notFound(_ message: String, fileID: String = #fileID, line: Int = #line) -> RiposteError {
        RiposteError(.notFound, message, fileID: fileID, line: line)
    }
}
