// GET /api/v1/pollers: each configured or previously run poller with its cursor and last outcome.
import Foundation
import RiposteCore
import RiposteHTTP
import RiposteRuntime

/// A poller the running process was configured with.
package struct ConfiguredPoller: Sendable, Hashable {
    package var name: String
    package var kind: String

    package init(name: String, kind: String) {
        self.name = name
        self.kind = kind
    }
}

/// Poller status routes.
struct PollerController {
    let store: any RiposteStore
    let pollers: [ConfiguredPoller]

    func register(on api: inout APIRouteBuilder) {
        // Operational status, like /metrics: any viewer may read it; last_error is safe text.
        api.add(.get, "/api/v1/pollers", .readMetrics) { _ in
            let saved = Dictionary(try await store.pollerStates().map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
            var listed = pollers.map { poller in
                V1.PollerDTO(saved[poller.name] ?? PollerState(name: poller.name, kind: poller.kind), enabled: true)
            }
            let configured = Set(pollers.map(\.name))
            // A poller that ran before and is no longer configured keeps its row (and cursor), disabled.
            listed += saved.values.filter { !configured.contains($0.name) }.map { V1.PollerDTO($0, enabled: false) }
            listed.sort { $0.name < $1.name }
            return try JSONBody.response(V1.PollerList(pollers: listed))
        }
    }
}

extension V1 {
    struct PollerList: Encodable {
        var pollers: [PollerDTO]
    }

    struct PollerDTO: Encodable {
        var name: String
        var kind: String
        var enabled: Bool
        var last_poll_at: String?
        var last_success_at: String?
        var last_error: String?
        var items_last_poll: Int
        var items_total: Int
        var cursor: String?

        init(_ state: PollerState, enabled: Bool) {
            name = state.name
            kind = state.kind
            self.enabled = enabled
            last_poll_at = state.lastPollAt.map(RFC3339.format)
            last_success_at = state.lastSuccessAt.map(RFC3339.format)
            last_error = state.lastError
            items_last_poll = state.itemsLastPoll
            items_total = state.itemsTotal
            cursor = state.cursor
        }

        // Absent optionals are written as null, so every poller has every field.
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(name, forKey: .name)
            try container.encode(kind, forKey: .kind)
            try container.encode(enabled, forKey: .enabled)
            try container.encode(last_poll_at, forKey: .last_poll_at)
            try container.encode(last_success_at, forKey: .last_success_at)
            try container.encode(last_error, forKey: .last_error)
            try container.encode(items_last_poll, forKey: .items_last_poll)
            try container.encode(items_total, forKey: .items_total)
            try container.encode(cursor, forKey: .cursor)
        }

        enum CodingKeys: String, CodingKey {
            case name, kind, enabled, last_poll_at, last_success_at, last_error, items_last_poll, items_total, cursor
        }
    }
}
