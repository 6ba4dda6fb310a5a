// Migration 4: enrichment provider answers, one per (type, value, provider), shared across incidents.

enum M0004_Enrichment {
    static let migration = Migration(version: 4, name: "enrichment", sql: sql)

    // Keyed by value, not by observable: the same address in a hundred incidents is asked about
    // once per TTL, and the row is both the cache and what each incident's observable shows.
    // Read by (type, value) for an observable, or by the full key for a cache check: WITHOUT ROWID.
    static let sql = """
        CREATE TABLE enrichments (
            type TEXT NOT NULL,
            value TEXT NOT NULL,
            provider TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('found', 'not_found')),
            -- A JSON object of the provider's summary fields.
            summary TEXT NOT NULL,
            verdict TEXT CHECK (verdict IN ('unknown', 'suspicious', 'malicious')),
            reason TEXT,
            fetched_at INTEGER NOT NULL,
            expires_at INTEGER NOT NULL,
            PRIMARY KEY (type, value, provider)
        ) STRICT, WITHOUT ROWID;

        CREATE INDEX jobs_kind_due ON jobs (kind, run_at) WHERE dead = 0;
        """
}
