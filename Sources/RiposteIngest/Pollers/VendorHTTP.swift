// What pollers share about talking to vendor APIs: strict query encoding, status → error mapping
// (401 names the setting to check, 429 keeps Retry-After), JSON parsing that names the byte, and
// scrubbing of credentials from any vendor text that goes into an error.
package import Foundation
import RiposteCore
import RiposteRuntime

/// Helpers for poller HTTP exchanges. Error messages never contain a credential: URLs go through
/// `Redaction`, 401/403 bodies are not quoted, and other vendor text is cut, cleaned of control
/// characters and scrubbed of every secret the poller holds.
package enum VendorHTTP {
    /// The most of a vendor's own message that goes into an error.
    static let maxDetailCharacters = 300

    /// `text` percent-encoded for a query component: everything but RFC 3986 unreserved characters,
    /// so `+` (a space to many servers) and `$` survive as themselves.
    package static func encode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".utf8)
                out += "%" + String(decoding: [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]], as: UTF8.self)
            }
        }
        return out
    }

    /// `name=value&…` with both sides encoded by `encode`.
    package static func query(_ items: [(String, String)]) -> String {
        items.map { encode($0.0) + "=" + encode($0.1) }.joined(separator: "&")
    }

    /// `base` with `path` appended (slashes normalised) and `query` set.
    static func url(_ base: URL, path: String, query: String? = nil) throws -> URL {
        var text = base.absoluteString
        while text.hasSuffix("/") { text.removeLast() }
        text += path
        if let query { text += "?" + query }
        guard let url = URL(string: text) else { throw RiposteError.invalid("cannot build a URL from \(Redaction.url(base))") }
        return url
    }

    /// Throws unless `response` is a 2xx.
    ///
    /// - 401/403: `.unauthorized`/`.forbidden` naming `credentialHint` (the setting to check), no body.
    /// - 429 and 5xx: `.unavailable` with `retryAfterSeconds` from `Retry-After` (seconds or HTTP date).
    /// - other statuses: `.invalid` with the vendor's message (`detail(body)`), scrubbed of `secrets`.
    static func check(
        _ response: OutboundResponse, vendor: String, what: String, credentialHint: String, secrets: [Secret],
        detail: ([UInt8]) -> String?, now: Date
    ) throws {
        guard !response.isSuccess else { return }
        let status = response.status
        switch status {
        case 401, 403:
            throw RiposteError(
                status == 401 ? .unauthorized : .forbidden,
                "\(vendor) refused \(what) with HTTP \(status); check \(credentialHint)")
        case 429, 500...599:
            var message = "\(vendor) answered \(what) with HTTP \(status)"
            if status == 429 { message += " (rate limited)" }
            if let text = detail(response.body) { message += ": " + scrub(text, secrets: secrets) }
            var error = RiposteError(.unavailable, message)
            error.retryAfterSeconds = retryAfter(response.headers["Retry-After"], now: now)
            throw error
        default:
            var message = "\(vendor) answered \(what) with HTTP \(status)"
            if let text = detail(response.body) { message += ": " + scrub(text, secrets: secrets) }
            throw RiposteError(status == 404 ? .notFound : .invalid, message)
        }
    }

    /// `Retry-After` as seconds (RFC 9110 §10.2.3: delay-seconds or an HTTP date); nil when absent or unreadable.
    package static func retryAfter(_ value: String?, now: Date) -> Int? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        if let seconds = Int(value) { return seconds >= 0 ? seconds : nil }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        guard let date = formatter.date(from: value) else { return nil }
        return max(0, Int(date.timeIntervalSince(now).rounded(.up)))
    }

    /// Parses a JSON body. - Throws: `.invalid` naming the byte where the JSON breaks.
    static func json(_ body: [UInt8], vendor: String, what: String) throws -> JSONValue {
        do {
            return try body.withUnsafeBufferPointer { buffer throws(JSONSyntaxError) in try JSONParser.parse(buffer) }
        } catch {
            throw RiposteError.invalid("\(vendor) answered \(what) with malformed JSON: \(error)")
        }
    }

    /// `text` with control characters replaced and cut to `maxDetailCharacters`.
    static func printable(_ text: String) -> String {
        let cleaned = String(text.unicodeScalars.map { $0.properties.generalCategory == .control ? " " : Character($0) })
        return cleaned.count > maxDetailCharacters ? String(cleaned.prefix(maxDetailCharacters)) + "…" : cleaned
    }

    /// `text` with every non-empty secret value replaced by `<redacted>`.
    static func scrub(_ text: String, secrets: [Secret]) -> String {
        var text = text
        for secret in secrets where !secret.value.isEmpty {
            text = text.replacingOccurrences(of: secret.value, with: Redaction.placeholder)
        }
        return text
    }

    /// Sends `request`, turning transport failures into errors that name the vendor and the call.
    static func send(_ http: any HTTPClient, _ request: OutboundRequest, vendor: String, what: String) async throws
        -> OutboundResponse
    {
        do {
            return try await http.send(request)
        } catch let error as RiposteError {
            throw RiposteError(error.code, "\(vendor) \(what) failed: \(error.message)", underlying: error)
        }
    }
}
