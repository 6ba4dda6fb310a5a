// A TAXII 2.1 client: discovery, API roots, collections and paged object pulls over the HTTPClient port.
package import FoundationEssentials
package import RiposteCore
package import RiposteRuntime

/// How the client authenticates; secrets stay in `Secret` and are never logged.
package enum TAXIICredentials: Sendable {
    case none
    case basic(username: String, password: Secret)
    case bearer(Secret)

    /// The `Authorization` header value, if any.
    var authorization: String? {
        switch self {
        case .none: return nil
        case .basic(let username, let password):
            return "Basic " + Data("\(username):\(password.value)".utf8).base64EncodedString()
        case .bearer(let token): return "Bearer " + token.value
        }
    }
}

/// The filters of one objects request (TAXII 2.1 §3.4).
package struct TAXIIObjectsQuery: Sendable, Equatable {
    /// Only objects added after this timestamp (the previous pull's `X-TAXII-Date-Added-Last`).
    package var addedAfter: String?
    /// Objects per page; the server may send fewer.
    package var limit: Int?
    /// The server's paging token from the previous page.
    package var next: String?
    /// `match[type]`: only these STIX types (empty: all).
    package var types: [String]

    package init(addedAfter: String? = nil, limit: Int? = nil, next: String? = nil, types: [String] = []) {
        self.addedAfter = addedAfter
        self.limit = limit
        self.next = next
        self.types = types
    }
}

/// What a complete pull did, and where the next one starts.
package struct TAXIIPullResult: Sendable {
    package var pages: Int
    package var objectCount: Int
    /// The `added_after` for the next incremental pull: the last page's `X-TAXII-Date-Added-Last`,
    /// or the pull's own `added_after` when nothing new arrived.
    package var nextAddedAfter: String?
}

