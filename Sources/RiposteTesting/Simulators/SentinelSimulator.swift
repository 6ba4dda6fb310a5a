// A local Microsoft Sentinel (Azure Resource Manager) and Microsoft Entra token endpoint for poller
// tests, written from Microsoft's REST reference: Incidents - List ($filter on
// properties/lastModifiedTimeUtc, $orderby, $top, nextLink with $skipToken), Incidents - List Alerts
// and List Entities (POST), and the OAuth 2.0 client credentials grant.
package import Foundation
package import RiposteHTTP
import Synchronization

/// Serves incidents (by default the corpus examples) with their alerts and entities.
///
/// The token endpoint checks `grant_type=client_credentials`, the client id, secret and the scope
/// `{managementURL}/.default`, and issues a fresh token (`expires_in` as configured). ARM routes
/// need a current token (`Authorization: Bearer`), else 401 `InvalidAuthenticationToken`, and the
/// `api-version` query parameter, else 400 `MissingApiVersionParameter`, as ARM answers.
package final class SentinelSimulator: Responder {
    package let tenantID: String
    package let clientID: String
    package let clientSecret: String
    package let faults = SimulatorFaultQueue()
    private let state: Mutex<State>

    private struct Incident: Sendable {
        var name: String
        var modified: String
        var json: Data
    }

    private struct State: Sendable {
        var baseURL = ""
        var incidents: [Incident] = []
        var alerts: Data
        var entities: Data
        var tokens: Set<String> = []
        var issued = 0
        var expiresIn = 3599
        var requests: [HTTPRequest] = []
    }

    package init(tenantID: String, clientID: String, clientSecret: String) throws {
        self.tenantID = tenantID
        self.clientID = clientID
        self.clientSecret = clientSecret
        // Incidents - List Alerts answers `{"value": [...]}`; Incidents - List Entities answers
        // `{"entities": [...], "metaData": [...]}`: the corpus holds the entities list, re-wrapped so.
        let alerts = try Self.exampleBody("siem_alerts/sentinel/azure-rest-api-specs_GetAllIncidentAlerts.json")
        let entityList = try Self.exampleBody("siem_alerts/sentinel/azure-rest-api-specs_GetEntities.json")
        let entities: [String: Any] = ["entities": entityList["value"] ?? [Any](), "metaData": [Any]()]
        state = Mutex(
            State(
                alerts: try JSONSerialization.data(withJSONObject: alerts, options: [.sortedKeys]),
                entities: try JSONSerialization.data(withJSONObject: entities, options: [.sortedKeys])))
    }

    /// The `responses.200.body` of an azure-rest-api-specs example in the corpus.
    package static func exampleBody(_ path: String) throws -> [String: Any] {
        let example = try JSONSerialization.jsonObject(with: Corpus.contents(path)) as? [String: Any]
        guard let responses = example?["responses"] as? [String: Any], let ok = responses["200"] as? [String: Any],
            let body = ok["body"] as? [String: Any]
        else { throw SimulatorError("\(path) is not an azure-rest-api-specs example with a 200 body") }
        return body
    }

    /// The corpus incident (GetIncidentById), renamed and re-timed: `name` must be a GUID-like id.
    package static func corpusIncident(name: String, lastModified: String) throws -> [String: Any] {
        var incident = try exampleBody("siem_alerts/sentinel/azure-rest-api-specs_GetIncidentById.json")
        let id = (incident["id"] as? String ?? "").split(separator: "/").dropLast().joined(separator: "/")
        incident["id"] = "/" + id + "/" + name
        incident["name"] = name
        var properties = incident["properties"] as? [String: Any] ?? [:]
        properties["lastModifiedTimeUtc"] = lastModified
        incident["properties"] = properties
        return incident
    }

    /// Set once the server runs: nextLinks are absolute URLs on it.
    package func setBaseURL(_ url: URL) { state.withLock { $0.baseURL = url.absoluteString } }

    /// Adds or replaces (by name) incidents.
    package func upsert(_ incidents: [[String: Any]]) throws {
        let prepared = try incidents.map { object -> Incident in
            let properties = object["properties"] as? [String: Any]
            return Incident(
                name: object["name"] as? String ?? "", modified: properties?["lastModifiedTimeUtc"] as? String ?? "",
                json: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
        }
        state.withLock { state in
            for incident in prepared {
                state.incidents.removeAll { $0.name == incident.name }
                state.incidents.append(incident)
            }
        }
    }

    /// Tokens issued from now on expire after `seconds`.
    package func setTokenLifetime(_ seconds: Int) { state.withLock { $0.expiresIn = seconds } }
    /// Revokes every issued token (the next ARM call answers 401).
    package func revokeTokens() { state.withLock { $0.tokens = [] } }
    /// How many tokens the token endpoint has issued.
    package var tokensIssued: Int { state.withLock { $0.issued } }
    /// Every request received, in order.
    package var requests: [HTTPRequest] { state.withLock { $0.requests } }

    package func respond(to request: HTTPRequest, context: RequestContext) async throws -> HTTPResponse {
        state.withLock { $0.requests.append(request) }
        if let fault = await faults.apply(to: request) { return fault }
        if request.method == .post && request.path == "/\(tenantID)/oauth2/v2.0/token" { return token(request) }
        guard let authorization = request.headers["Authorization"], authorization.hasPrefix("Bearer "),
            state.withLock({ $0.tokens.contains(String(authorization.dropFirst(7))) })
        else {
            return Self.armError(401, "InvalidAuthenticationToken", "The access token is invalid.")
        }
        guard request.queryValue("api-version")?.isEmpty == false else {
            return Self.armError(
                400, "MissingApiVersionParameter", "The api-version query parameter (?api-version=) is required for all requests."
            )
        }
        let prefix = "/providers/Microsoft.SecurityInsights/incidents"
        guard let range = request.path.range(of: prefix) else {
            return Self.armError(404, "ResourceNotFound", "No such resource.")
        }
        let rest = request.path[range.upperBound...]
        if rest.isEmpty && request.method == .get { return list(request) }
        let parts = rest.split(separator: "/")
        guard parts.count == 2, request.method == .post, state.withLock({ $0.incidents.contains { $0.name == parts[0] } })
        else {
            return Self.armError(404, "NotFound", "Incident not found.")
        }
        let body = state.withLock { parts[1] == "alerts" ? $0.alerts : parts[1] == "entities" ? $0.entities : nil }
        guard let body else { return Self.armError(404, "NotFound", "No such operation.") }
        return HTTPResponse(status: .ok, headers: ["Content-Type": "application/json"], body: body)
    }

    private func token(_ request: HTTPRequest) -> HTTPResponse {
        var form: [String: String] = [:]
        for item in HTTPRequest(method: .get, path: "/", query: String(decoding: request.body, as: UTF8.self)).queryItems {
            form[item.name] = item.value
        }
        let scope = state.withLock { $0.baseURL } + "/.default"
        guard form["grant_type"] == "client_credentials", form["scope"] == scope else {
            return Self.tokenError(
                400, "invalid_request", "AADSTS900144: The request body must contain a valid 'grant_type' and 'scope'.")
        }
        guard form["client_id"] == clientID, form["client_secret"] == clientSecret else {
            return Self.tokenError(
                401, "invalid_client",
                "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '\(clientID)'."
            )
        }
        let (token, expiresIn) = state.withLock { state -> (String, Int) in
            state.issued += 1
            let token = "simulated-access-token-\(state.issued)-\(UUID().uuidString)"
            state.tokens.insert(token)
            return (token, state.expiresIn)
        }
        let body: [String: Any] = [
            "token_type": "Bearer", "expires_in": expiresIn, "ext_expires_in": expiresIn, "access_token": token,
        ]
        return HTTPResponse(
            status: .ok, headers: ["Content-Type": "application/json"],
            body: (try? JSONSerialization.data(withJSONObject: body)) ?? Data())
    }

    private func list(_ request: HTTPRequest) -> HTTPResponse {
        var incidents = state.withLock { $0.incidents }
        if let filter = request.queryValue("$filter") {
            let prefix = "properties/lastModifiedTimeUtc gt "
            guard filter.hasPrefix(prefix), let bound = Self.date(String(filter.dropFirst(prefix.count))) else {
                return Self.armError(400, "BadRequest", "Invalid $filter.")
            }
            incidents = incidents.filter { (Self.date($0.modified) ?? .distantPast) > bound }
        }
        if let order = request.queryValue("$orderby") {
            guard order == "properties/lastModifiedTimeUtc asc" else {
                return Self.armError(400, "BadRequest", "Invalid $orderby.")
            }
            incidents.sort {
                (Self.date($0.modified) ?? .distantPast, $0.name) < (Self.date($1.modified) ?? .distantPast, $1.name)
            }
        }
        let top = request.queryValue("$top").flatMap(Int.init) ?? 50
        let skip = request.queryValue("$skipToken").flatMap(Int.init) ?? 0
        let page = Array(incidents.dropFirst(skip).prefix(top))
        var body = Data(#"{"value":["#.utf8)
        for (index, incident) in page.enumerated() {
            if index > 0 { body.append(UInt8(ascii: ",")) }
            body.append(incident.json)
        }
        body.append(UInt8(ascii: "]"))
        if skip + page.count < incidents.count {
            // The nextLink repeats the query with a $skipToken, as ARM's does.
            var items = request.queryItems.filter { $0.name != "$skipToken" }
            items.append(HTTPRequest.QueryItem(name: "$skipToken", value: String(skip + page.count)))
            let query = items.map { Self.encode($0.name) + "=" + Self.encode($0.value) }.joined(separator: "&")
            let link = state.withLock { $0.baseURL } + request.path + "?" + query
            body.append(Data(#","nextLink":"#.utf8))
            body.append(
                (try? JSONSerialization.data(withJSONObject: link, options: [.fragmentsAllowed, .withoutEscapingSlashes]))
                    ?? Data())
        }
        body.append(UInt8(ascii: "}"))
        return HTTPResponse(status: .ok, headers: ["Content-Type": "application/json"], body: body)
    }

    static func encode(_ text: String) -> String {
        text.addingPercentEncoding(
            withAllowedCharacters: CharacterSet(
                charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")) ?? text
    }

    /// RFC 3339 with any number of fractional digits (7 in Sentinel's answers).
    static func date(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        var trimmed = text
        if let dot = text.firstIndex(of: "."), let zone = text.lastIndex(where: { $0 == "Z" || $0 == "+" }), dot < zone {
            let fraction = text[text.index(after: dot)..<zone].prefix(3)
            trimmed =
                String(text[..<dot]) + "." + fraction.padding(toLength: 3, withPad: "0", startingAt: 0) + String(text[zone...])
        } else if let zone = text.lastIndex(of: "Z") {
            trimmed = String(text[..<zone]) + ".000Z"
        }
        return formatter.date(from: trimmed)
    }

    static func armError(_ status: Int, _ code: String, _ message: String) -> HTTPResponse {
        let body: [String: Any] = ["error": ["code": code, "message": message]]
        return HTTPResponse(
            status: HTTPStatus(code: status), headers: ["Content-Type": "application/json"],
            body: (try? JSONSerialization.data(withJSONObject: body)) ?? Data())
    }

    static func tokenError(_ status: Int, _ error: String, _ description: String) -> HTTPResponse {
        let body: [String: Any] = [
            "error": error, "error_description": description,
            "error_codes": [Int(description.dropFirst(5).prefix(while: \.isNumber)) ?? 0],
        ]
        return HTTPResponse(
            status: HTTPStatus(code: status), headers: ["Content-Type": "application/json"],
            body: (try? JSONSerialization.data(withJSONObject: body)) ?? Data())
    }
}
