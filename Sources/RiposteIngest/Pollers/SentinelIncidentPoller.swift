// Pulls Microsoft Sentinel incidents changed since a cursor through the Azure Resource Manager REST
// API, with each incident's alerts and entities, and maps them with SentinelAlertParser.
//
// Written to Microsoft's documentation: "Incidents - List" (GET …/Microsoft.SecurityInsights/incidents
// with $filter, $orderby, $top and nextLink paging), "Incidents - List Alerts" (POST …/incidents/{id}/alerts),
// "Incidents - List Entities" (POST …/incidents/{id}/entities), and the Microsoft identity platform's
// OAuth 2.0 client credentials flow (POST https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token).
package import Foundation
import RiposteCore
package import RiposteRuntime
import Synchronization

/// Where and how to reach one Sentinel workspace.
package struct SentinelPollerConfiguration: Sendable {
    package var tenantID: String
    package var clientID: String
    package var clientSecret: Secret
    package var subscriptionID: String
    package var resourceGroup: String
    package var workspace: String
    /// The Microsoft Entra authority (another cloud: `https://login.microsoftonline.us`).
    package var loginURL = URL(string: "https://login.microsoftonline.com")!
    /// Azure Resource Manager (another cloud: `https://management.usgovcloudapi.net`); the token's
    /// scope is this URL + `/.default`.
    package var managementURL = URL(string: "https://management.azure.com")!
    package var apiVersion = "2024-03-01"
    /// Incidents per page (`$top`).
    package var pageSize = 50
    /// Pages per poll; the next poll goes on from the saved cursor.
    package var maxPagesPerPoll = 20
    /// Per call: the whole exchange must finish within this.
    package var timeout: Duration = .seconds(30)
    /// Per call: the largest response body accepted.
    package var maxResponseBytes = 16 << 20
    /// How far back the first poll reaches (nil: every incident).
    package var initialLookback: Duration? = .seconds(86_400)

    package init(
        tenantID: String, clientID: String, clientSecret: Secret, subscriptionID: String, resourceGroup: String, workspace: String
    ) {
        self.tenantID = tenantID
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.subscriptionID = subscriptionID
        self.resourceGroup = resourceGroup
        self.workspace = workspace
    }

    /// The OAuth 2.0 scope for Azure Resource Manager.
    var scope: String {
        var base = managementURL.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        return base + "/.default"
    }
}

