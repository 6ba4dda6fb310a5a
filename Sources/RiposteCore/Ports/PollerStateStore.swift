// Port: the cursor and status of each poller, kept across restarts.

/// Poller cursors and status, one row per poller name.
public protocol PollerStateStore: Sendable {
    /// The state saved under `name`, or nil when that poller never saved one.
    func pollerState(named name: String) async throws -> PollerState?
    /// Every saved state, ordered by name.
    func pollerStates() async throws -> [PollerState]
    /// Saves `state` under its name, replacing what was there (all fields, in one write).
    /// - Throws: `.invalid` for an empty name or kind, or negative counts.
    func savePollerState(_ state: PollerState) async throws
}
