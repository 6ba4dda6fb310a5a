// FeedStore: feed definitions and their polling state in one row per feed.
import FoundationEssentials
package import RiposteCore

extension SQLiteStore {
    private static let feedColumns = """
        name, kind, url, collection, csv_column, interval_seconds, enabled, reliability, auth_scheme, auth_name,
        auth_secret_ref, created_at, last_attempt_at, last_success_at, last_error, etag, last_modified, cursor,
        last_added, last_updated, next_poll_at
        """

    package func createFeed(_ feed: FeedDefinition) async throws {
        try await write { connection in
            do {
                _ = try connection.run(
                    """
                    INSERT INTO feeds (name, kind, url, collection, csv_column, interval_seconds, enabled, reliability,
                        auth_scheme, auth_name, auth_secret_ref, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                    [.text(feed.name)] + Self.definitionValues(feed) + [.date(feed.createdAt)])
            } catch let error as SQLiteError where error.isConstraintViolation {
                throw RiposteError(.conflict, "a feed named '\(feed.name)' already exists", underlying: error)
            }
        }
    }

    package func updateFeed(_ feed: FeedDefinition) async throws {
        try await write { connection in
            let changed = try connection.run(
                """
                UPDATE feeds SET kind = ?, url = ?, collection = ?, csv_column = ?, interval_seconds = ?, enabled = ?,
                    reliability = ?, auth_scheme = ?, auth_name = ?, auth_secret_ref = ?
                WHERE name = ?
                """,
                Self.definitionValues(feed) + [.text(feed.name)])
            guard changed > 0 else { throw RiposteError.notFound("no feed '\(feed.name)'") }
        }
    }

    package func deleteFeed(named name: String) async throws {
        try await write { connection in
            let changed = try connection.run("DELETE FROM feeds WHERE name = ?", [.text(name)])
            guard changed > 0 else { throw RiposteError.notFound("no feed '\(name)'") }
        }
    }

    package func feeds() async throws -> [FeedRecord] {
        try await read { connection in
            try connection.queryAll("SELECT \(Self.feedColumns) FROM feeds ORDER BY name") { try Self.decodeFeed($0) }
        }
    }

    package func feed(named name: String) async throws -> FeedRecord? {
        try await read { connection in
            try connection.queryOne("SELECT \(Self.feedColumns) FROM feeds WHERE name = ?", [.text(name)]) {
                try Self.decodeFeed($0)
            }
        }
    }

    package func recordFeedState(named name: String, _ state: FeedState) async throws {
        try await write { connection in
            let changed = try connection.run(
                """
                UPDATE feeds SET last_attempt_at = ?, last_success_at = ?, last_error = ?, etag = ?, last_modified = ?,
                    cursor = ?, last_added = ?, last_updated = ?, next_poll_at = ?
                WHERE name = ?
                """,
                [
                    .date(state.lastAttemptAt), .date(state.lastSuccessAt), .text(state.lastError), .text(state.etag),
                    .text(state.lastModified), .text(state.cursor), .int(state.lastAdded), .int(state.lastUpdated),
                    .date(state.nextPollAt), .text(name),
                ])
            guard changed > 0 else { throw RiposteError.notFound("no feed '\(name)'") }
        }
    }

    private static func definitionValues(_ feed: FeedDefinition) -> [SQLiteValue] {
        let (scheme, name, secretRef): (String?, String?, String?) =
            switch feed.authentication {
            case .none: (nil, nil, nil)
            case .basic(let user, let secretRef): ("basic", user, secretRef)
            case .bearer(let secretRef): ("bearer", nil, secretRef)
            case .header(let header, let secretRef): ("header", header, secretRef)
            }
        return [
            .text(feed.kind.rawValue), .text(feed.url), .text(feed.collection), .text(feed.csvColumn),
            .int(feed.intervalSeconds), .int(feed.enabled ? 1 : 0), .text(feed.reliability.rawValue), .text(scheme),
            .text(name), .text(secretRef),
        ]
    }

    private static func decodeFeed(_ row: SQLiteRow) throws -> FeedRecord {
        let authentication: FeedDefinition.Authentication =
            switch (row.optionalText(8), row.optionalText(9), row.optionalText(10)) {
            case ("basic", let user?, let secretRef?): .basic(user: user, secretRef: secretRef)
            case ("bearer", _, let secretRef?): .bearer(secretRef: secretRef)
            case ("header", let header?, let secretRef?): .header(name: header, secretRef: secretRef)
            default: .none
            }
        let definition = FeedDefinition(
            name: row.text(0), kind: try decodeEnum(FeedDefinition.Kind.self, row.text(1), table: "feeds", column: "kind"),
            url: row.text(2), collection: row.optionalText(3), csvColumn: row.optionalText(4), intervalSeconds: row.int(5),
            enabled: row.int(6) != 0,
            reliability: try decodeEnum(SourceReliability.self, row.text(7), table: "feeds", column: "reliability"),
            authentication: authentication, createdAt: row.date(11))
        let state = FeedState(
            lastAttemptAt: row.optionalDate(12), lastSuccessAt: row.optionalDate(13), lastError: row.optionalText(14),
            etag: row.optionalText(15), lastModified: row.optionalText(16), cursor: row.optionalText(17),
            lastAdded: row.int(18), lastUpdated: row.int(19), nextPollAt: row.optionalDate(20))
        return FeedRecord(definition: definition, state: state)
    }
}
