// Pulls IBM QRadar offenses changed since a cursor (GET /api/siem/offenses), resolves their source
// addresses (GET /api/siem/source_addresses), and maps them with QRadarOffenseParser.
//
// Written to IBM's QRadar REST API reference (ibmsecuritydocs.github.io/qradar_api_14.0:
// "siem-offenses-GET", "siem-source_addresses-GET") and its paging notes ("c_rest_api_paging":
// `Range: items=x-y` in, `Content-Range: items x-y/total` out).
package import Foundation
import RiposteCore
package import RiposteRuntime

/// Where and how to reach one QRadar console.
package struct QRadarPollerConfiguration: Sendable {
    /// The console, `https://qradar.example.com` (the poller appends `/api/...`).
    package var baseURL: URL
    /// An authorized service token, sent as the `SEC` header.
    package var token: Secret
    /// The `Version` header: the REST API version the poller is written to.
    package var apiVersion = "14.0"
    /// Offenses per request (`Range: items=x-(x+pageSize-1)`).
    package var pageSize = 50
    /// Pages per poll; the next poll goes on from the saved cursor.
    package var maxPagesPerPoll = 20
    /// Source address ids per `/siem/source_addresses` call.
    package var sourceAddressBatch = 50
    /// Per call: the whole exchange must finish within this.
    package var timeout: Duration = .seconds(30)
    /// Per call: the largest response body accepted.
    package var maxResponseBytes = 16 << 20
    /// How far back the first poll reaches (nil: every offense QRadar holds).
    package var initialLookback: Duration? = .seconds(86_400)

    package init(baseURL: URL, token: Secret) {
        self.baseURL = baseURL
        self.token = token
    }
}

