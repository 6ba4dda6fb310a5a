// A RiposteHTTP server on 127.0.0.1, port 0, for tests of outbound clients against real sockets.
package import FoundationEssentials
import RiposteCore
package import RiposteHTTP

/// Starts an `HTTPServer` on an ephemeral loopback port, runs `body` with its base URL
/// (`http://127.0.0.1:PORT`), and shuts the server down whatever `body` does.
package func withLoopbackServer<Result>(
    responder: any Responder, _ body: (URL) async throws -> Result
) async throws -> Result {
    var configuration = HTTPServerConfiguration()
    configuration.port = 0
    configuration.threadCount = 2
    configuration.drainTimeout = .milliseconds(200)
    let server = HTTPServer(configuration: configuration, responder: responder, accessLog: { _ in }, diagnostics: { _ in })
    let port = try await server.start()
    guard let url = URL(string: "http://127.0.0.1:\(port)") else {
        await server.shutdown()
        throw RiposteError(.internal, "no loopback URL for port \(port)")
    }
    do {
        let result = try await body(url)
        await server.shutdown()
        return result
    } catch {
        await server.shutdown()
        throw error
    }
}
