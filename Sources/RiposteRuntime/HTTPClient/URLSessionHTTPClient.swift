// The HTTPClient port over FoundationNetworking's URLSession: streamed, capped, timed, redirect-safe.
import Dispatch
import Foundation
import FoundationNetworking
import RiposteCore
import Synchronization

/// `HTTPClient` on one ephemeral `URLSession` (no cookies, no cache).
///
/// The body arrives through a delegate and is appended chunk by chunk, so the size cap stops the
/// transfer (the task is cancelled) the moment it is passed. A timer per request cancels it at
/// the total deadline, which URLSession's own idle timeout would not do for a slow trickle.
package final class URLSessionHTTPClient: HTTPClient {
    private let session: URLSession
    private let transfers: TransferTable

    package init() {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpCookieStorage = nil
        configuration.httpShouldSetCookies = false
        configuration.urlCache = nil
        configuration.urlCredentialStorage = nil
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        let transfers = TransferTable()
        let queue = OperationQueue()
        queue.maxConcurrentOperationCount = 1
        self.transfers = transfers
        self.session = URLSession(configuration: configuration, delegate: transfers, delegateQueue: queue)
    }

    deinit { session.invalidateAndCancel() }

    package func send(_ request: OutboundRequest) async throws -> OutboundResponse {
        try Task.checkCancellation()
        guard let scheme = request.url.scheme?.lowercased(), scheme == "http" || scheme == "https" else {
            throw RiposteError.invalid("outbound URL \(Redaction.url(request.url)) must use http or https")
        }
        guard request.maxResponseBytes >= 0, request.maxRedirects >= 0, request.timeout > .zero else {
            throw RiposteError.invalid("outbound request limits must be positive (\(request))")
        }
        var urlRequest = URLRequest(url: request.url)
        urlRequest.httpMethod = request.method
        // URLSession's own timer is an idle timer truncated to whole seconds (0.6 s would fire at
        // once); it stays a backstop just past the deadline that our timer enforces.
        urlRequest.timeoutInterval = request.timeout.seconds.rounded(.up) + 1
        for field in request.headers { urlRequest.addValue(field.value, forHTTPHeaderField: field.name) }
        if !request.body.isEmpty { urlRequest.httpBody = Data(request.body) }

        let task = session.dataTask(with: urlRequest)
        let id = task.taskIdentifier
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<OutboundResponse, any Error>) in
                transfers.begin(id, Transfer(request: request, continuation: continuation))
                DispatchQueue.global().asyncAfter(deadline: .now() + request.timeout.seconds) { [transfers] in
                    let message = "\(request.method) \(Redaction.url(request.url)) timed out after \(request.timeout.seconds) s"
                    if transfers.fail(id, RiposteError(.unavailable, message)) { task.cancel() }
                }
                task.resume()
            }
        } onCancel: {
            if transfers.fail(id, CancellationError()) { task.cancel() }
        }
    }
}

extension Duration {
    /// The duration in seconds as a `Double`.
    fileprivate var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

/// The state of one exchange between `send` and the delegate callbacks.
private struct Transfer {
    let request: OutboundRequest
    var continuation: CheckedContinuation<OutboundResponse, any Error>
    var response: HTTPURLResponse?
    var body: [UInt8] = []
    var redirects = 0
    /// True when the exchange ended at an authentication challenge whose response is the answer.
    var challenged = false
    /// Set when we stop the exchange ourselves (cap, timeout, redirect rules, cancellation).
    var failure: (any Error)?

    init(request: OutboundRequest, continuation: CheckedContinuation<OutboundResponse, any Error>) {
        self.request = request
        self.continuation = continuation
    }
}

/// The session delegate: every running exchange by task identifier, behind a mutex.
///
/// URLSession calls the delegate on its serial queue; `send`'s timer and cancellation handler call
/// `fail` from other threads, hence the mutex. The continuation is resumed only in
/// `didCompleteWithError`, which URLSession calls exactly once per task.
private final class TransferTable: NSObject, URLSessionDataDelegate, Sendable {
    private let transfers = Mutex<[Int: Transfer]>([:])

    func begin(_ id: Int, _ transfer: Transfer) {
        transfers.withLock { $0[id] = transfer }
    }

    /// Records `error` as the outcome of a running exchange; false if it finished or already failed.
    func fail(_ id: Int, _ error: any Error) -> Bool {
        transfers.withLock { table in
            guard table[id] != nil, table[id]?.failure == nil else { return false }
            table[id]?.failure = error
            return true
        }
    }

    func urlSession(
        _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
        completionHandler: @escaping @Sendable (URLSession.ResponseDisposition) -> Void
    ) {
        let id = dataTask.taskIdentifier
        let allowed = transfers.withLock { table -> Bool in
            guard var transfer = table[id], transfer.failure == nil else { return false }
            transfer.response = response as? HTTPURLResponse
            let cap = transfer.request.maxResponseBytes
            if response.expectedContentLength > Int64(cap) {
                transfer.failure = Self.tooLarge(transfer.request, declared: response.expectedContentLength)
            }
            table[id] = transfer
            return transfer.failure == nil
        }
        completionHandler(allowed ? .allow : .cancel)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        let id = dataTask.taskIdentifier
        let overflow = transfers.withLock { table -> Bool in
            guard var transfer = table[id], transfer.failure == nil else { return false }
            if transfer.body.count + data.count > transfer.request.maxResponseBytes {
                transfer.failure = Self.tooLarge(transfer.request, declared: nil)
                table[id] = transfer
                return true
            }
            transfer.body.append(contentsOf: data)
            table[id] = transfer
            return false
        }
        if overflow { dataTask.cancel() }
    }

