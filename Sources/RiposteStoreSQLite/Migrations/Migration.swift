// The ordered list of schema migrations. Append new ones; never edit one that has been released.

/// One numbered schema change: plain SQL, applied in its own transaction and recorded in
/// `schema_migrations`. Migrations never use app types, so they mean the same forever.
package struct Migration: Sendable {
    package var version: Int
    package var name: String
    package var sql: String
}

extension Migration {
    /// Every migration, in order of `version` (1, 2, 3, … without gaps once 2 and 3 are merged).
    package static let all: [Migration] = [
        M0001_Initial.migration,
        M0002_AlertRules.migration,
        M0003_PollerState.migration,
        M0004_Enrichment.migration,
        M0005_AlertObservableList.migration,
    ]
}
