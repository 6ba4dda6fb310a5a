// Turns a non-2xx TAXII answer into a RiposteError carrying the server's own error message.
import FoundationEssentials
import RiposteCore
import RiposteRuntime

/// Maps an HTTP error status to a `RiposteError`, adding the TAXII error resource's `title` and
/// `description` (TAXII 2.1 §3.6.1) when the body is one.
enum TAXIIErrorResponse {
    /// The most of a server's message that goes into an error.
    static let maxDetailCharacters = 300

    static func error(for response: OutboundResponse, url: URL) -> RiposteError {
        let code: RiposteError.Code
        switch response.status {
        case 401: code = .unauthorized
        case 403: code = .forbidden
        case 404: code = .notFound
        case 429, 500...599: code = .unavailable
        default: code = .invalid
        }
        var message = "TAXII server answered HTTP \(response.status) to GET \(Redaction.url(url))"
        if let detail = detail(response.body) { message += ": " + detail }
        return RiposteError(code, message)
    }

    /// "title: description" from a TAXII error resource, or nil for any other body.
    static func detail(_ body: [UInt8]) -> String? {
        guard body.count <= 64 << 10, let json = try? JSONParser.parse(body, maxDepth: 8) else { return nil }
        let parts = [json["title"]?.stringValue, json["description"]?.stringValue].compactMap { $0 }.filter { !$0.isEmpty }
        guard !parts.isEmpty else { return nil }
        return printable(parts.joined(separator: ": "))
    }

    /// `text` with control characters replaced and cut to `maxDetailCharacters`.
    static func printable(_ text: String) -> String {
        let cleaned = String(text.unicodeScalars.map { $0.properties.generalCategory == .control ? " " : Character($0) })
        return cleaned.count > maxDetailCharacters ? String(cleaned.prefix(maxDetailCharacters)) + "…" : cleaned
    }
}
