// The HTTP side shared by the web providers: one GET with the key header, a size cap, and the status
// codes the vendors document (401/403 bad key, 404 unknown, 429 slow down).
package import Foundation
package import RiposteCore
package import RiposteRuntime

/// One provider's web endpoint: base URL, key header and limits.
package struct ProviderEndpoint: Sendable {
    package var baseURL: URL
    /// The header that carries the API key (`x-apikey`), and the key; nil for keyless APIs.
    package var keyHeader: String?
    package var key: Secret?
    package var http: any HTTPClient
    /// The largest answer read (vendor documents are small; a bigger one is refused).
    package var maxResponseBytes: Int

    package init(
        baseURL: URL, keyHeader: String? = nil, key: Secret? = nil, http: any HTTPClient, maxResponseBytes: Int = 2 << 20
    ) {
        self.baseURL = baseURL
        self.keyHeader = keyHeader
        self.key = key
        self.http = http
        self.maxResponseBytes = maxResponseBytes
    }

    /// The outcome of a GET that the provider then parses.
    package enum Reply: Sendable {
        case document(JSONValue)
        case notFound

        /// The provider's answer: not found on a 404, else what `parse` reads from the document.
        package func answer(_ parse: (JSONValue) throws -> EnrichmentAnswer) rethrows -> EnrichmentAnswer {
            switch self {
            case .notFound: .notFound
            case .document(let document): try parse(document)
            }
        }
    }

    /// GETs `path` (already percent-encoded, starting with `/`) plus `query`.
    /// - Throws: `EnrichmentRateLimited` on 429; `.unavailable` naming the provider and status for
    ///   401/403/5xx and other statuses; `.invalid` for a body that is not JSON.
    package func get(
        _ path: String, query: [(String, String)] = [], provider: String, timeout: Duration,
        headers extra: [(String, String)] = [], maxRedirects: Int = 2, now: Date
    ) async throws -> Reply {
        var text = baseURL.absoluteString
        while text.hasSuffix("/") { text.removeLast() }
        text += path
        if !query.isEmpty {
            text += "?" + query.map { "\(Self.encode($0.0))=\(Self.encode($0.1))" }.joined(separator: "&")
        }
        guard let url = URL(string: text) else { throw RiposteError.invalid("\(provider): cannot build a URL for the lookup") }
        var headers = HeaderFields()
        headers.set("Accept", "application/json")
        for (name, value) in extra { headers.set(name, value) }
        if let keyHeader, let key { headers.set(keyHeader, key.value) }
        let response = try await http.send(
            OutboundRequest(
                url: url, headers: headers, timeout: timeout, maxResponseBytes: maxResponseBytes, maxRedirects: maxRedirects))
        switch response.status {
        case 200..<300:
            do {
                return .document(try JSONParser.parse(response.body))
            } catch {
                throw RiposteError.invalid("\(provider): the answer is not JSON (\(error))")
            }
        case 404: return .notFound
        case 429:
            let seconds = Self.retryAfterSeconds(response.headers["Retry-After"], now: now)
            throw EnrichmentRateLimited(retryAfter: seconds.map { .seconds($0) })
        case 401, 403:
            throw RiposteError(.unavailable, "\(provider): the API key was refused (HTTP \(response.status))")
        default:
            throw RiposteError(.unavailable, "\(provider): HTTP \(response.status)")
        }
    }

    /// Percent-encodes a path segment or query component (RFC 3986 unreserved characters pass).
    package static func encode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                out += "%" + (hex.count == 1 ? "0" : "") + hex
            }
        }
        return out
    }

    /// `Retry-After` as seconds: delay-seconds, or an HTTP date (RFC 9110 §10.2.3) counted from `now`.
    package static func retryAfterSeconds(_ value: String?, now: Date) -> Int? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        if let seconds = Int(value) { return max(0, seconds) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: value) else { return nil }
        return max(0, Int(date.timeIntervalSince(now).rounded(.up)))
    }
}

extension JSONValue {
    /// An integer member, when it is a number.
    func int(_ key: String) -> Int? { self[key]?.numberValue.map { Int($0) } }
    /// A string member.
    func string(_ key: String) -> String? { self[key]?.stringValue }
    /// A boolean member.
    func bool(_ key: String) -> Bool? {
        if case .bool(let value)? = self[key] { return value }
        return nil
    }
}

/// Builds a summary object, leaving out absent members.
struct SummaryBuilder {
    private(set) var members: [(String, JSONValue)] = []

    mutating func add(_ key: String, _ value: String?) { if let value { members.append((key, .string(value))) } }
    mutating func add(_ key: String, _ value: Int?) { if let value { members.append((key, .number(Double(value)))) } }
    mutating func add(_ key: String, _ value: Double?) { if let value { members.append((key, .number(value))) } }
    mutating func add(_ key: String, _ value: Bool?) { if let value { members.append((key, .bool(value))) } }
    mutating func add(_ key: String, _ value: JSONValue?) { if let value { members.append((key, value)) } }

    var value: JSONValue { .object(members) }
}
