// GET /api/v1/listeners: each syslog listener of this process with what it received, stored and lost.
import Foundation
import RiposteCore
import RiposteHTTP
import RiposteIngest
import RiposteRuntime

/// Syslog listener status routes.
struct ListenerController {
    let listeners: @Sendable () -> [SyslogListenerStatus]

    func register(on api: inout APIRouteBuilder) {
        // Operational status, like /metrics and /api/v1/pollers: any viewer may read it.
        api.add(.get, "/api/v1/listeners", .readMetrics) { _ in
            let listed = listeners().sorted { $0.name < $1.name }.map(V1.ListenerDTO.init)
            return try JSONBody.response(V1.ListenerList(listeners: listed))
        }
    }
}

extension V1 {
    struct ListenerList: Encodable {
        var listeners: [ListenerDTO]
    }

    struct ListenerDTO: Encodable {
        var name: String
        var transport: String
        var host: String
        var port: Int
        var format: String
        var received: Int
        var rejected: Int
        var stored: Int
        /// Every reason, zero included, so a dashboard need not know the list.
        var dropped: [String: Int]
        var connections_refused: Int
        var last_message_at: String?
        var last_store_error: String?

        init(_ status: SyslogListenerStatus) {
            name = status.name
            transport = status.transport
            host = status.host
            port = status.port
            format = status.format
            received = status.received
            rejected = status.rejected
            stored = status.stored
            dropped = Dictionary(uniqueKeysWithValues: SyslogListener.dropReasons.map { ($0, status.dropped[$0] ?? 0) })
            connections_refused = status.connectionsRefused
            last_message_at = status.lastMessageAt.map(RFC3339.format)
            last_store_error = status.lastStoreError
        }
    }
}