/// Polls QRadar offenses by `last_persisted_time` (the time QRadar last saved any change to the
/// offense), oldest first.
///
/// **Cursor:** the `last_persisted_time` (Unix milliseconds, as text) up to which every offense
/// has been stored. Each page asks `filter=last_persisted_time > CURSOR` with
/// `sort=+last_persisted_time` again, rather than walking fixed offsets of one result set: an
/// offense updated during a poll moves to the end of the set and would shift the offsets of
/// the others. Offenses sharing the page's last time are skipped by `Range` offset on the next
/// request, so equal times never loop or drop; after a restart they are fetched again and ingest
/// answers them as duplicates.
///
/// **Updates:** an offense's alert `source_ref` is its id (see `QRadarOffenseParser`), so an
/// offense re-polled because its `last_persisted_time` moved is a duplicate of the alert already
/// stored: it lands on its incident once, however often QRadar re-saves it (every new event does).
package struct QRadarOffensePoller: AlertPoller {
    package var kind: String { "qradar" }
    package let configuration: QRadarPollerConfiguration
    private let http: any HTTPClient
    private let clock: WallClock
    private let parser = QRadarOffenseParser()

    package init(configuration: QRadarPollerConfiguration, http: any HTTPClient, clock: WallClock) {
        self.configuration = configuration
        self.http = http
        self.clock = clock
    }

    static let vendor = "QRadar"
    static let credentialHint = "RIPOSTE_QRADAR_TOKEN (an authorized service token for the SEC header)"

    package func poll(after cursor: String?, deliver: (PollPage) async throws -> Void) async throws {
        var committed: Int64
        if let cursor {
            guard let value = Int64(cursor), value >= 0 else {
                throw RiposteError.invalid("the saved QRadar cursor '\(cursor)' is not Unix milliseconds")
            }
            committed = value
        } else if let lookback = configuration.initialLookback {
            committed = max(0, Int64((clock.now().timeIntervalSince1970 - Double(lookback.components.seconds)) * 1000))
        } else {
            committed = -1
        }
        var skip = 0
        let size = max(1, configuration.pageSize)
        for _ in 0..<max(1, configuration.maxPagesPerPoll) {
            let page = try await offenses(after: committed, range: skip...(skip + size - 1))
            if page.offenses.isEmpty { return }
            let addresses = try await sourceAddresses(ids: page.offenses.flatMap(\.sourceAddressIDs))
            let drafts = try page.offenses.map { try draft($0, addresses: addresses) }
            let times = page.offenses.map(\.lastPersisted)
            let last = times.max() ?? committed
            let finished = page.offenses.count < size || page.range.map { $0.last + 1 >= $0.total } == true
            if finished {
                try await deliver(PollPage(drafts: drafts, cursor: String(max(last, committed))))
                return
            }
            if let below = times.filter({ $0 < last }).max() {
                committed = max(committed, below)
                skip = times.count { $0 == last }
            } else {
                skip += page.offenses.count
            }
            try await deliver(PollPage(drafts: drafts, cursor: committed >= 0 ? String(committed) : nil))
        }
    }

    // MARK: Requests

    /// One offense as the poller needs it: its JSON and the fields paging reads.
    struct Offense {
        var id: Int
        var lastPersisted: Int64
        var sourceAddressIDs: [Int]
        var value: JSONValue
    }

    /// `items first-last/total` from `Content-Range`.
    struct ContentRange: Equatable {
        var first: Int
        var last: Int
        var total: Int
    }

    func offenses(after cursor: Int64, range: ClosedRange<Int>) async throws -> (offenses: [Offense], range: ContentRange?) {
        let query = VendorHTTP.query([
            ("filter", "last_persisted_time > \(cursor)"), ("sort", "+last_persisted_time"),
        ])
        let url = try VendorHTTP.url(configuration.baseURL, path: "/api/siem/offenses", query: query)
        let what = "GET /api/siem/offenses (items \(range.lowerBound)-\(range.upperBound))"
        let response = try await get(url, range: range, what: what)
        guard case .array(let elements) = try VendorHTTP.json(response.body, vendor: Self.vendor, what: what) else {
            throw RiposteError.invalid("QRadar answered \(what) with JSON that is not an array of offenses")
        }
        let offenses = try elements.enumerated().map { index, element -> Offense in
            guard let id = element.field("id")?.integerValue, id >= 0 else {
                throw RiposteError.invalid("QRadar answered \(what): offense [\(index)] has no integer 'id'")
            }
            guard let persisted = element.field("last_persisted_time")?.integerValue else {
                throw RiposteError.invalid(
                    "QRadar answered \(what): offense [\(index)] (id \(id)) has no integer 'last_persisted_time'")
            }
            let ids = element.field("source_address_ids")?.arrayValue?.compactMap(\.integerValue) ?? []
            return Offense(id: id, lastPersisted: Int64(persisted), sourceAddressIDs: ids, value: element)
        }
        let contentRange = try response.headers["Content-Range"].map { try Self.contentRange($0, what: what) }
        return (offenses, contentRange)
    }

    /// Source address id → IP, fetched in batches of `sourceAddressBatch`.
    func sourceAddresses(ids: [Int]) async throws -> [Int: String] {
        var unique: [Int] = []
        var seen = Set<Int>()
        for id in ids where seen.insert(id).inserted { unique.append(id) }
        var addresses: [Int: String] = [:]
        let batch = max(1, configuration.sourceAddressBatch)
        var start = 0
        while start < unique.count {
            let chunk = unique[start..<min(unique.count, start + batch)]
            start += chunk.count
            let query = VendorHTTP.query([
                ("filter", "id in (\(chunk.map(String.init).joined(separator: ",")))"), ("fields", "id,source_ip"),
            ])
            let url = try VendorHTTP.url(configuration.baseURL, path: "/api/siem/source_addresses", query: query)
            let what = "GET /api/siem/source_addresses"
            let response = try await get(url, range: 0...(chunk.count - 1), what: what)
            guard case .array(let elements) = try VendorHTTP.json(response.body, vendor: Self.vendor, what: what) else {
                throw RiposteError.invalid("QRadar answered \(what) with JSON that is not an array of source addresses")
            }
            for (index, element) in elements.enumerated() {
                guard let id = element.field("id")?.integerValue, let ip = element.field("source_ip")?.stringValue,
                    IPAddress(ip) != nil
                else {
                    throw RiposteError.invalid(
                        "QRadar answered \(what): source address [\(index)] has no 'id' and IP 'source_ip'")
                }
                addresses[id] = ip
            }
        }
        return addresses
    }

    /// The offense with its resolved `source_addresses`, parsed as ingest would parse it.
    func draft(_ offense: Offense, addresses: [Int: String]) throws -> AlertDraft {
        var value = offense.value
        let resolved = offense.sourceAddressIDs.compactMap { id in
            addresses[id].map { JSONValue.object([("id", .number(Double(id))), ("source_ip", .string($0))]) }
        }
        if case .object(var members) = value, !resolved.isEmpty {
            members.removeAll { $0.0 == "source_addresses" }
            members.append(("source_addresses", .array(resolved)))
            value = .object(members)
        }
        do {
            return try parser.parse(record: JSONText.bytes(value), value: value)
        } catch let error as RiposteError {
            throw RiposteError(error.code, "QRadar offense \(offense.id): \(error.message)", underlying: error)
        }
    }

    private func get(_ url: URL, range: ClosedRange<Int>, what: String) async throws -> OutboundResponse {
        let request = OutboundRequest(
            url: url,
            headers: [
                "SEC": configuration.token.value, "Version": configuration.apiVersion, "Accept": "application/json",
                "Range": "items=\(range.lowerBound)-\(range.upperBound)",
            ],
            timeout: configuration.timeout, maxResponseBytes: configuration.maxResponseBytes, maxRedirects: 0)
        let response = try await VendorHTTP.send(http, request, vendor: Self.vendor, what: what)
        try VendorHTTP.check(
            response, vendor: Self.vendor, what: what, credentialHint: Self.credentialHint, secrets: [configuration.token],
            detail: Self.errorDetail, now: clock.now())
        return response
    }

    /// `items x-y/total` (QRadar's answer to a `Range` request). - Throws: `.invalid` quoting it.
    static func contentRange(_ text: String, what: String) throws -> ContentRange {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let fail = RiposteError.invalid(
            "QRadar answered \(what) with Content-Range '\(VendorHTTP.printable(trimmed))', not 'items x-y/total'")
        guard trimmed.hasPrefix("items ") else { throw fail }
        let rest = trimmed.dropFirst(6)
        let parts = rest.split(separator: "/", maxSplits: 1)
        guard parts.count == 2, let total = Int(parts[1]), total >= 0 else { throw fail }
        let bounds = parts[0].split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard bounds.count == 2, let first = Int(bounds[0]) else { throw fail }
        // An empty answer reads `items 0--1/0` on some versions: the last index is then -1.
        guard let last = Int(bounds[1]) ?? (bounds[1] == "-1" ? -1 : nil) else { throw fail }
        return ContentRange(first: first, last: last, total: total)
    }

    /// QRadar's error body: `{"http_response": {...}, "code", "message", "description"}`.
    static func errorDetail(_ body: [UInt8]) -> String? {
        guard body.count <= 64 << 10, let json = try? JSONParser.parse(body, maxDepth: 8) else { return nil }
        let parts = [json["message"]?.stringValue, json["description"]?.stringValue].compactMap { $0 }.filter { !$0.isEmpty }
        return parts.isEmpty ? nil : VendorHTTP.printable(parts.joined(separator: ": "))
    }
}