/// Talks TAXII 2.1 to one server.
///
/// Every answer must be a 2xx with `Content-Type: application/taxii+json` and a JSON object body;
/// anything else is a `RiposteError` naming the (redacted) URL: `.unauthorized`/`.forbidden`/
/// `.notFound` for 401/403/404 (with the server's TAXII error title and description),
/// `.unavailable` for 429 and 5xx, `.invalid` for other statuses, non-TAXII content and malformed
/// JSON (with the byte offset), `.tooLarge` for a page over `Limits.maxPageBytes`.
package struct TAXIIClient: Sendable {
    /// Limits that guard one client.
    package struct Limits: Sendable {
        /// Per request, redirects included.
        package var timeout: Duration = .seconds(60)
        /// The largest objects page accepted.
        package var maxPageBytes: Int = 32 << 20
        /// The largest discovery, API-root or collections document accepted.
        package var maxDocumentBytes: Int = 1 << 20
        /// Pages one `pull` may follow before it fails (a server that never stops saying `more`).
        package var maxPages: Int = 10_000

        package init() {}
    }

    /// The media type TAXII 2.1 requires in `Accept`.
    package static let mediaType = "application/taxii+json;version=2.1"

    private let http: any HTTPClient
    private let credentials: TAXIICredentials
    private let limits: Limits

    package init(http: any HTTPClient, credentials: TAXIICredentials = .none, limits: Limits = Limits()) {
        self.http = http
        self.credentials = credentials
        self.limits = limits
    }

    /// Reads the discovery resource at `url` (normally `https://host/taxii2/`).
    package func discovery(_ url: URL) async throws -> TAXIIDiscovery {
        let (json, _) = try await get(url, maxBytes: limits.maxDocumentBytes)
        return try TAXIIDiscovery(json: json, from: url)
    }

    /// Reads an API root's information.
    package func apiRoot(_ apiRoot: URL) async throws -> TAXIIAPIRoot {
        let url = try Self.directory(apiRoot)
        let (json, _) = try await get(url, maxBytes: limits.maxDocumentBytes)
        return try TAXIIAPIRoot(json: json, from: url)
    }

    /// Lists the collections of an API root.
    package func collections(apiRoot: URL) async throws -> [TAXIICollection] {
        let url = try Self.url(try Self.directory(apiRoot), path: "collections/")
        let (json, _) = try await get(url, maxBytes: limits.maxDocumentBytes)
        let fields = try TAXIIFields(json, "TAXII collections from \(Redaction.url(url))")
        return try fields.array("collections").enumerated().map { index, item in
            try TAXIICollection(json: item, what: "TAXII collection \(index) from \(Redaction.url(url))")
        }
    }

    /// Fetches one page of a collection's objects.
    package func objects(apiRoot: URL, collectionID: String, query: TAXIIObjectsQuery) async throws -> TAXIIObjectsPage {
        let url = try Self.objectsURL(apiRoot: apiRoot, collectionID: collectionID, query: query)
        let (json, headers) = try await get(url, maxBytes: limits.maxPageBytes)
        return try TAXIIObjectsPage(
            envelope: json, dateAddedFirst: try Self.timestamp(headers, "X-TAXII-Date-Added-First", url),
            dateAddedLast: try Self.timestamp(headers, "X-TAXII-Date-Added-Last", url), from: Redaction.url(url))
    }

    /// Pulls every object added after `query.addedAfter`, page by page, until the server says no
    /// more; `onPage` sees each page as it arrives (nothing is accumulated here).
    ///
    /// Paging follows TAXII 2.1 §3.7: with `more` and a `next` token, ask again with `next` and
    /// the same filters; with `more` and no token, ask again with `added_after` set to the page's
    /// `X-TAXII-Date-Added-Last`.
    /// - Throws: as the type says; `.invalid` when a server says `more` but gives no way forward,
    ///   `.tooLarge` after `Limits.maxPages` pages.
    package func pull(
        apiRoot: URL, collectionID: String, query initial: TAXIIObjectsQuery,
        onPage: (TAXIIObjectsPage) async throws -> Void
    ) async throws -> TAXIIPullResult {
        var query = initial
        query.next = nil
        var result = TAXIIPullResult(pages: 0, objectCount: 0, nextAddedAfter: initial.addedAfter)
        while true {
            try Task.checkCancellation()
            guard result.pages < limits.maxPages else {
                throw RiposteError(
                    .tooLarge, "TAXII collection \(collectionID) still had more objects after \(limits.maxPages) pages")
            }
            let page = try await objects(apiRoot: apiRoot, collectionID: collectionID, query: query)
            result.pages += 1
            result.objectCount += page.objects.count
            if let last = page.dateAddedLast { result.nextAddedAfter = last }
            try await onPage(page)
            guard page.more else { return result }
            if let next = page.next {
                query.next = next
            } else if let last = page.dateAddedLast, last != query.addedAfter {
                query.next = nil
                query.addedAfter = last
            } else {
                throw RiposteError.invalid(
                    "TAXII collection \(collectionID) page \(result.pages) says more objects follow but gives no 'next' "
                        + "and no new X-TAXII-Date-Added-Last")
            }
        }
    }

    /// `pull`, collecting every object in memory (for small collections and tests).
    package func pullAll(
        apiRoot: URL, collectionID: String, query: TAXIIObjectsQuery
    ) async throws -> (objects: [JSONValue], result: TAXIIPullResult) {
        var objects: [JSONValue] = []
        let result = try await pull(apiRoot: apiRoot, collectionID: collectionID, query: query) {
            objects.append(contentsOf: $0.objects)
        }
        return (objects, result)
    }

    // MARK: - One exchange

    /// GETs `url` and returns its JSON object body and response headers, or throws as the type says.
    private func get(_ url: URL, maxBytes: Int) async throws -> (JSONValue, HeaderFields) {
        var headers: HeaderFields = ["Accept": Self.mediaType]
        if let authorization = credentials.authorization { headers.set("Authorization", authorization) }
        let response = try await http.send(
            OutboundRequest(url: url, headers: headers, timeout: limits.timeout, maxResponseBytes: maxBytes))
        guard response.isSuccess else { throw TAXIIErrorResponse.error(for: response, url: url) }
        let contentType = String((response.headers["Content-Type"] ?? "").lowercased().filter { $0 != " " })
        guard contentType.hasPrefix("application/taxii+json") else {
            throw RiposteError.invalid(
                "\(Redaction.url(url)) is not a TAXII 2.1 endpoint: it answered Content-Type "
                    + "'\(TAXIIErrorResponse.printable(contentType.isEmpty ? "none" : contentType))'")
        }
        if contentType.contains("version="), !contentType.contains("version=2.1") {
            throw RiposteError.invalid("\(Redaction.url(url)) answered a TAXII version other than 2.1 ('\(contentType)')")
        }
        let json: JSONValue
        do {
            json = try response.body.withUnsafeBufferPointer { buffer throws(JSONSyntaxError) in try JSONParser.parse(buffer) }
        } catch {
            throw RiposteError.invalid("TAXII answer from \(Redaction.url(url)) is not valid JSON: \(error)")
        }
        return (json, response.headers)
    }

    // MARK: - URLs

    /// `url` with a trailing slash on its path (TAXII URLs are directories).
    static func directory(_ url: URL) throws -> URL {
        guard let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https" else {
            throw RiposteError.invalid("TAXII URL \(Redaction.url(url)) must be http or https")
        }
        if url.path(percentEncoded: true).hasSuffix("/") { return url }
        return try Self.url(url, path: "/")
    }

    /// `base`'s path followed by `path` (percent-encoded already), without a query.
    private static func url(_ base: URL, path: String) throws -> URL {
        guard var components = URLComponents(url: base, resolvingAgainstBaseURL: true) else {
            throw RiposteError.invalid("TAXII URL \(Redaction.url(base)) cannot be parsed")
        }
        components.percentEncodedPath += path
        components.percentEncodedQuery = nil
        guard let url = components.url else { throw RiposteError.invalid("TAXII URL \(Redaction.url(base)) cannot be extended") }
        return url
    }

    /// `{api-root}/collections/{id}/objects/?filters`.
    static func objectsURL(apiRoot: URL, collectionID: String, query: TAXIIObjectsQuery) throws -> URL {
        guard !collectionID.isEmpty, collectionID.utf8.count <= 256 else {
            throw RiposteError.invalid("TAXII collection id must be 1 to 256 bytes")
        }
        if let limit = query.limit, limit < 1 { throw RiposteError.invalid("TAXII page limit must be at least 1, got \(limit)") }
        var parameters: [(String, String)] = []
        if let addedAfter = query.addedAfter { parameters.append(("added_after", addedAfter)) }
        if let limit = query.limit { parameters.append(("limit", String(limit))) }
        if !query.types.isEmpty { parameters.append(("match[type]", query.types.joined(separator: ","))) }
        if let next = query.next { parameters.append(("next", next)) }
        var url = try Self.url(try directory(apiRoot), path: "collections/" + percentEncoded(collectionID) + "/objects/")
        if !parameters.isEmpty {
            let query = parameters.map { percentEncoded($0.0) + "=" + percentEncoded($0.1) }.joined(separator: "&")
            guard var components = URLComponents(url: url, resolvingAgainstBaseURL: true) else {
                throw RiposteError.invalid("TAXII URL \(Redaction.url(url)) cannot be parsed")
            }
            components.percentEncodedQuery = query
            guard let withQuery = components.url else { throw RiposteError.invalid("TAXII query cannot be encoded") }
            url = withQuery
        }
        return url
    }

    /// Percent-encodes everything but RFC 3986 unreserved characters (so `+` in a timestamp and
    /// `/` in an id or token survive as themselves).
    static func percentEncoded(_ text: String) -> String {
        var encoded = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                encoded.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".unicodeScalars)
                encoded.unicodeScalars.append("%")
                encoded.unicodeScalars.append(hex[Int(byte >> 4)])
                encoded.unicodeScalars.append(hex[Int(byte & 0x0F)])
            }
        }
        return encoded
    }

    /// A date-added header, which must look like a timestamp since it becomes the next `added_after`.
    static func timestamp(_ headers: HeaderFields, _ name: String, _ url: URL) throws -> String? {
        guard let value = headers[name]?.filter({ $0 != " " && $0 != "\t" }), !value.isEmpty else { return nil }
        let allowed = Set("0123456789-:.TZtz+")
        guard value.count <= 40, value.allSatisfy({ allowed.contains($0) }) else {
            throw RiposteError.invalid("\(name) from \(Redaction.url(url)) is not a timestamp")
        }
        return value
    }
}
