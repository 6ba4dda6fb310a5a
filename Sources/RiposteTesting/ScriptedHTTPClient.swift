// Test doubles of the HTTPClient port: one answers from a script and records, one fails the test.
import FoundationEssentials
import RiposteCore
package import RiposteRuntime
import Synchronization
import Testing

/// An `HTTPClient` that answers from scripted rules and records every request it was sent.
///
/// Rules are tried in the order they were added; a rule added with `times:` is used up after that
/// many answers. A request no rule matches throws `.internal`, naming the (redacted) request.
package final class ScriptedHTTPClient: HTTPClient {
    /// One scripted answer: which requests it matches and how it answers.
    private struct Rule {
        let matches: @Sendable (OutboundRequest) -> Bool
        let answer: @Sendable (OutboundRequest) throws -> OutboundResponse
        var remaining: Int?
    }

    private let state = Mutex<(rules: [Rule], requests: [OutboundRequest])>(([], []))

    package init() {}

    /// Every request sent so far, in order.
    package var requests: [OutboundRequest] { state.withLock { $0.requests } }

    /// Answers requests for which `matches` holds with `answer` (at most `times` times, if given).
    package func on(
        times: Int? = nil, _ matches: @escaping @Sendable (OutboundRequest) -> Bool,
        answer: @escaping @Sendable (OutboundRequest) throws -> OutboundResponse
    ) {
        state.withLock { $0.rules.append(Rule(matches: matches, answer: answer, remaining: times)) }
    }

    /// Answers `method` requests whose URL path (trailing slash significant) is `path` with a fixed status, headers and body.
    package func on(
        _ method: String = "GET", path: String, times: Int? = nil, status: Int = 200, headers: HeaderFields = [:],
        body: [UInt8] = []
    ) {
        on(times: times, { $0.method == method && $0.url.path(percentEncoded: false) == path }) { request in
            OutboundResponse(status: status, headers: headers, body: body, url: request.url)
        }
    }

    package func send(_ request: OutboundRequest) async throws -> OutboundResponse {
        let answer = state.withLock { state -> (@Sendable (OutboundRequest) throws -> OutboundResponse)? in
            state.requests.append(request)
            guard let index = state.rules.firstIndex(where: { ($0.remaining ?? 1) > 0 && $0.matches(request) }) else {
                return nil
            }
            state.rules[index].remaining = state.rules[index].remaining.map { $0 - 1 }
            return state.rules[index].answer
        }
        guard let answer else { throw RiposteError(.internal, "no scripted response for \(request)") }
        return try answer(request)
    }
}

/// An `HTTPClient` for code that must not make outbound calls: any call records a test failure.
package struct UnimplementedHTTPClient: HTTPClient {
    package init() {}

    package func send(_ request: OutboundRequest) async throws -> OutboundResponse {
        Issue.record("unexpected outbound HTTP request: \(request)")
        throw RiposteError(.internal, "UnimplementedHTTPClient was called: \(request)")
    }
}
