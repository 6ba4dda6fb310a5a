// Pulls detection attributes from a MISP instance through `POST /attributes/restSearch`, a page at a
// time, from where the previous pull stopped.
package import FoundationEssentials
import RiposteCore
package import RiposteRuntime

/// What a complete restSearch pull did, and where the next one starts.
package struct MISPSearchPullResult: Sendable {
    package var pages = 0
    package var attributes = 0
    /// The `timestamp` filter for the next pull: the newest attribute change seen, or the pull's own.
    package var nextSince: Int64?
}

/// Talks to MISP's REST API (`Authorization: <API key>`, JSON in and out).
///
/// Each request asks for detection attributes (`to_ids`), not deleted, changed at or after `since`
/// (MISP's `timestamp` filter, Unix seconds), `limit` per `page`; a page with fewer than `limit`
/// attributes is the last. Statuses other than 2xx are a `RiposteError` naming the (redacted) URL:
/// `.unauthorized`/`.forbidden` for 401/403, `.unavailable` for 429 and 5xx, `.invalid` otherwise.
package struct MISPSearchClient: Sendable {
    package let http: any HTTPClient
    /// The MISP base URL (`https://misp.example.org`).
    package let baseURL: URL
    package let apiKey: Secret
    package var pageSize: Int
    /// Pages one pull may take; more fails the pull with `.tooLarge` instead of stopping silently.
    package var maxPages: Int
    package var timeout: Duration
    package var maxPageBytes: Int

    package init(
        http: any HTTPClient, baseURL: URL, apiKey: Secret, pageSize: Int = 1000, maxPages: Int = 1000,
        timeout: Duration = .seconds(120), maxPageBytes: Int = 64 << 20
    ) {
        self.http = http
        self.baseURL = baseURL
        self.apiKey = apiKey
        self.pageSize = pageSize
        self.maxPages = maxPages
        self.timeout = timeout
        self.maxPageBytes = maxPageBytes
    }

    /// Requests every page of attributes changed at or after `since` (all when nil) and hands each,
    /// imported as `options` say, to `onPage`. The cursor only moves once every page has been handled,
    /// so a failure repeats the pull from the same point (imports are idempotent).
    package func pull(
        since: Int64?, options: IndicatorImportOptions, onPage: (MISPImportResult) async throws -> Void
    ) async throws -> MISPSearchPullResult {
        var result = MISPSearchPullResult(nextSince: since)
        var newest = since
        for page in 1... {
            try Task.checkCancellation()
            guard page <= maxPages else {
                throw RiposteError(
                    .tooLarge,
                    "MISP restSearch still had attributes after \(maxPages) pages of \(pageSize); narrow the search")
            }
            let imported = try MISPEventImporter.parse(try await fetch(page: page, since: since), options: options)
            result.pages += 1
            result.attributes += imported.attributeCount
            if let changed = imported.newestAttribute.map({ Int64($0.timeIntervalSince1970) }) {
                newest = max(newest ?? changed, changed)
            }
            try await onPage(imported)
            if imported.attributeCount < pageSize { break }
        }
        result.nextSince = newest
        return result
    }

    /// The request body of one page (MISP restSearch parameters).
    static func body(page: Int, limit: Int, since: Int64?) -> [UInt8] {
        var text = #"{"returnFormat":"json","to_ids":true,"deleted":false,"limit":\#(limit),"page":\#(page)"#
        if let since { text += #","timestamp":"\#(since)""# }
        return Array((text + "}").utf8)
    }

    private func fetch(page: Int, since: Int64?) async throws -> [UInt8] {
        let url = baseURL.appending(path: "attributes/restSearch")
        let response = try await http.send(
            OutboundRequest(
                method: "POST", url: url,
                headers: [
                    "Authorization": apiKey.value, "Accept": "application/json", "Content-Type": "application/json",
                ],
                body: Self.body(page: page, limit: pageSize, since: since), timeout: timeout, maxResponseBytes: maxPageBytes
            ))
        switch response.status {
        case 200..<300: return response.body
        case 401: throw RiposteError(.unauthorized, "MISP \(Redaction.url(url)) refused the API key (401)")
        case 403: throw RiposteError(.forbidden, "MISP \(Redaction.url(url)) forbids this search (403)")
        case 429, 500...: throw RiposteError(.unavailable, "MISP \(Redaction.url(url)) answered \(response.status)")
        default: throw RiposteError.invalid("MISP \(Redaction.url(url)) answered \(response.status)")
        }
    }
}
