// /api/v1/feeds: define intel feeds (admin), read them and their polling state, and poll one now.
import Foundation
import RiposteCore
import RiposteHTTP
import RiposteRuntime

/// Feed routes.
struct FeedController {
    let feeds: FeedService
    let clock: WallClock

    func register(on api: inout APIRouteBuilder) {
        api.add(.get, "/api/v1/feeds", .readIntel) { _ in
            try JSONBody.response(V1.FeedList(items: try await feeds.feeds().map(V1.FeedDTO.init)))
        }
        api.add(.post, "/api/v1/feeds", .manageFeeds) { call in
            let definition = try Self.definition(JSONBody.object(call.request), name: nil, createdAt: clock.now())
            try await feeds.create(definition)
            return try JSONBody.response(V1.FeedDTO(try await feeds.feed(definition.name)), status: .created)
        }
        api.add(.get, "/api/v1/feeds/{name}", .readIntel) { call in
            try JSONBody.response(V1.FeedDTO(try await feeds.feed(call.parameter("name"))))
        }
        api.add(.put, "/api/v1/feeds/{name}", .manageFeeds) { call in
            let existing = try await feeds.feed(call.parameter("name"))
            let definition = try Self.definition(
                JSONBody.object(call.request), name: existing.definition.name, createdAt: existing.definition.createdAt)
            try await feeds.update(definition)
            return try JSONBody.response(V1.FeedDTO(try await feeds.feed(definition.name)))
        }
        api.add(.delete, "/api/v1/feeds/{name}", .manageFeeds) { call in
            try await feeds.delete(call.parameter("name"))
            return HTTPResponse(status: .noContent)
        }
        api.add(.post, "/api/v1/feeds/{name}/poll", .importIntel) { call in
            try await feeds.poll(call.parameter("name"))
            return try JSONBody.response(V1.FeedDTO(try await feeds.feed(call.parameter("name"))))
        }
    }

    /// A definition from a request body; `name` is the path's on PUT (the body may repeat it, not change it).
    static func definition(_ object: [String: Any], name: String?, createdAt: Date) throws -> FeedDefinition {
        try JSONBody.rejectUnknown(
            object,
            allowed: ["name", "kind", "url", "collection", "csv_column", "interval_seconds", "enabled", "reliability", "auth"])
        let bodyName = try JSONBody.string(object, "name")
        if let name, let bodyName, bodyName != name { throw RiposteError.invalid("field 'name' cannot change") }
        guard let feedName = name ?? bodyName else { throw RiposteError.invalid("field 'name' is required") }
        guard let kindName = try JSONBody.string(object, "kind") else { throw RiposteError.invalid("field 'kind' is required") }
        guard let kind = FeedDefinition.Kind(rawValue: kindName) else {
            let known = FeedDefinition.Kind.allCases.map(\.rawValue).joined(separator: ", ")
            throw RiposteError.invalid("unknown kind '\(kindName)'; known: \(known)")
        }
        guard let url = try JSONBody.string(object, "url") else { throw RiposteError.invalid("field 'url' is required") }
        var definition = FeedDefinition(
            name: feedName, kind: kind, url: url, collection: try JSONBody.string(object, "collection"),
            csvColumn: try JSONBody.string(object, "csv_column"), createdAt: createdAt)
        if let interval = object["interval_seconds"] {
            guard let seconds = interval as? Int else {
                throw RiposteError.invalid("field 'interval_seconds' must be an integer")
            }
            definition.intervalSeconds = seconds
        }
        if let enabled = object["enabled"] {
            guard let flag = enabled as? Bool else { throw RiposteError.invalid("field 'enabled' must be true or false") }
            definition.enabled = flag
        }
        if let letter = try JSONBody.string(object, "reliability") {
            guard let reliability = SourceReliability(rawValue: letter.uppercased()) else {
                throw RiposteError.invalid("field 'reliability' must be one of A, B, C, D, E, F")
            }
            definition.reliability = reliability
        }
        if let auth = object["auth"], !(auth is NSNull) {
            guard let auth = auth as? [String: Any] else { throw RiposteError.invalid("field 'auth' must be an object") }
            try JSONBody.rejectUnknown(auth, allowed: ["scheme", "user", "header", "secret"])
            let secret = try JSONBody.string(auth, "secret") ?? ""
            switch try JSONBody.string(auth, "scheme") {
            case "basic":
                guard let user = try JSONBody.string(auth, "user") else { throw RiposteError.invalid("basic auth needs 'user'") }
                definition.authentication = .basic(user: user, secretRef: secret)
            case "bearer": definition.authentication = .bearer(secretRef: secret)
            case "header":
                guard let header = try JSONBody.string(auth, "header"), !header.isEmpty else {
                    throw RiposteError.invalid("header auth needs 'header' (its name)")
                }
                definition.authentication = .header(name: header, secretRef: secret)
            default: throw RiposteError.invalid("field 'auth.scheme' must be basic, bearer or header")
            }
        }
        return definition
    }
}
