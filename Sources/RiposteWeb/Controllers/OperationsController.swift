// Health, readiness and Prometheus metrics.
import Foundation
import RiposteCore
import RiposteHTTP
import RiposteRuntime

/// `/healthz` (the process answers), `/readyz` (the store answers), `/metrics` (needs a viewer token).
struct OperationsController {
    let store: any RiposteStore
    let metrics: Metrics

    func register(on api: inout APIRouteBuilder) {
        api.addPublic(.get, "/healthz") { _, _ in .text("ok\n") }
        api.addPublic(.get, "/readyz") { _, context in
            do {
                try await store.checkReadiness()
                return .text("ready\n")
            } catch {
                return .error(
                    status: .serviceUnavailable, code: "unavailable", message: "store not ready",
                    requestID: context.requestID)
            }
        }
        api.add(.get, "/metrics", .readMetrics) { _ in
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: "text/plain; version=0.0.4; charset=utf-8")
            return HTTPResponse(status: .ok, headers: headers, body: .bytes(Data((await metrics.render()).utf8)))
        }
    }
}
