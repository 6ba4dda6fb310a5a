// Starts the whole application on 127.0.0.1 port 0 against a temporary data directory, with a
// token per role, and a small HTTP client for the tests.
import Foundation
import RiposteApp
import RiposteCore
import RiposteRuntime
import RiposteWeb
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A running Riposte for one test.
final class TestServer: Sendable {
    let app: Application
    let baseURL: String
    let dataDirectory: String
    let tokens: [Role: String]
    private let runTask: Task<Void, any Error>

    /// Builds and starts the app; `environment` adds configuration keys (`RIPOSTE_GROUPING_WINDOW`).
    /// `dataDirectory` reuses a directory (a restart); by default each server gets a fresh one.
    static func start(
        environment: [String: String] = [:], dataDirectory: String? = nil, clock: WallClock = .system
    ) async throws -> TestServer {
        let directory =
            dataDirectory
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("riposte-test-\(UUID().uuidString)").path
        var flags = environment
        // Enrichment (DNS by default) only where a test asks for it: other tests must not depend on the resolver.
        if flags["RIPOSTE_ENRICH_PROVIDERS"] == nil { flags["RIPOSTE_ENRICH_PROVIDERS"] = "none" }
        flags["RIPOSTE_DATA"] = directory
        flags["RIPOSTE_LISTEN"] = "127.0.0.1:0"
        let configuration = try AppConfiguration(flags: flags, environment: Environment([:]), configFile: nil)
        let app = try await Application.build(configuration, logger: .disabled, clock: clock, accessLog: { _ in })
        var tokens: [Role: String] = [:]
        for role in Role.allCases {
            // Unique names, so a restarted server on the same directory can make its own tokens.
            let name = "test-\(role.rawValue)" + (dataDirectory == nil ? "" : "-\(UUID().uuidString.prefix(8))")
            tokens[role] = try await app.access.createToken(name: name, role: role).secret.value
        }
        let port = try await app.start()
        let runTask = Task { try await app.run() }
        return TestServer(
            app: app, baseURL: "http://127.0.0.1:\(port)", dataDirectory: directory, tokens: tokens, runTask: runTask)
    }

    private init(app: Application, baseURL: String, dataDirectory: String, tokens: [Role: String], runTask: Task<Void, any Error>)
    {
        self.app = app
        self.baseURL = baseURL
        self.dataDirectory = dataDirectory
        self.tokens = tokens
        self.runTask = runTask
    }

    /// Shuts the app down and removes the data directory (unless `keepingData`, for a restart).
    func stop(keepingData: Bool = false) async throws {
        await app.shutdown()
        try await runTask.value
        if !keepingData { try? FileManager.default.removeItem(atPath: dataDirectory) }
    }

    /// Runs `body` against a fresh server and always stops it.
    static func with(
        environment: [String: String] = [:], clock: WallClock = .system, _ body: (TestServer) async throws -> Void
    ) async throws {
        let server = try await start(environment: environment, clock: clock)
        do {
            try await body(server)
        } catch {
            try? await server.stop()
            throw error
        }
        try await server.stop()
    }

    /// Sends a request; `role` picks the token (nil sends none).
    func request(
        _ method: String, _ path: String, body: Data? = nil, role: Role? = .admin, headers: [String: String] = [:]
    ) async throws -> TestResponse {
        try await TestHTTP.request(method, baseURL + path, body: body, token: role.flatMap { tokens[$0] }, headers: headers)
    }

    /// Polls `condition` every 20 ms for up to `seconds`; the job worker runs asynchronously.
    func eventually(seconds: Double = 60, _ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return try await condition()
    }
}

/// A response as tests read it.
struct TestResponse: Sendable {
    var status: Int
    var headers: [String: String]
    var body: Data

    /// The body as a JSON object (empty when it is not one).
    var json: [String: Any] { ((try? JSONSerialization.jsonObject(with: body)) as? [String: Any]) ?? [:] }
    var text: String { String(decoding: body, as: UTF8.self) }
    /// `error.code` of an error body.
    var errorCode: String? { (json["error"] as? [String: Any])?["code"] as? String }
}

/// URLSession requests with a per-call token.
enum TestHTTP {
    static let session: URLSession = {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 30
        configuration.httpMaximumConnectionsPerHost = 16
        return URLSession(configuration: configuration)
    }()

    static func request(
        _ method: String, _ url: String, body: Data? = nil, token: String?, headers: [String: String] = [:]
    ) async throws -> TestResponse {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = method
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response): (Data, URLResponse)
        if let body {
            (data, response) = try await session.upload(for: request, from: body)
        } else {
            (data, response) = try await session.data(for: request)
        }
        let http = try #require(response as? HTTPURLResponse)
        var fields: [String: String] = [:]
        for (name, value) in http.allHeaderFields {
            if let name = name as? String, let value = value as? String { fields[name.lowercased()] = value }
        }
        return TestResponse(status: http.statusCode, headers: fields, body: data)
    }
}

extension Dictionary where Key == String, Value == Any {
    func array(_ key: String) -> [[String: Any]] { (self[key] as? [[String: Any]]) ?? [] }
    func string(_ key: String) -> String? { self[key] as? String }
}

/// JSON text for request bodies.
func jsonBody(_ object: Any) -> Data {
    try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
}
