CREATE TABLE alert_mappings (
    name TEXT PRIMARY KEY,
    definition TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE alert_payloads (
    id INTEGER PRIMARY KEY,
    codec TEXT NOT NULL CHECK (codec IN ('zstd')),
    -- Uncompressed bytes.
    size INTEGER NOT NULL,
    data BLOB NOT NULL
) STRICT;

CREATE TABLE alerts (
    id TEXT PRIMARY KEY,
    incident_id TEXT NOT NULL REFERENCES incidents (id),
    source TEXT NOT NULL,
    source_ref TEXT NOT NULL,
    title TEXT NOT NULL,
    severity INTEGER NOT NULL CHECK (severity BETWEEN 0 AND 5),
    time INTEGER,
    rule_uid TEXT,
    rule_name TEXT,
    rule_category TEXT,
    src_ip TEXT,
    src_port INTEGER,
    src_hostname TEXT,
    dst_ip TEXT,
    dst_port INTEGER,
    dst_hostname TEXT,
    host_name TEXT,
    user_name TEXT,
    fingerprint TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    parser_version INTEGER NOT NULL,
    -- The raw record: bytes [payload_offset, payload_offset + payload_length) of the payload.
    payload_id INTEGER NOT NULL REFERENCES alert_payloads (id),
    payload_offset INTEGER NOT NULL,
    payload_length INTEGER NOT NULL, observable_ids TEXT NOT NULL DEFAULT '[]',
    UNIQUE (source, source_ref)
) STRICT;

CREATE INDEX alerts_incident ON alerts (incident_id, received_at);

CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL CHECK (role IN ('ingest', 'viewer', 'analyst', 'admin')),
    secret_hash TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    source TEXT
) STRICT;

CREATE TABLE case_tasks (
    id TEXT PRIMARY KEY,
    incident_id TEXT NOT NULL REFERENCES incidents (id),
    title TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'in_progress', 'done', 'cancelled')),
    owner TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

CREATE INDEX case_tasks_incident ON case_tasks (incident_id, created_at);

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

CREATE TABLE feeds (
    name TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('plaintext', 'csv', 'stix', 'misp', 'misp-feed', 'misp-search', 'taxii')),
    url TEXT NOT NULL,
    collection TEXT,
    csv_column TEXT,
    interval_seconds INTEGER NOT NULL CHECK (interval_seconds >= 60),
    enabled INTEGER NOT NULL CHECK (enabled IN (0, 1)),
    reliability TEXT NOT NULL CHECK (reliability IN ('A', 'B', 'C', 'D', 'E', 'F')),
    -- Where the poller reads the secret (env:NAME or file:/path); never the secret itself.
    auth_scheme TEXT CHECK (auth_scheme IN ('basic', 'bearer', 'header')),
    auth_name TEXT,
    auth_secret_ref TEXT,
    created_at INTEGER NOT NULL,
    last_attempt_at INTEGER,
    last_success_at INTEGER,
    last_error TEXT,
    etag TEXT,
    last_modified TEXT,
    cursor TEXT,
    last_added INTEGER NOT NULL DEFAULT 0,
    last_updated INTEGER NOT NULL DEFAULT 0,
    next_poll_at INTEGER
) STRICT;

