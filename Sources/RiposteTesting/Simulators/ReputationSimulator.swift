// A local stand-in for the enrichment vendors, written from their public API documentation: VirusTotal
// v3, AbuseIPDB v2, AlienVault OTX, GreyNoise Community and RDAP (RFC 9082/9083). One responder serves
// all of them on one loopback port; each vendor checks its own key header and answers the documented
// shapes and statuses (200, 401, 404, 429 with Retry-After through `faults`).
import Foundation
package import RiposteHTTP
import Synchronization

/// Serves the enrichment vendors' lookup endpoints from in-memory documents.
///
/// - VirusTotal: `GET /api/v3/{ip_addresses|domains|files|urls}/{id}`, key in `x-apikey`; unknown → 404
///   `NotFoundError`; bad key → 401 `WrongCredentialsError`.
/// - AbuseIPDB: `GET /api/v2/check?ipAddress=&maxAgeInDays=`, key in `Key`, `Accept: application/json`
///   required; any valid address answers (score 0 when never reported); no address → 422.
/// - OTX: `GET /api/v1/indicators/{IPv4|IPv6|domain|hostname|file|url}/{value}/general`, key in
///   `X-OTX-API-KEY`; unknown values answer with `pulse_info.count` 0.
/// - GreyNoise: `GET /v3/community/{ip}`, key in `key`; unseen → 404 with the documented body.
/// - RDAP: `GET /domain/{name}`, `GET /ip/{address}`, no key; unknown → 404.
package final class ReputationSimulator: Responder {
    package let key: String
    package let faults = SimulatorFaultQueue()
    private let state: Mutex<State>

    private struct State: Sendable {
        var virusTotal: [String: String] = [:]
        var abuseIPDB: [String: String] = [:]
        var otx: [String: String] = [:]
        var greyNoise: [String: String] = [:]
        var rdap: [String: String] = [:]
        var requests: [HTTPRequest] = []
    }

    /// Starts with the documented sample objects (`Samples`) loaded.
    package init(key: String) {
        self.key = key
        var state = State()
        state.virusTotal["ip_addresses/203.0.113.66"] = Samples.virusTotalIP
        state.virusTotal["domains/evil.example"] = Samples.virusTotalDomain
        state.abuseIPDB["118.25.6.39"] = Samples.abuseIPDBCheck
        state.otx["IPv4/203.0.113.66"] = Samples.otxIPv4General
        state.greyNoise["1.2.3.4"] = Samples.greyNoiseRIOT
        state.greyNoise["203.0.113.66"] = Samples.greyNoiseMalicious
        state.rdap["domain/example.com"] = Samples.rdapDomain
        state.rdap["ip/203.0.113.66"] = Samples.rdapIP
        self.state = Mutex(state)
    }

    /// Every request received, in order.
    package var requests: [HTTPRequest] { state.withLock { $0.requests } }

    /// Sets the VirusTotal object at `collection/id` (`ip_addresses/1.2.3.4`).
    package func setVirusTotal(_ path: String, _ json: String) { state.withLock { $0.virusTotal[path] = json } }
    /// Sets the GreyNoise answer for an address.
    package func setGreyNoise(_ ip: String, _ json: String) { state.withLock { $0.greyNoise[ip] = json } }

    package func respond(to request: HTTPRequest, context: RequestContext) async throws -> HTTPResponse {
        state.withLock { $0.requests.append(request) }
        if let fault = await faults.apply(to: request) { return fault }
        guard request.method == .get else { return Self.json(405, #"{"message":"Method Not Allowed"}"#) }
        let path = PercentEncoding.decode(Substring(request.path)) ?? request.path
        if path.hasPrefix("/api/v3/") { return virusTotal(request, path: String(path.dropFirst(8))) }
        if path == "/api/v2/check" { return abuseIPDB(request) }
        if path.hasPrefix("/api/v1/indicators/") { return otx(request, path: String(path.dropFirst(19))) }
        if path.hasPrefix("/v3/community/") { return greyNoise(request, ip: String(path.dropFirst(14))) }
        if path.hasPrefix("/domain/") || path.hasPrefix("/ip/") {
            guard let body = state.withLock({ $0.rdap[String(path.dropFirst())] }) else {
                return Self.json(
                    404, #"{"errorCode":404,"title":"Not Found","description":["The server did not find the object."]}"#,
                    type: "application/rdap+json")
            }
            return Self.json(200, body, type: "application/rdap+json")
        }
        return Self.json(404, #"{"message":"no such endpoint"}"#)
    }

    private func virusTotal(_ request: HTTPRequest, path: String) -> HTTPResponse {
        guard request.headers["x-apikey"] == key else {
            return Self.json(
                401, #"{"error":{"code":"WrongCredentialsError","message":"Wrong API key"}}"#)
        }
        let parts = path.split(separator: "/", maxSplits: 1)
        guard parts.count == 2, ["ip_addresses", "domains", "files", "urls"].contains(String(parts[0])) else {
            return Self.json(400, #"{"error":{"code":"BadRequestError","message":"Unknown resource"}}"#)
        }
        if parts[0] == "urls", parts[1].contains("=") || parts[1].contains("+") || parts[1].contains("/") {
            return Self.json(400, #"{"error":{"code":"InvalidArgumentError","message":"Invalid URL identifier"}}"#)
        }
        guard let body = state.withLock({ $0.virusTotal[path] }) else {
            return Self.json(
                404, #"{"error":{"code":"NotFoundError","message":"Resource \#(parts[1]) not found"}}"#)
        }
        return Self.json(200, body)
    }

    private func abuseIPDB(_ request: HTTPRequest) -> HTTPResponse {
        guard request.headers["Key"] == key else {
            return Self.json(
                401,
                #"{"errors":[{"detail":"Authentication failed. Your API key is either missing, incorrect, or revoked. Note: The APIv2 key differs from the APIv1 key.","status":401}]}"#
            )
        }
        guard request.headers["Accept"]?.contains("application/json") == true else {
            return Self.json(406, #"{"errors":[{"detail":"Request JSON with Accept: application/json.","status":406}]}"#)
        }
        guard let ip = request.queryValue("ipAddress"), !ip.isEmpty else {
            return Self.json(
                422,
                #"{"errors":[{"detail":"The ip address field is required.","status":422,"source":{"parameter":"ipAddress"}}]}"#)
        }
        if let body = state.withLock({ $0.abuseIPDB[ip] }) { return Self.json(200, body) }
        return Self.json(
            200,
            #"{"data":{"ipAddress":"\#(ip)","isPublic":true,"ipVersion":\#(ip.contains(":") ? 6 : 4),"isWhitelisted":false,"abuseConfidenceScore":0,"countryCode":null,"usageType":null,"isp":"","domain":null,"hostnames":[],"isTor":false,"totalReports":0,"numDistinctUsers":0,"lastReportedAt":null}}"#
        )
    }

    private func otx(_ request: HTTPRequest, path: String) -> HTTPResponse {
        guard request.headers["X-OTX-API-KEY"] == key else {
            return Self.json(403, #"{"detail":"Authentication credentials were not provided."}"#)
        }
        // {section}/{value}/general; a URL value may itself contain slashes.
        guard let slash = path.firstIndex(of: "/"), path.hasSuffix("/general") else {
            return Self.json(404, #"{"detail":"Not found."}"#)
        }
        let section = String(path[..<slash])
        let value = String(path[path.index(after: slash)..<path.index(path.endIndex, offsetBy: -8)])
        guard ["IPv4", "IPv6", "domain", "hostname", "file", "url"].contains(section) else {
            return Self.json(404, #"{"detail":"Not found."}"#)
        }
        if let body = state.withLock({ $0.otx["\(section)/\(value)"] }) { return Self.json(200, body) }
        return Self.json(
            200,
            #"{"indicator":"\#(value)","type":"\#(section)","type_title":"\#(section)","validation":[],"base_indicator":{},"pulse_info":{"count":0,"pulses":[],"references":[],"related":{}},"false_positive":[]}"#
        )
    }

    private func greyNoise(_ request: HTTPRequest, ip: String) -> HTTPResponse {
        guard request.headers["key"] == key else {
            return Self.json(401, #"{"message":"Unauthorized. Please check your API key."}"#)
        }
        guard let body = state.withLock({ $0.greyNoise[ip] }) else {
            return Self.json(
                404,
                #"{"ip":"\#(ip)","noise":false,"riot":false,"message":"IP not observed scanning the internet or contained in RIOT data set."}"#
            )
        }
        return Self.json(200, body)
    }

    private static func json(_ status: Int, _ body: String, type: String = "application/json") -> HTTPResponse {
        HTTPResponse(status: HTTPStatus(code: status), headers: HTTPHeaders([("Content-Type", type)]), body: Data(body.utf8))
    }

    /// Sample documents in the shapes the vendors document (values invented on documentation ranges).
    package enum Samples {
        /// VirusTotal v3 IP address object (`data.attributes` with `last_analysis_stats`).
        package static let virusTotalIP = #"""
            {"data":{"id":"203.0.113.66","type":"ip_address","links":{"self":"https://www.virustotal.com/api/v3/ip_addresses/203.0.113.66"},
            "attributes":{"as_owner":"EXAMPLE-NET","asn":64500,"continent":"EU","country":"NL","network":"203.0.113.0/24",
            "regional_internet_registry":"RIPE NCC","reputation":-11,"last_analysis_date":1733300000,
            "last_analysis_stats":{"harmless":55,"malicious":9,"suspicious":2,"undetected":28,"timeout":0},
            "last_analysis_results":{"Example AV":{"category":"malicious","result":"malware","method":"blacklist","engine_name":"Example AV"}},
            "tags":[],"total_votes":{"harmless":0,"malicious":3}}}}
            """#
        /// VirusTotal v3 domain object with one engine flagging it.
        package static let virusTotalDomain = #"""
            {"data":{"id":"evil.example","type":"domain","attributes":{"registrar":"Example Registrar, Inc.","reputation":0,
            "last_analysis_stats":{"harmless":60,"malicious":1,"suspicious":0,"undetected":33,"timeout":0},
            "categories":{"Example":"phishing"},"last_analysis_date":1733300000}}}
            """#
        /// The AbuseIPDB documentation's CHECK example answer.
        package static let abuseIPDBCheck = #"""
            {"data":{"ipAddress":"118.25.6.39","isPublic":true,"ipVersion":4,"isWhitelisted":false,"abuseConfidenceScore":100,
            "countryCode":"CN","usageType":"Data Center/Web Hosting/Transit","isp":"Tencent Cloud Computing (Beijing) Co. Ltd",
            "domain":"tencent.com","hostnames":[],"isTor":false,"totalReports":1,"numDistinctUsers":1,
            "lastReportedAt":"2018-12-20T20:55:14+00:00"}}
            """#
        /// OTX indicator `general` section with two pulses.
        package static let otxIPv4General = #"""
            {"whois":"http://whois.domaintools.com/203.0.113.66","reputation":0,"indicator":"203.0.113.66","type":"IPv4",
            "type_title":"IPv4","base_indicator":{"id":1,"indicator":"203.0.113.66","type":"IPv4"},
            "pulse_info":{"count":2,"pulses":[{"id":"5f0000000000000000000001","name":"Example botnet C2 infrastructure","tags":["c2"]},
            {"id":"5f0000000000000000000002","name":"SSH brute force sources","tags":["ssh"]}],"references":[],"related":{}},
            "false_positive":[],"validation":[],"asn":"AS64500 EXAMPLE-NET","city":null,"country_code":"NL","sections":["general","geo"]}
            """#
        /// The GreyNoise Community documentation's example (a RIOT, benign address).
        package static let greyNoiseRIOT = #"""
            {"ip":"1.2.3.4","noise":false,"riot":true,"classification":"benign","name":"Cloudflare",
            "link":"https://viz.greynoise.io/riot/1.2.3.4","last_seen":"2020-01-01","message":"Success"}
            """#
        /// A GreyNoise Community answer for a malicious scanner.
        package static let greyNoiseMalicious = #"""
            {"ip":"203.0.113.66","noise":true,"riot":false,"classification":"malicious","name":"unknown",
            "link":"https://viz.greynoise.io/ip/203.0.113.66","last_seen":"2024-12-01","message":"Success"}
            """#
        /// An RDAP domain object (RFC 9083 §5.3) with a registrar entity and events.
        package static let rdapDomain = #"""
            {"objectClassName":"domain","handle":"2336799_DOMAIN_COM-VRSN","ldhName":"EXAMPLE.COM",
            "status":["client delete prohibited","client transfer prohibited","client update prohibited"],
            "events":[{"eventAction":"registration","eventDate":"1995-08-14T04:00:00Z"},
            {"eventAction":"expiration","eventDate":"2025-08-13T04:00:00Z"},
            {"eventAction":"last changed","eventDate":"2024-08-14T07:01:34Z"}],
            "entities":[{"objectClassName":"entity","handle":"376","roles":["registrar"],
            "publicIds":[{"type":"IANA Registrar ID","identifier":"376"}],
            "vcardArray":["vcard",[["version",{},"text","4.0"],["fn",{},"text","RESERVED-Internet Assigned Numbers Authority"]]]}],
            "nameservers":[{"objectClassName":"nameserver","ldhName":"A.IANA-SERVERS.NET"}],"rdapConformance":["rdap_level_0"]}
            """#
        /// An RDAP IP network object (RFC 9083 §5.4).
        package static let rdapIP = #"""
            {"objectClassName":"ip network","handle":"203.0.113.0 - 203.0.113.255","startAddress":"203.0.113.0",
            "endAddress":"203.0.113.255","ipVersion":"v4","name":"TEST-NET-3","type":"ASSIGNED PA","country":"AU",
            "events":[{"eventAction":"registration","eventDate":"2010-01-01T00:00:00Z"}],
            "entities":[{"objectClassName":"entity","handle":"ORG-EX1","roles":["registrant"],
            "vcardArray":["vcard",[["version",{},"text","4.0"],["fn",{},"text","Example Org"],["kind",{},"text","org"]]]}],
            "rdapConformance":["rdap_level_0"]}
            """#
    }
}
