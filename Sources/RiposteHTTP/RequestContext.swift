// RequestContext: per-request values passed alongside the request (ID, route parameters, typed storage).

/// A key for a value that middleware stores in a `RequestContext` (an authenticated principal, a
/// tenant). Declare a caseless enum conforming to it.
package protocol RequestContextKey {
    associatedtype Value: Sendable
}

/// Per-request values that travel with an `HTTPRequest` through middleware to the handler.
///
/// The server creates it with the request ID; the `Router` fills `parameters`; middleware adds typed
/// values with `context[Key.self] = value`. It is a value: a middleware changes the copy it passes on.
package struct RequestContext: Sendable {
    /// The request ID (same as `HTTPRequest.requestID`).
    package var requestID: String
    /// Route parameters, percent-decoded: `/incidents/{id}` matched against `/incidents/inc%201`
    /// gives `["id": "inc 1"]`.
    package var parameters: [String: String]
    private var storage: [ObjectIdentifier: any Sendable]

    package init(requestID: String, parameters: [String: String] = [:]) {
        self.requestID = requestID
        self.parameters = parameters
        self.storage = [:]
    }

    /// The value stored for `key`, or nil.
    package subscript<Key: RequestContextKey>(key: Key.Type) -> Key.Value? {
        get { storage[ObjectIdentifier(key)] as? Key.Value }
        set { storage[ObjectIdentifier(key)] = newValue }
    }

    /// The value stored for `key`, or `defaultValue`; mutating it stores the result.
    package subscript<Key: RequestContextKey>(
        key: Key.Type, default defaultValue: @autoclosure () -> Key.Value
    ) -> Key.Value {
        get { self[key] ?? defaultValue() }
        set { self[key] = newValue }
    }
}
