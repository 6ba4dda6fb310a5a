// Redaction: how outbound URLs and headers are shown in errors and logs without their credentials.
package import Foundation

/// Renders URLs and header values with credentials replaced by `<redacted>`.
///
/// Redacted: userinfo in URLs, query parameters whose names look like credentials (`key`, `apikey`,
/// `token`, `secret`, `password`, `auth`, `sig`, `session`, …), fragments, and the values of
/// `Authorization`, `Cookie`, QRadar's `SEC` and similarly named headers. Over-redacting a harmless parameter is
/// the accepted cost of never printing a key.
package enum Redaction {
    package static let placeholder = "<redacted>"

    /// Name fragments that mark a query parameter or header as a credential.
    private static let sensitiveFragments = ["key", "token", "secret", "pass", "pwd", "auth", "sig", "session", "credential"]

    /// True when a query parameter named `name` may carry a credential.
    package static func isSensitiveQueryName(_ name: String) -> Bool {
        let lowered = name.lowercased()
        return sensitiveFragments.contains { lowered.contains($0) }
    }

    /// True when the header `name` may carry a credential.
    package static func isSensitiveHeader(_ name: String) -> Bool {
        let lowered = name.lowercased()
        // `SEC` is QRadar's token header; too short a fragment to match inside other names.
        return lowered == "cookie" || lowered == "set-cookie" || lowered == "sec"
            || sensitiveFragments.contains { lowered.contains($0) }
    }

    /// The header value as it may be shown.
    package static func headerValue(name: String, value: String) -> String {
        isSensitiveHeader(name) ? placeholder : value
    }

    /// `url` without userinfo, fragment and credential-like query values.
    package static func url(_ url: URL) -> String {
        guard let components = URLComponents(url: url, resolvingAgainstBaseURL: true), let scheme = components.scheme
        else { return placeholder }
        var text = scheme + "://"
        if components.percentEncodedUser != nil || components.percentEncodedPassword != nil { text += placeholder + "@" }
        text += components.percentEncodedHost ?? ""
        if let port = components.port { text += ":\(port)" }
        text += components.percentEncodedPath
        if let query = components.percentEncodedQuery { text += "?" + redactedQuery(query) }
        return text
    }

    /// A percent-encoded query with credential-like parameter values replaced.
    package static func redactedQuery(_ query: String) -> String {
        query.split(separator: "&", omittingEmptySubsequences: false).map { pair -> String in
            let name = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
            let decoded = name.removingPercentEncoding ?? name
            return isSensitiveQueryName(decoded) ? name + "=" + placeholder : String(pair)
        }.joined(separator: "&")
    }
}
