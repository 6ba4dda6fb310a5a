// PollerStateStore: one row per poller with its cursor and the outcome of its last polls.
import FoundationEssentials
package import RiposteCore

extension SQLiteStore {
    package func pollerState(named name: String) async throws -> PollerState? {
        try await read { connection in
            try connection.queryOne(Self.pollerSelect + " WHERE name = ?", [.text(name)], Self.pollerState)
        }
    }

    package func pollerStates() async throws -> [PollerState] {
        try await read { connection in try connection.queryAll(Self.pollerSelect + " ORDER BY name", [], Self.pollerState) }
    }

    package func savePollerState(_ state: PollerState) async throws {
        guard !state.name.isEmpty, !state.kind.isEmpty else {
            throw RiposteError.invalid("a poller state needs a name and a kind")
        }
        guard state.itemsLastPoll >= 0, state.itemsTotal >= 0 else {
            throw RiposteError.invalid("poller '\(state.name)': item counts must not be negative")
        }
        try await write { connection in
            try connection.run(
                """
                INSERT INTO poller_state (name, kind, cursor, last_poll_at, last_success_at, last_error, items_last_poll, items_total)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, cursor = excluded.cursor,
                    last_poll_at = excluded.last_poll_at, last_success_at = excluded.last_success_at,
                    last_error = excluded.last_error, items_last_poll = excluded.items_last_poll,
                    items_total = excluded.items_total
                """,
                [
                    .text(state.name), .text(state.kind), .text(state.cursor), .date(state.lastPollAt),
                    .date(state.lastSuccessAt), .text(state.lastError), .int(state.itemsLastPoll), .int(state.itemsTotal),
                ])
        }
    }

    private static let pollerSelect = """
        SELECT name, kind, cursor, last_poll_at, last_success_at, last_error, items_last_poll, items_total FROM poller_state
        """

    private static func pollerState(_ row: SQLiteRow) throws -> PollerState {
        PollerState(
            name: row.text(0), kind: row.text(1), cursor: row.optionalText(2), lastPollAt: row.optionalDate(3),
            lastSuccessAt: row.optionalDate(4), lastError: row.optionalText(5), itemsLastPoll: row.int(6),
            itemsTotal: row.int(7))
    }
}
