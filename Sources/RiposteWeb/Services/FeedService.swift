// Intel feeds: validate definitions, poll them (conditional GET, incremental TAXII and MISP feeds), keep
// their state, and run due polls on a schedule with jitter.
import Foundation
package import RiposteCore
import RiposteIntel
package import RiposteRuntime
import Synchronization

/// Owns feed definitions and their polling.
package final class FeedService: Sendable {
    private let store: any FeedStore
    private let intel: IntelService
    private let http: any HTTPClient
    private let clock: WallClock
    private let logger: Logger
    private let metrics: Metrics
    private let environment: [String: String]
    /// Feeds being polled now, so a "poll now" and the schedule never poll one feed twice at once.
    private let polling = Mutex<Set<String>>([])
    /// Largest document fetched from a feed.
    private static let maxDocumentBytes = 256 << 20

    package init(
        store: any FeedStore, intel: IntelService, http: any HTTPClient, clock: WallClock, logger: Logger, metrics: Metrics,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) {
        self.store = store
        self.intel = intel
        self.http = http
        self.clock = clock
        self.logger = logger
        self.metrics = metrics
        self.environment = environment
        metrics.describeCounter("riposte_feed_polls_total", help: "Feed polls, by feed and outcome (ok, not_modified, error).")
    }

    // MARK: Definitions

    /// Checks a definition before it is stored.
    /// - Throws: `.invalid` naming the field and the rule.
    package static func validate(_ feed: FeedDefinition) throws {
        try FeedName.validate(feed.name)
        guard let url = URL(string: feed.url), url.scheme == "http" || url.scheme == "https", url.host != nil else {
            throw RiposteError.invalid("field 'url' must be an http or https URL")
        }
        guard (60...604_800).contains(feed.intervalSeconds) else {
            throw RiposteError.invalid("field 'interval_seconds' must be 60–604800")
        }
        if feed.kind == .taxii, (feed.collection ?? "").isEmpty {
            throw RiposteError.invalid("a taxii feed needs 'collection' (the collection id under the API root in 'url')")
        }
        if feed.kind == .mispSearch {
            switch feed.authentication {
            case .header, .bearer: break
            default: throw RiposteError.invalid("a misp-search feed needs 'auth' with its API key (scheme header or bearer)")
            }
        }
        if feed.kind == .csv, (feed.csvColumn ?? "").isEmpty {
            throw RiposteError.invalid(
                "a csv feed needs 'csv_column' (a header name, a 0-based index, or a preset: \(CSVMapping.presets.map(\.name).joined(separator: ", ")))"
            )
        }
        switch feed.authentication {
        case .none: break
        case .basic(_, let reference), .bearer(let reference), .header(_, let reference):
            // Only RIPOSTE_FEED_* variables, so a feed cannot be pointed at another secret of the server.
            guard (reference.hasPrefix("env:RIPOSTE_FEED_") && reference.count > 17) || reference.hasPrefix("file:/") else {
                throw RiposteError.invalid(
                    "'secret' must name where to read it: env:RIPOSTE_FEED_… or file:/path (never the secret itself)")
            }
        }
    }

    package func create(_ feed: FeedDefinition) async throws {
        try Self.validate(feed)
        try await store.createFeed(feed)
        try await refreshReliabilities()
    }

    package func update(_ feed: FeedDefinition) async throws {
        try Self.validate(feed)
        try await store.updateFeed(feed)
        try await refreshReliabilities()
    }

    package func delete(_ name: String) async throws {
        try await store.deleteFeed(named: name)
        try await refreshReliabilities()
    }

    /// Tells the intel service each defined feed's reliability, which weighs its hits in verdicts.
    package func refreshReliabilities() async throws {
        let records = try await store.feeds()
        intel.setFeedReliabilities(
            Dictionary(uniqueKeysWithValues: records.map { ($0.definition.name, $0.definition.reliability) }))
    }
    package func feeds() async throws -> [FeedRecord] { try await store.feeds() }

    package func feed(_ name: String) async throws -> FeedRecord {
        guard let record = try await store.feed(named: name) else { throw RiposteError.notFound("no feed '\(name)'") }
        return record
    }

    // MARK: Polling

    /// Polls `name` now and records the outcome; returns the new state. A poll already running for
    /// the feed is not doubled: `.conflict`.
    @discardableResult
    package func poll(_ name: String) async throws -> FeedState {
        let record = try await feed(name)
        guard polling.withLock({ $0.insert(name).inserted }) else {
            throw RiposteError(.conflict, "feed '\(name)' is being polled now")
        }
        defer { _ = polling.withLock { $0.remove(name) } }
        let now = clock.now()
        var state = record.state
        state.lastAttemptAt = now
        let interval = Double(record.definition.intervalSeconds)
        do {
            let outcome = try await fetch(record.definition, state: &state)
            state.lastSuccessAt = clock.now()
            state.lastError = nil
            state.lastAdded = outcome.added
            state.lastUpdated = outcome.updated
            state.nextPollAt = now.addingTimeInterval(interval * Double.random(in: 0.9...1.1))
            metrics.increment(
                "riposte_feed_polls_total", labels: [("feed", name), ("outcome", outcome.notModified ? "not_modified" : "ok")])
        } catch {
            state.lastError = (error as? RiposteError)?.message ?? "poll failed"
            // Retry sooner than the interval, but not in a tight loop.
            state.nextPollAt = now.addingTimeInterval(min(interval, 300) * Double.random(in: 0.9...1.1))
            metrics.increment("riposte_feed_polls_total", labels: [("feed", name), ("outcome", "error")])
            logger.warning("feed poll failed", ["feed": name, "error": String(reflecting: error)])
        }
        try await store.recordFeedState(named: name, state)
        return state
    }

    /// Polls every enabled feed that is due; returns how many were polled.
    package func pollDue() async -> Int {
        let now = clock.now()
        guard let records = try? await store.feeds() else { return 0 }
        var polled = 0
        for record in records where record.definition.enabled && (record.state.nextPollAt ?? .distantPast) <= now {
            if Task.isCancelled { break }
            _ = try? await poll(record.definition.name)
            polled += 1
        }
        return polled
    }

    /// Runs due polls every `tick` until cancelled (first loading the feeds' reliabilities).
    package func schedule(tick: Duration = .seconds(1)) async {
        do {
            try await refreshReliabilities()
        } catch {
            logger.error("feed reliabilities could not be read", ["error": String(reflecting: error)])
        }
        while !Task.isCancelled {
            _ = await pollDue()
            do { try await Task.sleep(for: tick) } catch { return }
        }
    }

    private struct FetchOutcome {
        var added = 0
        var updated = 0
        var notModified = false

        mutating func add(_ outcome: IntelService.ImportOutcome) {
            added += outcome.summary.added
            updated += outcome.summary.updated
        }
    }

    private func fetch(_ feed: FeedDefinition, state: inout FeedState) async throws -> FetchOutcome {
        let headers = try authenticationHeaders(feed)
        let base = URL(string: feed.url)!
        var outcome = FetchOutcome()
        switch feed.kind {
        case .plaintext, .csv, .stix, .misp:
            guard let body = try await conditionalGet(base, headers: headers, state: &state) else {
                outcome.notModified = true
                return outcome
            }
            let format: IntelService.ListFormat =
                switch feed.kind {
                case .plaintext: .plaintext
                case .csv: .csv
                case .stix: .stix
                default: .misp
                }
            outcome.add(
                try await intel.importList(body, format: format, feed: feed.name, csvMapping: try Self.csvMapping(feed)))
        case .mispFeed:
            let manifestURL = base.appending(path: "manifest.json")
            guard let body = try await conditionalGet(manifestURL, headers: headers, state: &state) else {
                outcome.notModified = true
                return outcome
            }
            let manifest = try MISPFeedManifest.parse(body)
            var seen = try Self.decodeSeen(state.cursor)
            // Oldest change first, and the cursor saved after each event, so a failure resumes where it stopped.
            for entry in manifest.eventsToFetch(lastSeen: seen) {
                let event = try await get(base.appending(path: entry.uuid + ".json"), headers: headers)
                outcome.add(try await intel.importList(event.body, format: .misp, feed: feed.name, rebuildIndex: false))
                seen[entry.uuid] = entry.timestamp
                state.cursor = Self.encodeSeen(seen)
            }
            if outcome.added + outcome.updated > 0 { try await intel.reload() }
        case .mispSearch:
            let key: Secret =
                switch feed.authentication {
                case .header(_, let reference), .bearer(let reference): try secret(reference)
                default: throw RiposteError.invalid("feed \(feed.name): a misp-search feed needs its API key in 'auth'")
                }
            let client = MISPSearchClient(http: http, baseURL: base, apiKey: key)
            let result = try await client.pull(
                since: state.cursor.flatMap { Int64($0) },
                options: try IndicatorImportOptions(feed: feed.name, firstSeen: clock.now())
            ) { page in
                outcome.add(try await intel.importMISP(page, feed: feed.name, rebuildIndex: false))
            }
            state.cursor = result.nextSince.map(String.init) ?? state.cursor
            if outcome.added + outcome.updated > 0 { try await intel.reload() }
        case .taxii:
            let credentials: TAXIICredentials =
                switch feed.authentication {
                case .basic(let user, let reference): .basic(username: user, password: try secret(reference))
                case .bearer(let reference): .bearer(try secret(reference))
                default: .none
                }
            let client = TAXIIClient(http: http, credentials: credentials)
            let result = try await client.pull(
                apiRoot: base, collectionID: feed.collection ?? "", query: TAXIIObjectsQuery(addedAfter: state.cursor)
            ) { page in
                outcome.add(try await intel.importSTIXObjects(page.objects, feed: feed.name, rebuildIndex: false))
            }
            state.cursor = result.nextAddedAfter ?? state.cursor
            if outcome.added + outcome.updated > 0 { try await intel.reload() }
        }
        return outcome
    }

    /// GETs `url` with the stored validators; nil on 304 Not Modified. Stores the new validators.
    private func conditionalGet(_ url: URL, headers: HeaderFields, state: inout FeedState) async throws -> [UInt8]? {
        var headers = headers
        if let etag = state.etag { headers.set("If-None-Match", etag) }
        if let lastModified = state.lastModified { headers.set("If-Modified-Since", lastModified) }
        let response = try await get(url, headers: headers, acceptNotModified: true)
        guard response.status != 304 else { return nil }
        state.etag = response.headers["ETag"]
        state.lastModified = response.headers["Last-Modified"]
        return response.body
    }

    private func get(_ url: URL, headers: HeaderFields, acceptNotModified: Bool = false) async throws -> OutboundResponse {
        let response = try await http.send(
            OutboundRequest(url: url, headers: headers, timeout: .seconds(120), maxResponseBytes: Self.maxDocumentBytes))
        guard (200..<300).contains(response.status) || (acceptNotModified && response.status == 304) else {
            throw RiposteError(.unavailable, "GET \(Redaction.url(url)) answered \(response.status)")
        }
        return response
    }

    private func authenticationHeaders(_ feed: FeedDefinition) throws -> HeaderFields {
        var headers = HeaderFields()
        switch feed.authentication {
        case .none,
            .basic where feed.kind == .taxii, .bearer where feed.kind == .taxii || feed.kind == .mispSearch,
            .header where feed.kind == .mispSearch:
            break
        case .basic(let user, let reference):
            let token = Data("\(user):\(try secret(reference).value)".utf8).base64EncodedString()
            headers.set("Authorization", "Basic " + token)
        case .bearer(let reference): headers.set("Authorization", "Bearer " + (try secret(reference).value))
        case .header(let name, let reference): headers.set(name, try secret(reference).value)
        }
        return headers
    }

    /// Reads a feed's secret from where `reference` says. - Throws: `.invalid` naming the reference, never the value.
    private func secret(_ reference: String) throws -> Secret {
        try Secret(reading: reference, for: "feed secret", environment: Environment(environment), allowsLiteral: false)
    }

    private static func csvMapping(_ feed: FeedDefinition) throws -> CSVMapping? {
        guard feed.kind == .csv, let column = feed.csvColumn else { return nil }
        return CSVMapping.presetOrColumn(column)
    }

    /// The MISP feed cursor: event uuid → timestamp last imported, as a JSON object.
    private static func decodeSeen(_ cursor: String?) throws -> [String: Int64] {
        guard let cursor, !cursor.isEmpty else { return [:] }
        guard case .object(let members) = try JSONParser.parse(Array(cursor.utf8)) else { return [:] }
        var seen: [String: Int64] = [:]
        for (uuid, value) in members { if let number = value.numberValue { seen[uuid] = Int64(number) } }
        return seen
    }

    private static func encodeSeen(_ seen: [String: Int64]) -> String {
        "{" + seen.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\($0.value)" }.joined(separator: ",") + "}"
    }
}
