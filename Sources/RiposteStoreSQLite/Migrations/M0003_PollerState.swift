// Migration 3: the cursor and status of each poller (QRadar, Sentinel), kept across restarts.

enum M0003_PollerState {
    static let migration = Migration(version: 3, name: "poller_state", sql: sql)

    // One small row per configured poller, reached only by name: WITHOUT ROWID.
    static let sql = """
        CREATE TABLE poller_state (
            name TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            -- Opaque to the store: each poller writes its own position text.
            cursor TEXT,
            last_poll_at INTEGER,
            last_success_at INTEGER,
            -- Safe to show to viewers: never a credential.
            last_error TEXT,
            items_last_poll INTEGER NOT NULL CHECK (items_last_poll >= 0),
            items_total INTEGER NOT NULL CHECK (items_total >= 0)
        ) STRICT, WITHOUT ROWID;
        """
}
