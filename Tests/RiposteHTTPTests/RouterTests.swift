// Router matching, in process (no sockets).

import Foundation
import RiposteHTTP
import Testing

@Suite("Router")
struct RouterTests {
    static func respond(_ router: Router, _ method: HTTPMethod, _ target: String) async throws -> HTTPResponse {
        let request = HTTPRequest(method: method, target: target, requestID: "rid")
        return try await router.respond(to: request, context: RequestContext(requestID: "rid"))
    }

    static func text(_ response: HTTPResponse) -> String {
        String(decoding: response.bodyBytes ?? .init(), as: UTF8.self)
    }

    @Test("Literal segments beat parameters, with backtracking into the parameter branch")
    func precedence() async throws {
        var router = Router()
        router.get("/a/b/c") { _, _ in .text("literal") }
        router.get("/a/{x}/d") { _, context in .text("param \(context.parameters["x"]!)") }
        router.get("/a/{y}") { _, context in .text("short \(context.parameters["y"]!)") }
        #expect(Self.text(try await Self.respond(router, .get, "/a/b/c")) == "literal")
        #expect(Self.text(try await Self.respond(router, .get, "/a/b/d")) == "param b")
        #expect(Self.text(try await Self.respond(router, .get, "/a/zz")) == "short zz")
        #expect(try await Self.respond(router, .get, "/a/b/c/d").status == .notFound)
    }

    @Test("Parameter names are per route, so siblings may name the same position differently")
    func parameterNamesPerRoute() async throws {
        var router = Router()
        router.get("/incidents/{id}") { _, context in .text("id=\(context.parameters["id"]!)") }
        router.get("/incidents/{incident}/notes/{note}") { _, context in
            .text("\(context.parameters["incident"]!)/\(context.parameters["note"]!)")
        }
        #expect(Self.text(try await Self.respond(router, .get, "/incidents/7")) == "id=7")
        #expect(Self.text(try await Self.respond(router, .get, "/incidents/7/notes/9")) == "7/9")
    }

    @Test("Empty segments and trailing slashes are ignored; the root path routes")
    func slashes() async throws {
        var router = Router()
        router.get("/") { _, _ in .text("root") }
        router.get("/a/b") { _, _ in .text("ab") }
        #expect(Self.text(try await Self.respond(router, .get, "/")) == "root")
        #expect(Self.text(try await Self.respond(router, .get, "//a///b/")) == "ab")
    }

    @Test("A bad percent-escape or an encoded NUL in the path answers 400")
    func invalidPath() async throws {
        var router = Router()
        router.get("/files/{name}") { _, context in .text(context.parameters["name"]!) }
        #expect(Self.text(try await Self.respond(router, .get, "/files/a%2Fb")) == "a/b")
        for bad in ["/files/%zz", "/files/%00", "/files/%", "/files/%C3%28"] {
            let response = try await Self.respond(router, .get, bad)
            #expect(response.status == .badRequest, "\(bad)")
        }
    }

    @Test("405 lists the allowed methods, prefers a route that has the method, and 404 is JSON")
    func methodMatching() async throws {
        var router = Router()
        router.get("/x/literal") { _, _ in .text("get literal") }
        router.post("/x/{any}") { _, _ in .text("post any") }
        #expect(Self.text(try await Self.respond(router, .post, "/x/literal")) == "post any")
        let notAllowed = try await Self.respond(router, .delete, "/x/literal")
        #expect(notAllowed.status == .methodNotAllowed)
        #expect(notAllowed.headers["allow"] == "GET, HEAD")
        let missing = try await Self.respond(router, .get, "/y")
        #expect(missing.status == .notFound)
        #expect(Self.text(missing) == #"{"error":{"code":"not_found","message":"Not found","request_id":"rid"}}"#)
    }
}
