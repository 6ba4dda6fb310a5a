// Router: method + path-template routing over a segment trie, with 404/405 JSON answers.

/// Routes requests by method and path template to responders.
///
/// Templates are `/`-separated segments; a segment `{name}` matches any one non-empty segment and
/// binds it, percent-decoded, to `context.parameters[name]`:
/// `router.add(.post, "/api/v1/incidents/{id}/notes", handler)`.
///
/// Matching, in a trie built as routes are added (no regular expressions):
/// * empty segments are ignored, so `/a//b/` matches `/a/b`;
/// * a literal segment beats a parameter at the same position, with backtracking;
/// * `HEAD` falls back to the `GET` route (MHD omits the body);
/// * a path that matches no template answers `404` (`not_found`); a path that matches but not for
///   this method answers `405` (`method_not_allowed`) with an `Allow` header; a path with a malformed
///   `%` escape or an encoded NUL answers `400` (`invalid`). All three use the JSON error body.
package struct Router: Responder {
    private var root = Node()

    /// An empty router (everything is 404).
    package init() {}

    /// Registers `responder` for `method` requests matching `template`.
    ///
    /// Registering the same method and template shape twice is a programming error and traps.
    package mutating func add(_ method: HTTPMethod, _ template: String, _ responder: any Responder) {
        var parameterNames: [String] = []
        var shape: [Segment] = []
        for part in template.split(separator: "/", omittingEmptySubsequences: true) {
            if part.hasPrefix("{") && part.hasSuffix("}") && part.count > 2 {
                let name = String(part.dropFirst().dropLast())
                precondition(!parameterNames.contains(name), "duplicate parameter {\(name)} in \(template)")
                parameterNames.append(name)
                shape.append(.parameter)
            } else {
                precondition(!part.contains("{") && !part.contains("}"), "malformed segment \(part) in \(template)")
                shape.append(.literal(String(part)))
            }
        }
        root.insert(
            shape[...], route: Route(responder: responder, parameterNames: parameterNames), for: method,
            template: template)
    }

    /// Registers a closure for `method` requests matching `template`.
    package mutating func add(
        _ method: HTTPMethod, _ template: String,
        handler: @escaping @Sendable (HTTPRequest, RequestContext) async throws -> HTTPResponse
    ) {
        add(method, template, ClosureResponder(handler))
    }

    /// Registers a closure for `GET` requests matching `template`.
    package mutating func get(
        _ template: String, _ handler: @escaping @Sendable (HTTPRequest, RequestContext) async throws -> HTTPResponse
    ) { add(.get, template, handler: handler) }

    /// Registers a closure for `POST` requests matching `template`.
    package mutating func post(
        _ template: String, _ handler: @escaping @Sendable (HTTPRequest, RequestContext) async throws -> HTTPResponse
    ) { add(.post, template, handler: handler) }

    /// Registers a closure for `PUT` requests matching `template`.
    package mutating func put(
        _ template: String, _ handler: @escaping @Sendable (HTTPRequest, RequestContext) async throws -> HTTPResponse
    ) { add(.put, template, handler: handler) }

    /// Registers a closure for `PATCH` requests matching `template`.
    package mutating func patch(
        _ template: String, _ handler: @escaping @Sendable (HTTPRequest, RequestContext) async throws -> HTTPResponse
    ) { add(.patch, template, handler: handler) }

    /// Registers a closure for `DELETE` requests matching `template`.
    package mutating func delete(
        _ template: String, _ handler: @escaping @Sendable (HTTPRequest, RequestContext) async throws -> HTTPResponse
    ) { add(.delete, template, handler: handler) }

    /// The outcome of matching a method and path.
    package enum Match {
        /// A route matched; `parameters` are decoded.
        case found(any Responder, parameters: [String: String])
        /// The path matches routes for other methods only (sorted, including HEAD when GET exists).
        case methodNotAllowed(allowed: [HTTPMethod])
        case notFound
        /// The path has a malformed percent-escape or an encoded NUL.
        case invalidPath
    }

    /// Matches `method` and a raw (percent-encoded) `path`.
    package func match(method: HTTPMethod, path: String) -> Match {
        var segments: [String] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            guard let decoded = PercentEncoding.decode(part) else { return .invalidPath }
            segments.append(decoded)
        }
        var values: [String] = []
        values.reserveCapacity(4)
        if let route = root.find(segments[...], method: method, values: &values) {
            var parameters: [String: String] = [:]
            if !route.parameterNames.isEmpty {
                parameters.reserveCapacity(route.parameterNames.count)
                for (name, value) in zip(route.parameterNames, values) { parameters[name] = value }
            }
            return .found(route.responder, parameters: parameters)
        }
        if let node = root.findAny(segments[...]) {
            var allowed = Set(node.routes.keys)
            if allowed.contains(.get) { allowed.insert(.head) }
            return .methodNotAllowed(allowed: allowed.sorted { $0.rawValue < $1.rawValue })
        }
        return .notFound
    }

    package func respond(to request: HTTPRequest, context: RequestContext) async throws -> HTTPResponse {
        switch match(method: request.method, path: request.path) {
        case .found(let responder, let parameters):
            var context = context
            if !parameters.isEmpty {
                if context.parameters.isEmpty {
                    context.parameters = parameters
                } else {
                    context.parameters.merge(parameters) { _, new in new }
                }
            }
            return try await responder.respond(to: request, context: context)
        case .methodNotAllowed(let allowed):
            var headers = HTTPHeaders()
            headers.add(name: "Allow", value: allowed.map(\.rawValue).joined(separator: ", "))
            return .error(
                status: .methodNotAllowed, code: "method_not_allowed", message: "Method not allowed",
                requestID: context.requestID, headers: headers)
        case .notFound:
            return .error(status: .notFound, code: "not_found", message: "Not found", requestID: context.requestID)
        case .invalidPath:
            return .error(
                status: .badRequest, code: "invalid", message: "Invalid request path", requestID: context.requestID)
        }
    }

    // MARK: - Trie

    private enum Segment {
        case literal(String)
        case parameter
    }

    private struct Route {
        let responder: any Responder
        let parameterNames: [String]
    }

    private struct Node {
        var literals: [String: Node] = [:]
        /// Zero or one child for a `{parameter}` segment (an array gives the recursive struct its indirection).
        var parameter: [Node] = []
        var routes: [HTTPMethod: Route] = [:]

        mutating func insert(_ shape: ArraySlice<Segment>, route: Route, for method: HTTPMethod, template: String) {
            guard let first = shape.first else {
                precondition(routes[method] == nil, "route \(method) \(template) registered twice")
                routes[method] = route
                return
            }
            switch first {
            case .literal(let text):
                literals[text, default: Node()].insert(shape.dropFirst(), route: route, for: method, template: template)
            case .parameter:
                if parameter.isEmpty { parameter.append(Node()) }
                parameter[0].insert(shape.dropFirst(), route: route, for: method, template: template)
            }
        }

        /// The route for `method` (HEAD falls back to GET) at the first matching path.
        func find(_ segments: ArraySlice<String>, method: HTTPMethod, values: inout [String]) -> Route? {
            guard let segment = segments.first else {
                return routes[method] ?? (method == .head ? routes[.get] : nil)
            }
            if let child = literals[segment], let found = child.find(segments.dropFirst(), method: method, values: &values) {
                return found
            }
            if let child = parameter.first {
                values.append(segment)
                if let found = child.find(segments.dropFirst(), method: method, values: &values) { return found }
                values.removeLast()
            }
            return nil
        }

        /// The first node with any route at a matching path.
        func findAny(_ segments: ArraySlice<String>) -> Node? {
            guard let segment = segments.first else { return routes.isEmpty ? nil : self }
            if let child = literals[segment], let found = child.findAny(segments.dropFirst()) { return found }
            return parameter.first?.findAny(segments.dropFirst())
        }
    }
}