CREATE TABLE grouping_rules (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    -- Rules are tried by ascending position, then id.
    position INTEGER NOT NULL,
    enabled INTEGER NOT NULL CHECK (enabled IN (0, 1)),
    -- JSON array of {field, op, value} clauses, all of which must hold.
    conditions TEXT NOT NULL,
    -- Comma-separated fingerprint fields (rule, src_ip, …).
    group_by TEXT NOT NULL,
    window_seconds INTEGER NOT NULL CHECK (window_seconds > 0),
    max_alerts INTEGER CHECK (max_alerts > 0),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE incidents (
    -- number is the rowid: new incidents take max + 1, and the list pages over it newest first.
    number INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    severity INTEGER NOT NULL CHECK (severity BETWEEN 0 AND 5),
    status TEXT NOT NULL CHECK (status IN ('new', 'in_progress', 'on_hold', 'resolved', 'closed')),
    owner TEXT,
    fingerprint TEXT NOT NULL,
    alert_count INTEGER NOT NULL CHECK (alert_count >= 0),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    last_alert_at INTEGER NOT NULL
, overflow_of TEXT REFERENCES incidents (id)) STRICT;

CREATE INDEX incidents_open_fingerprint ON incidents (fingerprint)
    WHERE status IN ('new', 'in_progress', 'on_hold');

CREATE TABLE indicator_values (
    id INTEGER PRIMARY KEY,
    type TEXT NOT NULL,
    value TEXT NOT NULL,
    UNIQUE (type, value)
) STRICT;

CREATE TABLE indicators (
    value_id INTEGER NOT NULL REFERENCES indicator_values (id),
    feed TEXT NOT NULL,
    confidence INTEGER CHECK (confidence BETWEEN 0 AND 100),
    label TEXT,
    first_seen INTEGER NOT NULL,
    last_seen INTEGER NOT NULL,
    -- Lifecycle as the source states it (STIX valid_from/valid_until/revoked, TLP markings).
    valid_from INTEGER,
    valid_until INTEGER,
    revoked INTEGER NOT NULL DEFAULT 0 CHECK (revoked IN (0, 1)),
    tlp TEXT CHECK (tlp IN ('clear', 'green', 'amber', 'amber+strict', 'red')),
    source_ref TEXT,
    description TEXT,
    UNIQUE (value_id, feed)
) STRICT;

CREATE TABLE intel_hits (
    observable_id TEXT NOT NULL REFERENCES observables (id),
    feed TEXT NOT NULL,
    indicator TEXT NOT NULL,
    match TEXT NOT NULL CHECK (match IN ('exact', 'cidr', 'parent_domain', 'pattern')),
    first_seen INTEGER NOT NULL,
    confidence INTEGER CHECK (confidence BETWEEN 0 AND 100),
    label TEXT,
    -- As the verdict saw them: the feed's reliability then, the indicator's TLP marking.
    reliability TEXT CHECK (reliability IN ('A', 'B', 'C', 'D', 'E', 'F')),
    tlp TEXT CHECK (tlp IN ('clear', 'green', 'amber', 'amber+strict', 'red')),
    PRIMARY KEY (observable_id, feed, indicator)
) STRICT, WITHOUT ROWID;

CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    -- JSON text.
    payload TEXT NOT NULL,
    run_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    lease_until INTEGER,
    last_error TEXT,
    dead INTEGER NOT NULL DEFAULT 0 CHECK (dead IN (0, 1))
) STRICT, WITHOUT ROWID;

CREATE INDEX jobs_due ON jobs (run_at) WHERE dead = 0;

CREATE INDEX jobs_kind_due ON jobs (kind, run_at) WHERE dead = 0;

CREATE TABLE notes (
    id TEXT PRIMARY KEY,
    incident_id TEXT NOT NULL REFERENCES incidents (id),
    author TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;

CREATE INDEX notes_incident ON notes (incident_id, created_at);

CREATE TABLE observables (
    id TEXT PRIMARY KEY,
    incident_id TEXT NOT NULL REFERENCES incidents (id),
    type TEXT NOT NULL,
    value TEXT NOT NULL,
    verdict TEXT NOT NULL CHECK (verdict IN ('unknown', 'suspicious', 'malicious')),
    first_seen INTEGER NOT NULL,
    UNIQUE (incident_id, type, value)
) STRICT, WITHOUT ROWID;

CREATE INDEX observables_type_value ON observables (type, value);

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

CREATE TABLE schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at INTEGER NOT NULL
) STRICT;

CREATE TABLE suppressed_alerts (
    id TEXT PRIMARY KEY,
    rule_id TEXT NOT NULL,
    source TEXT NOT NULL,
    source_ref TEXT NOT NULL,
    title TEXT NOT NULL,
    severity INTEGER NOT NULL CHECK (severity BETWEEN 0 AND 5),
    time INTEGER,
    rule_uid TEXT,
    rule_name TEXT,
    rule_category TEXT,
    src_ip TEXT,
    src_port INTEGER,
    src_hostname TEXT,
    dst_ip TEXT,
    dst_port INTEGER,
    dst_hostname TEXT,
    host_name TEXT,
    user_name TEXT,
    fingerprint TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    parser_version INTEGER NOT NULL,
    payload_id INTEGER NOT NULL REFERENCES alert_payloads (id),
    payload_offset INTEGER NOT NULL,
    payload_length INTEGER NOT NULL,
    -- JSON array of [type, value] pairs, in the parser's order: no observable rows without an incident.
    observables TEXT NOT NULL,
    UNIQUE (source, source_ref)
) STRICT;

CREATE INDEX suppressed_alerts_rule ON suppressed_alerts (rule_id, received_at);

CREATE TABLE suppression_rules (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    conditions TEXT NOT NULL,
    owner TEXT NOT NULL,
    reason TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    enabled INTEGER NOT NULL CHECK (enabled IN (0, 1)),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    -- Raised by ingest, in the transaction that stores the suppressed alerts.
    hit_count INTEGER NOT NULL DEFAULT 0 CHECK (hit_count >= 0),
    last_hit_at INTEGER
) STRICT;

CREATE TABLE timeline_events (
    incident_id TEXT NOT NULL REFERENCES incidents (id),
    time INTEGER NOT NULL,
    id TEXT NOT NULL,
    actor TEXT NOT NULL,
    kind TEXT NOT NULL,
    message TEXT NOT NULL,
    -- JSON object text.
    details TEXT NOT NULL,
    PRIMARY KEY (incident_id, time, id)
) STRICT, WITHOUT ROWID;

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL CHECK (role IN ('viewer', 'analyst', 'admin')),
    password_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;