    func urlSession(
        _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void
    ) {
        let id = task.taskIdentifier
        let next = transfers.withLock { table -> URLRequest? in
            guard var transfer = table[id], transfer.failure == nil else { return nil }
            defer { table[id] = transfer }
            let request = transfer.request
            transfer.redirects += 1
            guard transfer.redirects <= request.maxRedirects else {
                transfer.failure = RiposteError(
                    .unavailable,
                    "\(request.method) \(Redaction.url(request.url)) redirected more than \(request.maxRedirects) times")
                return nil
            }
            guard let target = newRequest.url, let scheme = target.scheme?.lowercased(), scheme == "http" || scheme == "https"
            else {
                transfer.failure = RiposteError.invalid(
                    "\(request.method) \(Redaction.url(request.url)) redirected to a URL that is not http or https")
                return nil
            }
            var redirected = newRequest
            if !Self.sameOrigin(target, request.url) {
                for field in request.headers where Redaction.isSensitiveHeader(field.name) {
                    redirected.setValue(nil, forHTTPHeaderField: field.name)
                }
                redirected.setValue(nil, forHTTPHeaderField: "Authorization")
                redirected.setValue(nil, forHTTPHeaderField: "Cookie")
            }
            return redirected
        }
        completionHandler(next)
    }

    /// A 401 with `WWW-Authenticate` is an answer for the caller, not a prompt: credentials are sent
    /// explicitly in headers. FoundationNetworking hangs on `.performDefaultHandling` and crashes on
    /// `.useCredential` without one, so the challenge is cancelled and its response kept as the
    /// answer (without a body: URLSession does not deliver the 401's body before the challenge).
    func urlSession(
        _ session: URLSession, task: URLSessionTask, didReceive challenge: URLAuthenticationChallenge,
        completionHandler: @escaping @Sendable (URLSession.AuthChallengeDisposition, URLCredential?) -> Void
    ) {
        let id = task.taskIdentifier
        let response = challenge.failureResponse as? HTTPURLResponse
        transfers.withLock { table in
            guard table[id] != nil, let response else { return }
            table[id]?.response = response
            table[id]?.challenged = true
        }
        completionHandler(.cancelAuthenticationChallenge, nil)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        guard let transfer = transfers.withLock({ $0.removeValue(forKey: task.taskIdentifier) }) else { return }
        if let failure = transfer.failure {
            transfer.continuation.resume(throwing: failure)
        } else if let error, !transfer.challenged {
            transfer.continuation.resume(throwing: Self.networkError(error, transfer.request))
        } else if let response = transfer.response {
            var headers = HeaderFields()
            for (name, value) in response.allHeaderFields {
                if let name = name as? String, let value = value as? String { headers.set(name, value) }
            }
            let url = response.url ?? transfer.request.url
            transfer.continuation.resume(
                returning: OutboundResponse(status: response.statusCode, headers: headers, body: transfer.body, url: url))
        } else {
            let request = transfer.request
            transfer.continuation.resume(
                throwing: RiposteError(.unavailable, "\(request.method) \(Redaction.url(request.url)) got no HTTP response"))
        }
    }

    /// Scheme, host and port all equal: the only case in which credentials may follow a redirect.
    private static func sameOrigin(_ lhs: URL, _ rhs: URL) -> Bool {
        func origin(_ url: URL) -> (String, String, Int) {
            let scheme = url.scheme?.lowercased() ?? ""
            return (scheme, url.host?.lowercased() ?? "", url.port ?? (scheme == "https" ? 443 : 80))
        }
        return origin(lhs) == origin(rhs)
    }

    private static func tooLarge(_ request: OutboundRequest, declared: Int64?) -> RiposteError {
        let size = declared.map { "declares \($0) bytes" } ?? "goes on past the cap"
        return RiposteError(
            .tooLarge,
            "response to \(request.method) \(Redaction.url(request.url)) \(size); the limit is \(request.maxResponseBytes) bytes")
    }

    /// A URLSession failure as a `RiposteError` whose message names the redacted URL, never the
    /// error's own text (which carries the full URL, query string included).
    private static func networkError(_ error: any Error, _ request: OutboundRequest) -> RiposteError {
        let code = (error as? URLError)?.code
        let reason: String
        switch code {
        case .timedOut?: reason = "timed out after \(request.timeout.seconds) s"
        case .cannotConnectToHost?: reason = "failed: connection refused"
        case .cannotFindHost?, .dnsLookupFailed?: reason = "failed: host not found"
        case .networkConnectionLost?: reason = "failed: connection lost"
        case .secureConnectionFailed?, .serverCertificateUntrusted?, .serverCertificateHasBadDate?,
            .serverCertificateNotYetValid?, .serverCertificateHasUnknownRoot?:
            reason = "failed: TLS handshake or certificate rejected"
        case let other?: reason = "failed (URLError \(other.rawValue))"
        case nil: reason = "failed"
        }
        return RiposteError(.unavailable, "\(request.method) \(Redaction.url(request.url)) \(reason)")
    }
}
