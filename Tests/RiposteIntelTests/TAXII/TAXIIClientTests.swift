// TAXIIClient against scripted answers built from real samples (medallion's default data, OASIS
// STIX bundles) and, for the page size cap, a real loopback server.
import Foundation
import RiposteCore
import RiposteHTTP
import RiposteRuntime
import RiposteTesting
import Testing

@testable import RiposteIntel

@Suite("TAXII client")
struct TAXIIClientTests {
    static let root = URL(string: "http://taxii.test/api1/")!
    static let taxiiJSON: HeaderFields = ["Content-Type": "application/taxii+json;version=2.1"]

    /// A member of medallion's default data file, re-serialised.
    static func medallion(_ path: [String]) throws -> [UInt8] {
        var value: Any = try JSONSerialization.jsonObject(with: Corpus.contents("threat_intel/taxii/medallion-default_data.json"))
        for key in path { value = try #require((value as? [String: Any])?[key]) }
        return Array(try JSONSerialization.data(withJSONObject: value))
    }

    /// The objects of a corpus STIX bundle.
    static func bundleObjects(_ file: String) throws -> [[String: Any]] {
        let bundle = try JSONSerialization.jsonObject(with: Corpus.contents("threat_intel/stix/" + file)) as? [String: Any]
        return try #require(bundle?["objects"] as? [[String: Any]])
    }

    static func envelope(_ objects: [[String: Any]], more: Bool, next: String? = nil) throws -> [UInt8] {
        var envelope: [String: Any] = ["objects": objects, "more": more]
        if let next { envelope["next"] = next }
        return Array(try JSONSerialization.data(withJSONObject: envelope))
    }

    func riposteError(_ body: () async throws -> Void) async -> RiposteError? {
        do {
            try await body()
            Issue.record("expected a RiposteError, got success")
        } catch let error as RiposteError {
            return error
        } catch {
            Issue.record("expected a RiposteError, got \(error)")
        }
        return nil
    }

    @Test("Discovery, API root and collections decode medallion's default data")
    func resources() async throws {
        let http = ScriptedHTTPClient()
        http.on(path: "/taxii2/", headers: Self.taxiiJSON, body: try Self.medallion(["/discovery"]))
        http.on(path: "/trustgroup1/", headers: Self.taxiiJSON, body: try Self.medallion(["trustgroup1", "information"]))
        let collections = try JSONSerialization.jsonObject(with: Data(try Self.medallion(["trustgroup1", "collections"])))
        http.on(
            path: "/trustgroup1/collections/", headers: Self.taxiiJSON,
            body: Array(try JSONSerialization.data(withJSONObject: ["collections": collections])))
        let client = TAXIIClient(http: http, credentials: .basic(username: "user", password: Secret("pass")))

        let discovery = try await client.discovery(URL(string: "http://localhost:5000/taxii2/")!)
        #expect(discovery.title == "Some TAXII Server")
        #expect(discovery.apiRoots.map { $0.path(percentEncoded: false) } == ["/api1/", "/api2/", "/trustgroup1/"])
        #expect(discovery.defaultAPIRoot?.absoluteString == "http://localhost:5000/trustgroup1/")

        let root = try await client.apiRoot(try #require(discovery.defaultAPIRoot))
        #expect(root.title == "Malware Research Group")
        #expect(root.versions == [TAXIIClient.mediaType])
        #expect(root.maxContentLength == 9_765_625)

        let listed = try await client.collections(apiRoot: try #require(discovery.defaultAPIRoot))
        #expect(listed.count == 5)
        let indicators = try #require(listed.first { $0.id == "91a7b528-80eb-42ed-a74d-c6fbd5a26116" })
        #expect(indicators.title == "High Value Indicator Collection")
        #expect(indicators.canRead && indicators.canWrite)
        #expect(indicators.mediaTypes.contains("application/stix+json;version=2.1"))

        for request in http.requests {
            #expect(request.headers["Accept"] == "application/taxii+json;version=2.1")
            #expect(request.headers["Authorization"] == "Basic dXNlcjpwYXNz")
            #expect(!"\(request)".contains("dXNlcjpwYXNz"))
        }
    }

    @Test("A pull follows 'next' with the same filters until 'more' is false, and returns every object")
    func pagingWithNext() async throws {
        let objects = try Self.bundleObjects("oasis-threat-report-apt1.json")
        let pages = stride(from: 0, to: objects.count, by: 10).map { Array(objects[$0..<min($0 + 10, objects.count)]) }
        #expect(pages.count >= 3)
        let http = ScriptedHTTPClient()
        for (index, page) in pages.enumerated() {
            let isLast = index == pages.count - 1
            let expectedNext = index == 0 ? nil : "tok/\(index)+x"
            var headers = Self.taxiiJSON
            headers.set("X-TAXII-Date-Added-Last", "2024-01-0\(index + 1)T00:00:00.000000Z")
            let body = try Self.envelope(page, more: !isLast, next: isLast ? nil : "tok/\(index + 1)+x")
            http.on(
                times: 1,
                { request in
                    let query = request.url.query ?? ""
                    return expectedNext.map { query.contains("next=" + TAXIIClient.percentEncoded($0)) } ?? !query.contains(
                        "next=")
                }
            ) { [headers] in OutboundResponse(status: 200, headers: headers, body: body, url: $0.url) }
        }
        let client = TAXIIClient(http: http, credentials: .bearer(Secret("t0ken")))
        let query = TAXIIObjectsQuery(addedAfter: "2023-12-31T00:00:00+00:00", limit: 10, types: ["indicator", "malware"])
        let (pulled, result) = try await client.pullAll(apiRoot: Self.root, collectionID: "c1", query: query)

        #expect(pulled.compactMap { $0["id"]?.stringValue } == objects.compactMap { $0["id"] as? String })
        #expect(result.pages == pages.count)
        #expect(result.objectCount == objects.count)
        #expect(result.nextAddedAfter == "2024-0\(1)-0\(pages.count)T00:00:00.000000Z")
        for request in http.requests {
            let query = try #require(request.url.query)
            #expect(request.url.path(percentEncoded: false) == "/api1/collections/c1/objects/")
            #expect(query.contains("added_after=2023-12-31T00%3A00%3A00%2B00%3A00"))
            #expect(query.contains("limit=10"))
            #expect(query.contains("match%5Btype%5D=indicator%2Cmalware"))
            #expect(request.headers["Authorization"] == "Bearer t0ken")
        }
    }

    @Test("Without 'next', a pull continues from X-TAXII-Date-Added-Last")
    func pagingWithDateAdded() async throws {
        let objects = try Self.bundleObjects("oasis-indicators-for-C2-with-COA.json")
        let http = ScriptedHTTPClient()
        var first = Self.taxiiJSON
        first.set("X-TAXII-Date-Added-Last", "2024-05-01T10:00:00.000000Z")
        let firstBody = try Self.envelope(Array(objects.prefix(2)), more: true)
        http.on(times: 1, { !($0.url.query ?? "").contains("added_after") }) { [first] in
            OutboundResponse(status: 200, headers: first, body: firstBody, url: $0.url)
        }
        var second = Self.taxiiJSON
        second.set("X-TAXII-Date-Added-Last", "2024-05-02T10:00:00.000000Z")
        let secondBody = try Self.envelope(Array(objects.dropFirst(2)), more: false)
        http.on(times: 1, { ($0.url.query ?? "").contains("added_after=2024-05-01T10%3A00%3A00.000000Z") }) { [second] in
            OutboundResponse(status: 200, headers: second, body: secondBody, url: $0.url)
        }
        let (pulled, result) = try await TAXIIClient(http: http).pullAll(
            apiRoot: Self.root, collectionID: "c1", query: TAXIIObjectsQuery(limit: 2))
        #expect(pulled.count == objects.count)
        #expect(result.pages == 2)
        #expect(result.nextAddedAfter == "2024-05-02T10:00:00.000000Z")
    }

    @Test("A server that says 'more' but gives no way forward is an error, not a loop")
    func moreWithoutNext() async throws {
        let http = ScriptedHTTPClient()
        http.on(path: "/api1/collections/c1/objects/", headers: Self.taxiiJSON, body: Array(#"{"more":true,"objects":[]}"#.utf8))
        let error = await riposteError {
            _ = try await TAXIIClient(http: http).pullAll(apiRoot: Self.root, collectionID: "c1", query: TAXIIObjectsQuery())
        }
        #expect(error?.code == .invalid)
        #expect(error?.message.contains("gives no 'next'") == true)
        #expect(http.requests.count == 1)
    }

    @Test("HTTP errors carry the status and the TAXII error message")
    func httpErrors() async throws {
        let http = ScriptedHTTPClient()
        let forbidden = Array(
            #"{"title":"ProcessingError","description":"Forbidden to read collection 'c1'.","http_status":"403"}"#.utf8)
        http.on(path: "/api1/collections/c1/objects/", status: 403, headers: Self.taxiiJSON, body: forbidden)
        http.on(path: "/api1/", status: 401, headers: ["Content-Type": "text/html"], body: Array("Unauthorized Access".utf8))
        http.on(path: "/api1/collections/", status: 503, headers: Self.taxiiJSON, body: Array("{}".utf8))
        let client = TAXIIClient(http: http)

        let denied = await riposteError { _ = try await client.objects(apiRoot: Self.root, collectionID: "c1", query: .init()) }
        #expect(denied?.code == .forbidden)
        #expect(denied?.message.contains("HTTP 403") == true)
        #expect(denied?.message.contains("ProcessingError: Forbidden to read collection 'c1'.") == true)

        let unauthorized = await riposteError { _ = try await client.apiRoot(Self.root) }
        #expect(unauthorized?.code == .unauthorized)
        #expect(unauthorized?.message.contains("HTTP 401") == true)

        let down = await riposteError { _ = try await client.collections(apiRoot: Self.root) }
        #expect(down?.code == .unavailable)
    }

    @Test("Non-TAXII answers, malformed JSON and non-object items are rejected with a clear reason")
    func badAnswers() async throws {
        let http = ScriptedHTTPClient()
        http.on(path: "/portal/", headers: ["Content-Type": "text/html; charset=utf-8"], body: Array("<html>login</html>".utf8))
        http.on(path: "/old/", headers: ["Content-Type": "application/taxii+json;version=2.0"], body: Array("{}".utf8))
        http.on(path: "/broken/", headers: Self.taxiiJSON, body: Array(#"{"title": "x", "api_roots": [}"#.utf8))
        http.on(
            path: "/api1/collections/c1/objects/", headers: Self.taxiiJSON, body: Array(#"{"objects":[{"id":"x--1"},42]}"#.utf8))
        let client = TAXIIClient(http: http)

        let portal = await riposteError { _ = try await client.discovery(URL(string: "http://taxii.test/portal/")!) }
        #expect(portal?.code == .invalid)
        #expect(portal?.message.contains("not a TAXII 2.1 endpoint") == true)
        #expect(portal?.message.contains("text/html") == true)

        let old = await riposteError { _ = try await client.discovery(URL(string: "http://taxii.test/old/")!) }
        #expect(old?.message.contains("other than 2.1") == true)

        let broken = await riposteError { _ = try await client.discovery(URL(string: "http://taxii.test/broken/")!) }
        #expect(broken?.code == .invalid)
        #expect(broken?.message.contains("not valid JSON") == true)
        #expect(broken?.message.contains("at byte 29") == true)

        let item = await riposteError { _ = try await client.objects(apiRoot: Self.root, collectionID: "c1", query: .init()) }
        #expect(item?.message.contains("object 1 is not a STIX object") == true)
    }

    @Test("A page over the size limit fails as too large over a real socket")
    func oversizedPage() async throws {
        let objects = try Self.bundleObjects("oasis-threat-report-apt1.json")
        let body = try Self.envelope(objects, more: false)
        let server = ClosureResponder { _, _ in
            HTTPResponse(status: .ok, headers: ["Content-Type": TAXIIClient.mediaType], body: Data(body))
        }
        try await withLoopbackServer(responder: server) { base in
            var limits = TAXIIClient.Limits()
            limits.maxPageBytes = body.count - 1
            let small = TAXIIClient(http: URLSessionHTTPClient(), limits: limits)
            let error = await riposteError {
                _ = try await small.objects(apiRoot: base.appending(path: "/api1/"), collectionID: "c1", query: .init())
            }
            #expect(error?.code == .tooLarge)

            limits.maxPageBytes = body.count
            let page = try await TAXIIClient(http: URLSessionHTTPClient(), limits: limits)
                .objects(apiRoot: base.appending(path: "/api1/"), collectionID: "c1", query: .init())
            #expect(page.objects.count == objects.count)
        }
    }

    @Test("Collection ids, tokens and timestamps are percent-encoded; bad limits and date headers are refused")
    func urlsAndHeaders() throws {
        let url = try TAXIIClient.objectsURL(
            apiRoot: URL(string: "https://h.test/root")!, collectionID: "a b/c",
            query: TAXIIObjectsQuery(addedAfter: "2024-01-01T00:00:00+01:00", next: "n&x=1"))
        #expect(
            url.absoluteString
                == "https://h.test/root/collections/a%20b%2Fc/objects/?added_after=2024-01-01T00%3A00%3A00%2B01%3A00&next=n%26x%3D1"
        )
        #expect(throws: RiposteError.self) {
            try TAXIIClient.objectsURL(apiRoot: Self.root, collectionID: "c", query: .init(limit: 0))
        }
        #expect(throws: RiposteError.self) { try TAXIIClient.objectsURL(apiRoot: Self.root, collectionID: "", query: .init()) }
        #expect(throws: RiposteError.self) {
            try TAXIIClient.timestamp(["X-TAXII-Date-Added-Last": "2024&next=evil"], "X-TAXII-Date-Added-Last", Self.root)
        }
    }
}