/// Polls Sentinel incidents by `properties.lastModifiedTimeUtc`, oldest first.
///
/// **Cursor:** the `lastModifiedTimeUtc` (RFC 3339 UTC, normalised to 7 fractional digits so text
/// order is time order) up to which every incident has been stored. A poll asks
/// `$filter=properties/lastModifiedTimeUtc gt CURSOR&$orderby=properties/lastModifiedTimeUtc asc`
/// and follows `nextLink` (only to the configured management host: the bearer token goes with it).
/// Within a page the saved cursor stops short of the page's last time, so an incident sharing it
/// on the next page is not skipped after a restart.
///
/// **Per incident:** `POST …/alerts` and `POST …/entities`; the three answers form the parser's
/// poller bundle `{"incident", "alerts", "entities"}`, one alert per incident whose `source_ref` is
/// the incident name (its GUID). An incident re-polled because it changed is therefore a duplicate.
package struct SentinelIncidentPoller: AlertPoller {
    package var kind: String { "sentinel" }
    package let configuration: SentinelPollerConfiguration
    private let http: any HTTPClient
    private let clock: WallClock
    private let tokens: AzureTokenCache
    private let parser = SentinelAlertParser()

    package init(configuration: SentinelPollerConfiguration, http: any HTTPClient, clock: WallClock) {
        self.configuration = configuration
        self.http = http
        self.clock = clock
        self.tokens = AzureTokenCache()
    }

    static let vendor = "Sentinel"
    static let credentialHint =
        "RIPOSTE_SENTINEL_TENANT_ID, RIPOSTE_SENTINEL_CLIENT_ID, RIPOSTE_SENTINEL_CLIENT_SECRET and the app's role on the workspace"

    /// `/subscriptions/…/workspaces/{ws}/providers/Microsoft.SecurityInsights/incidents`.
    var incidentsPath: String {
        let c = configuration
        return "/subscriptions/\(VendorHTTP.encode(c.subscriptionID))/resourceGroups/\(VendorHTTP.encode(c.resourceGroup))"
            + "/providers/Microsoft.OperationalInsights/workspaces/\(VendorHTTP.encode(c.workspace))"
            + "/providers/Microsoft.SecurityInsights/incidents"
    }

    package func poll(after cursor: String?, deliver: (PollPage) async throws -> Void) async throws {
        var committed: String
        if let cursor {
            guard let normalised = Self.normalisedTime(cursor) else {
                throw RiposteError.invalid("the saved Sentinel cursor '\(cursor)' is not an RFC 3339 UTC time")
            }
            committed = normalised
        } else {
            let lookback =
                configuration.initialLookback.map { Double($0.components.seconds) } ?? clock.now().timeIntervalSince1970
            let start = Date(timeIntervalSince1970: max(0, clock.now().timeIntervalSince1970 - lookback))
            committed = Self.normalisedTime(RFC3339.format(start)) ?? "1970-01-01T00:00:00.0000000Z"
        }
        var next: URL? = try VendorHTTP.url(
            configuration.managementURL, path: incidentsPath,
            query: VendorHTTP.query([
                ("api-version", configuration.apiVersion), ("$filter", "properties/lastModifiedTimeUtc gt \(committed)"),
                ("$orderby", "properties/lastModifiedTimeUtc asc"), ("$top", String(max(1, configuration.pageSize))),
            ]))
        var pages = 0
        while let url = next, pages < max(1, configuration.maxPagesPerPoll) {
            pages += 1
            let what = "GET …/Microsoft.SecurityInsights/incidents (page \(pages))"
            let body = try await arm("GET", url, what: what)
            guard let items = body.field("value")?.arrayValue else {
                throw RiposteError.invalid("Sentinel answered \(what) without a 'value' array")
            }
            var drafts: [AlertDraft] = []
            var times: [String] = []
            for (index, incident) in items.enumerated() {
                guard let name = incident.field("name")?.stringValue, Self.isResourceName(name) else {
                    throw RiposteError.invalid("Sentinel answered \(what): incident [\(index)] has no usable 'name'")
                }
                guard let modified = incident.field("properties")?.field("lastModifiedTimeUtc")?.stringValue,
                    let time = Self.normalisedTime(modified)
                else {
                    throw RiposteError.invalid(
                        "Sentinel answered \(what): incident \(name) has no RFC 3339 UTC 'properties.lastModifiedTimeUtc'")
                }
                times.append(time)
                drafts.append(try await draft(incident, name: name))
            }
            next = try body.field("nextLink")?.stringValue.flatMap { $0.isEmpty ? nil : $0 }.map(nextLink)
            let last = times.max() ?? committed
            if next == nil || items.isEmpty {
                try await deliver(PollPage(drafts: drafts, cursor: max(committed, last)))
                return
            }
            if let below = times.filter({ $0 < last }).max() { committed = max(committed, below) }
            try await deliver(PollPage(drafts: drafts, cursor: committed))
        }
    }

    /// The incident with its alerts and entities, as the parser's poller bundle.
    func draft(_ incident: JSONValue, name: String) async throws -> AlertDraft {
        let base = incidentsPath + "/" + VendorHTTP.encode(name)
        let query = VendorHTTP.query([("api-version", configuration.apiVersion)])
        let alerts = try await arm(
            "POST", try VendorHTTP.url(configuration.managementURL, path: base + "/alerts", query: query),
            what: "POST …/incidents/\(name)/alerts")
        let entities = try await arm(
            "POST", try VendorHTTP.url(configuration.managementURL, path: base + "/entities", query: query),
            what: "POST …/incidents/\(name)/entities")
        let bundle = JSONValue.object([("incident", incident), ("alerts", alerts), ("entities", entities)])
        do {
            let drafts = try parser.parse(record: JSONText.bytes(bundle), value: bundle)
            guard let draft = drafts.first, drafts.count == 1 else {
                throw RiposteError(.internal, "the Sentinel parser made \(drafts.count) alerts of one incident")
            }
            return draft
        } catch let error as RiposteError {
            throw RiposteError(error.code, "Sentinel incident \(name): \(error.message)", underlying: error)
        }
    }

    /// A `nextLink`, accepted only on the configured management origin (the bearer token follows it).
    func nextLink(_ text: String) throws -> URL {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(),
            scheme == configuration.managementURL.scheme?.lowercased(),
            url.host?.lowercased() == configuration.managementURL.host?.lowercased(),
            url.port == configuration.managementURL.port
        else {
            throw RiposteError.invalid(
                "Sentinel answered a nextLink that is not on \(Redaction.url(configuration.managementURL)); not following it")
        }
        return url
    }

    /// One ARM call with a bearer token; a 401 drops the cached token and retries once with a new one.
    private func arm(_ method: String, _ url: URL, what: String) async throws -> JSONValue {
        var retried = false
        while true {
            let token = try await tokens.token(now: clock.now()) { try await fetchToken() }
            var headers: HeaderFields = ["Authorization": "Bearer \(token.value)", "Accept": "application/json"]
            if method == "POST" { headers.set("Content-Type", "application/json") }
            let request = OutboundRequest(
                method: method, url: url, headers: headers, body: [], timeout: configuration.timeout,
                maxResponseBytes: configuration.maxResponseBytes, maxRedirects: 0)
            let response = try await VendorHTTP.send(http, request, vendor: Self.vendor, what: what)
            if response.status == 401 && !retried {
                tokens.invalidate()
                retried = true
                continue
            }
            try VendorHTTP.check(
                response, vendor: Self.vendor, what: what, credentialHint: Self.credentialHint,
                secrets: [configuration.clientSecret, token], detail: Self.armErrorDetail, now: clock.now())
            return try VendorHTTP.json(response.body, vendor: Self.vendor, what: what)
        }
    }

    /// The client credentials grant. - Throws: `.unauthorized` naming the settings to check.
    private func fetchToken() async throws -> (Secret, Date) {
        let url = try VendorHTTP.url(
            configuration.loginURL, path: "/\(VendorHTTP.encode(configuration.tenantID))/oauth2/v2.0/token")
        let form = VendorHTTP.query([
            ("client_id", configuration.clientID), ("scope", configuration.scope),
            ("client_secret", configuration.clientSecret.value), ("grant_type", "client_credentials"),
        ])
        let request = OutboundRequest(
            method: "POST", url: url,
            headers: ["Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"],
            body: Array(form.utf8), timeout: configuration.timeout, maxResponseBytes: 1 << 20, maxRedirects: 0)
        let what = "the token request (client credentials)"
        let response = try await VendorHTTP.send(http, request, vendor: "Microsoft Entra ID", what: what)
        if response.status == 400 || response.status == 401 {
            // invalid_client, unauthorized_client, invalid_request…: the code is safe to show; the
            // description (AADSTS…) is scrubbed of the secret in case a server echoes it.
            var message = "Microsoft Entra ID refused \(what) with HTTP \(response.status)"
            if let detail = Self.tokenErrorDetail(response.body) {
                message += ": " + VendorHTTP.scrub(detail, secrets: [configuration.clientSecret])
            }
            throw RiposteError(.unauthorized, message + "; check \(Self.credentialHint)")
        }
        try VendorHTTP.check(
            response, vendor: "Microsoft Entra ID", what: what, credentialHint: Self.credentialHint,
            secrets: [configuration.clientSecret], detail: Self.tokenErrorDetail, now: clock.now())
        let json = try VendorHTTP.json(response.body, vendor: "Microsoft Entra ID", what: what)
        guard let token = json.field("access_token")?.stringValue, !token.isEmpty else {
            throw RiposteError.invalid("Microsoft Entra ID answered \(what) without an access_token")
        }
        let lifetime = json.field("expires_in")?.integerValue ?? json.field("expires_in")?.stringValue.flatMap { Int($0) } ?? 0
        guard lifetime > 0 else {
            throw RiposteError.invalid("Microsoft Entra ID answered \(what) without a positive expires_in")
        }
        return (Secret(token), clock.now().addingTimeInterval(Double(lifetime)))
    }

    /// ARM's error body `{"error": {"code", "message"}}` as `code: message`.
    static func armErrorDetail(_ body: [UInt8]) -> String? {
        guard body.count <= 64 << 10, let json = try? JSONParser.parse(body, maxDepth: 8), let error = json["error"] else {
            return nil
        }
        let parts = [error["code"]?.stringValue, error["message"]?.stringValue].compactMap { $0 }.filter { !$0.isEmpty }
        return parts.isEmpty ? nil : VendorHTTP.printable(parts.joined(separator: ": "))
    }

    /// The token endpoint's error body `{"error", "error_description"}` as `error: description`.
    static func tokenErrorDetail(_ body: [UInt8]) -> String? {
        guard body.count <= 64 << 10, let json = try? JSONParser.parse(body, maxDepth: 8) else { return nil }
        let parts = [json["error"]?.stringValue, json["error_description"]?.stringValue].compactMap { $0 }.filter { !$0.isEmpty }
        return parts.isEmpty ? nil : VendorHTTP.printable(parts.joined(separator: ": "))
    }

    /// An ARM resource name that is safe as one path segment (incident names are GUIDs).
    static func isResourceName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 256
            && name.utf8.allSatisfy { byte in
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte | 0x20)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                    || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
            }
    }

    /// `YYYY-MM-DDTHH:MM:SS[.f…]Z` as `YYYY-MM-DDTHH:MM:SS.fffffffZ` (7 digits, as Sentinel writes),
    /// so that text order is time order; nil for anything else (offsets other than `Z` included).
    package static func normalisedTime(_ text: String) -> String? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 20, bytes.last == UInt8(ascii: "Z") || bytes.last == UInt8(ascii: "z") else { return nil }
        let head = String(decoding: bytes[0..<19], as: UTF8.self)
        guard EventTime.parse(head + "Z") != nil else { return nil }
        var fraction = ""
        let middle = bytes[19..<(bytes.count - 1)]
        if !middle.isEmpty {
            guard middle.first == UInt8(ascii: "."), middle.count >= 2,
                middle.dropFirst().allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) })
            else { return nil }
            fraction = String(decoding: middle.dropFirst().prefix(7), as: UTF8.self)
        }
        return head.replacingOccurrences(of: "t", with: "T") + "." + fraction.padding(toLength: 7, withPad: "0", startingAt: 0)
            + "Z"
    }
}

/// The bearer token, reused until a minute before it expires.
final class AzureTokenCache: Sendable {
    private let slot = Mutex<(token: Secret, expires: Date)?>(nil)

    /// The cached token, or a new one from `fetch` when there is none or it expires within 60 s.
    func token(now: Date, fetch: () async throws -> (Secret, Date)) async throws -> Secret {
        if let cached = slot.withLock({ $0 }), cached.expires.timeIntervalSince(now) > 60 { return cached.token }
        let (token, expires) = try await fetch()
        slot.withLock { $0 = (token, expires) }
        return token
    }

    func invalidate() { slot.withLock { $0 = nil } }
}
