// URLSessionHTTPClient against real RiposteHTTP servers on 127.0.0.1: round trip, timeout, size cap,
// redirects and credential redaction.
import Foundation
import RiposteCore
import RiposteHTTP
import RiposteRuntime
import RiposteTesting
import Synchronization
import Testing

@Suite("URLSessionHTTPClient")
struct URLSessionHTTPClientTests {
    let client = URLSessionHTTPClient()

    /// Runs `body` and returns the `RiposteError` it throws; records an issue if it throws none.
    func riposteError(_ body: () async throws -> Void) async -> RiposteError? {
        do {
            try await body()
            Issue.record("expected a RiposteError, got success")
        } catch let error as RiposteError {
            return error
        } catch {
            Issue.record("expected a RiposteError, got \(error)")
        }
        return nil
    }

    @Test("Method, headers and body reach the server; status, headers and body come back")
    func roundTrip() async throws {
        let echo = ClosureResponder { request, _ in
            var headers: RiposteHTTP.HTTPHeaders = ["X-Seen-Method": request.method.rawValue]
            headers.add(name: "X-Seen-Header", value: request.headers["X-Custom"] ?? "none")
            return HTTPResponse(status: .created, headers: headers, body: Data("echo:".utf8) + request.body)
        }
        try await withLoopbackServer(responder: echo) { base in
            let payload = Array(#"{"alert":"ü"}"#.utf8)
            let response = try await client.send(
                OutboundRequest(method: "POST", url: base.appending(path: "/things"), headers: ["X-Custom": "42"], body: payload))
            #expect(response.status == 201)
            #expect(response.headers["x-seen-method"] == "POST")
            #expect(response.headers["X-SEEN-HEADER"] == "42")
            #expect(response.body == Array("echo:".utf8) + payload)
            #expect(response.url.path == "/things")
        }
    }

    @Test("A 401 challenge comes back as a response instead of waiting for credentials")
    func challengeIsAnAnswer() async throws {
        let guarded = ClosureResponder { _, _ in
            .text("Unauthorized Access", status: .unauthorized, headers: ["WWW-Authenticate": "Basic realm=\"x\""])
        }
        try await withLoopbackServer(responder: guarded) { base in
            let response = try await client.send(
                OutboundRequest(
                    url: base.appending(path: "/guarded"), headers: ["Authorization": "Basic eDp5"], timeout: .seconds(5)))
            #expect(response.status == 401)
            #expect(response.headers["WWW-Authenticate"] == "Basic realm=\"x\"")
        }
    }

    @Test("A body that trickles past the deadline fails with a timeout, not an idle-timer reset")
    func totalTimeout() async throws {
        let trickle = ClosureResponder { _, _ in
            HTTPResponse(
                status: .ok, headers: [:],
                body: .stream(
                    HTTPBodyStream { writer in
                        while !writer.isClosed {
                            try writer.write([0x61])
                            try await Task.sleep(for: .milliseconds(50))
                        }
                    }))
        }
        try await withLoopbackServer(responder: trickle) { base in
            let started = ContinuousClock.now
            let error = await riposteError {
                _ = try await client.send(OutboundRequest(url: base.appending(path: "/slow"), timeout: .milliseconds(600)))
            }
            #expect(error?.code == .unavailable)
            #expect(error?.message.contains("timed out") == true)
            let elapsed = ContinuousClock.now - started
            #expect(elapsed >= .milliseconds(550) && elapsed < .seconds(5))
        }
    }

    @Test("A server that never answers times out")
    func silentServerTimesOut() async throws {
        let silent = ClosureResponder { _, _ in
            try await Task.sleep(for: .seconds(30))
            return HTTPResponse()
        }
        try await withLoopbackServer(responder: silent) { base in
            let error = await riposteError {
                _ = try await client.send(OutboundRequest(url: base.appending(path: "/never"), timeout: .milliseconds(400)))
            }
            #expect(error?.code == .unavailable)
            #expect(error?.message.contains("timed out") == true)
        }
    }

    @Test("A body of exactly the cap is accepted; one byte more is rejected as too large")
    func declaredSizeCap() async throws {
        let sized = ClosureResponder { request, _ in
            let size = Int(request.queryValue("size") ?? "0") ?? 0
            return HTTPResponse(status: .ok, headers: [:], body: Data(repeating: 0x62, count: size))
        }
        try await withLoopbackServer(responder: sized) { base in
            let cap = 64 << 10
            let exact = try await client.send(OutboundRequest(url: URL(string: "\(base)/b?size=\(cap)")!, maxResponseBytes: cap))
            #expect(exact.body.count == cap)
            let error = await riposteError {
                _ = try await client.send(OutboundRequest(url: URL(string: "\(base)/b?size=\(cap + 1)")!, maxResponseBytes: cap))
            }
            #expect(error?.code == .tooLarge)
            #expect(error?.message.contains("\(cap)") == true)
        }
    }

    @Test("An endless chunked body is cut off at the cap and the transfer cancelled")
    func streamedSizeCap() async throws {
        let served = Mutex(0)
        let endless = ClosureResponder { _, _ in
            HTTPResponse(
                status: .ok, headers: [:],
                body: .stream(
                    HTTPBodyStream { writer in
                        let chunk = [UInt8](repeating: 0x63, count: 16 << 10)
                        while !writer.isClosed {
                            try writer.write(chunk)
                            served.withLock { $0 += chunk.count }
                            try await Task.sleep(for: .milliseconds(1))
                        }
                    }))
        }
        try await withLoopbackServer(responder: endless) { base in
            let error = await riposteError {
                _ = try await client.send(
                    OutboundRequest(url: base.appending(path: "/endless"), timeout: .seconds(20), maxResponseBytes: 256 << 10))
            }
            #expect(error?.code == .tooLarge)
            // The server stops producing soon after the client cancels (its stream closes).
            let afterCancel = served.withLock { $0 }
            try await Task.sleep(for: .milliseconds(300))
            #expect(served.withLock { $0 } - afterCancel < 8 << 20)
        }
    }

    @Test("Authorization follows a same-origin redirect but never one to another host")
    func redirectsDropCredentialsAcrossOrigins() async throws {
        let landing = ClosureResponder { request, _ in
            .text(
                "auth=\(request.headers["Authorization"] ?? "none") key=\(request.headers["X-API-Key"] ?? "none") path=\(request.path)"
            )
        }
        try await withLoopbackServer(responder: landing) { other in
            let origin = ClosureResponder { request, _ in
                switch request.path {
                case "/away": return HTTPResponse(status: .found, headers: ["Location": "\(other)/landed"])
                case "/here": return HTTPResponse(status: .temporaryRedirect, headers: ["Location": "/stay"])
                default: return .text("auth=\(request.headers["Authorization"] ?? "none") path=\(request.path)")
                }
            }
            try await withLoopbackServer(responder: origin) { base in
                let credentials: HeaderFields = ["Authorization": "Bearer s3cret-token", "X-API-Key": "k1"]
                let away = try await client.send(OutboundRequest(url: base.appending(path: "/away"), headers: credentials))
                #expect(away.status == 200)
                #expect(String(decoding: away.body, as: UTF8.self) == "auth=none key=none path=/landed")
                #expect(away.url.port == other.port)

                let here = try await client.send(OutboundRequest(url: base.appending(path: "/here"), headers: credentials))
                #expect(String(decoding: here.body, as: UTF8.self) == "auth=Bearer s3cret-token path=/stay")
            }
        }
    }

    @Test("A redirect loop stops after the configured number of hops")
    func redirectLimit() async throws {
        let hops = Mutex(0)
        let loop = ClosureResponder { request, _ in
            hops.withLock { $0 += 1 }
            return HTTPResponse(status: .found, headers: ["Location": "/loop"])
        }
        try await withLoopbackServer(responder: loop) { base in
            let error = await riposteError {
                _ = try await client.send(OutboundRequest(url: base.appending(path: "/loop"), maxRedirects: 3))
            }
            #expect(error?.code == .unavailable)
            #expect(error?.message.contains("redirected more than 3 times") == true)
            #expect(hops.withLock { $0 } == 4)
        }
    }

    @Test("Errors and request descriptions never show userinfo, credential query values or Authorization")
    func errorsAreRedacted() async throws {
        let port = try await withLoopbackServer(responder: ClosureResponder { _, _ in HTTPResponse() }) { $0.port ?? 0 }
        let url = try #require(URL(string: "http://agent:hunter2@127.0.0.1:\(port)/feed?apikey=AK-123&limit=5&token=T0K"))
        let request = OutboundRequest(url: url, headers: ["Authorization": "Basic YWdlbnQ6aHVudGVyMg==", "Accept": "x/y"])
        let error = await riposteError { _ = try await client.send(request) }
        let texts = [error.map { String(describing: $0) } ?? "", error.map { String(reflecting: $0) } ?? "", "\(request)"]
        for text in texts {
            for secret in ["hunter2", "agent", "AK-123", "T0K", "YWdlbnQ6aHVudGVyMg=="] {
                #expect(!text.contains(secret), "\(text) shows \(secret)")
            }
            #expect(text.contains("127.0.0.1:\(port)/feed"))
        }
        #expect(error?.code == .unavailable)
        #expect("\(request)".contains("Accept: x/y"))
        #expect("\(request)".contains("limit=5"))
    }

    @Test("Redaction hides userinfo and credential-like parameters and keeps the rest")
    func redactionRules() throws {
        let url = try #require(
            URL(string: "https://u:p@intel.example:8443/api/v2/q?ip=1.2.3.4&api_key=K&X-Amz-Signature=S&page=2#frag"))
        #expect(
            Redaction.url(url)
                == "https://<redacted>@intel.example:8443/api/v2/q?ip=1.2.3.4&api_key=<redacted>&X-Amz-Signature=<redacted>&page=2"
        )
        #expect(Redaction.headerValue(name: "X-API-Key", value: "k") == "<redacted>")
        #expect(Redaction.headerValue(name: "Proxy-Authorization", value: "k") == "<redacted>")
        #expect(Redaction.headerValue(name: "Accept", value: "application/json") == "application/json")
        // QRadar's token header, and only that exact name.
        #expect(Redaction.headerValue(name: "SEC", value: "k") == "<redacted>")
        #expect(Redaction.headerValue(name: "Sec-Fetch-Mode", value: "cors") == "cors")
    }

    @Test("Only http and https URLs are sent")
    func rejectsOtherSchemes() async throws {
        let error = await riposteError {
            _ = try await client.send(OutboundRequest(url: URL(fileURLWithPath: "/etc/passwd")))
        }
        #expect(error?.code == .invalid)
    }
}
