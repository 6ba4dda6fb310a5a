// SQLite-specific behaviour: pragmas, migrations, golden schema, reopening, concurrent readers,
// cancellation and transaction rollback.
import Foundation
import RiposteCore
import RiposteStoreSQLite
import RiposteTesting
import Testing

@Suite("SQLite store")
struct SQLiteStoreTests {
    @Test("Connections run in WAL mode with busy timeout and synchronous=NORMAL; foreign keys are checked, not enforced")
    func pragmas() async throws {
        try await withTemporaryDirectory { directory in
            let store = try await openStore(in: directory)
            let reader = try await store.read { connection in
                [
                    try connection.queryOne("PRAGMA journal_mode") { $0.text(0) },
                    try connection.queryOne("PRAGMA foreign_keys") { $0.text(0) },
                    try connection.queryOne("PRAGMA busy_timeout") { $0.text(0) },
                ]
            }
            // Foreign keys are off by design (see SQLiteConnection); the contract checks them after each behaviour.
            #expect(reader == ["wal", "0", "5000"])
            let writer = try await store.write { connection in
                [
                    try connection.queryOne("PRAGMA journal_mode") { $0.text(0) },
                    try connection.queryOne("PRAGMA foreign_keys") { $0.text(0) },
                    try connection.queryOne("PRAGMA synchronous") { $0.text(0) },
                    try connection.queryOne("PRAGMA busy_timeout") { $0.text(0) },
                ]
            }
            #expect(writer == ["wal", "0", "1", "5000"])
            await store.close()
        }
    }

    @Test("An unbroken run of write transactions keeps the WAL bounded: past the limit the writer checkpoints it")
    func walStaysBounded() async throws {
        try await withTemporaryDirectory { directory in
            // Background checkpoints effectively off, so only the writer's own checkpoint can bound the WAL.
            let limit: Int32 = 256
            let store = try await openStore(
                in: directory, configuration: SQLiteConfiguration(walCheckpointPages: .max - 1, walLimitPages: limit))
            let wal = directory + "/riposte.sqlite-wal"
            var largest = 0
            for batch in 0..<40 {
                let indicators = (0..<2_000).map { index in
                    Indicator(
                        type: .domain, value: "host-\(batch)-\(index).bulk-import.example", feed: "bulk",
                        label: String(repeating: "x", count: 64), firstSeen: Date(timeIntervalSince1970: 1_700_000_000))
                }
                _ = try await store.importIndicators(indicators, now: Date(timeIntervalSince1970: 1_700_000_000))
                let size = (try FileManager.default.attributesOfItem(atPath: wal)[.size] as? Int) ?? 0
                largest = max(largest, size)
            }
            let database = (try FileManager.default.attributesOfItem(atPath: directory + "/riposte.sqlite")[.size] as? Int) ?? 0
            #expect(try await store.indicatorCount() == 80_000)
            // The data written is many times the limit; the WAL never holds much more than the limit plus one transaction.
            #expect(database > 8 * Int(limit) * 4096, "database \(database) bytes")
            #expect(largest < 3 * Int(limit) * 4096, "largest WAL \(largest) bytes")
            await store.close()
        }
    }

    @Test("A value several feeds list is stored once, with one listing per feed and each feed's own lifecycle")
    func indicatorValueStoredOnce() async throws {
        try await withTemporaryDirectory { directory in
            let store = try await openStore(in: directory)
            let seen = Date(timeIntervalSince1970: 1_700_000_000)
            let summary = try await store.importIndicators(
                [
                    Indicator(type: .ipv4, value: "198.51.100.7", feed: "feodo", confidence: 90, firstSeen: seen),
                    Indicator(type: .ipv4, value: "198.51.100.7", feed: "isac", firstSeen: seen, revoked: true, tlp: .amber),
                    Indicator(type: .domain, value: "198.51.100.7.example", feed: "isac", firstSeen: seen),
                ], now: seen)
            #expect(summary.added == 3)
            let rows = try await store.read { connection in
                [
                    try connection.queryOne("SELECT count(*) FROM indicator_values") { $0.int(0) },
                    try connection.queryOne("SELECT count(*) FROM indicators") { $0.int(0) },
                ]
            }
            #expect(rows == [2, 3])
            let listed = try await store.indicators(after: nil, limit: 10).indicators
            let sources = listed.filter { $0.value == "198.51.100.7" }
            #expect(sources.map(\.feed) == ["feodo", "isac"])
            #expect(sources.map(\.revoked) == [false, true] && sources.map(\.tlp) == [nil, .amber])
            await store.close()
        }
    }

    @Test("Migrations are applied once and recorded")
    func migrationsRecorded() async throws {
        try await withTemporaryDirectory { directory in
            let store = try await openStore(in: directory)
            let recorded = try await store.read { connection in
                try connection.queryAll("SELECT version, name, applied_at FROM schema_migrations ORDER BY version") {
                    "\($0.int(0)) \($0.text(1)) \($0.int(2) > 0)"
                }
            }
            #expect(
                recorded == [
                    "1 initial true", "2 alert_rules true", "3 poller_state true", "4 enrichment true",
                    "5 alert_observable_list true",
                ])
            #expect(try await store.migrate() == [])
            #expect(try await store.pendingMigrations() == [])
            await store.close()

            // `riposte migrate` opens without migrating, then migrates explicitly.
            let manual = try await openStore(in: directory + "/manual", configuration: SQLiteConfiguration(migrateOnOpen: false))
            #expect(try await manual.pendingMigrations() == SQLiteStore.knownMigrations)
            await expectUnavailable { try await manual.checkReadiness() }
            #expect(try await manual.migrate() == SQLiteStore.knownMigrations)
            #expect(try await manual.migrate() == [])
            try await manual.checkReadiness()
            await manual.close()
        }
    }

    @Test("Migration 5 moves each alert's observable links into its row, in the parser's order")
    func alertObservableLinksMigrate() async throws {
        try await withTemporaryDirectory { directory in
            // A database as migration 4 left it, with links stored out of position order.
            let store = try await openStore(in: directory, configuration: SQLiteConfiguration(migrateOnOpen: false))
            try await store.write { connection in
                try connection.execute(
                    "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT"
                )
                for migration in Migration.all where migration.version <= 4 {
                    try connection.execute(migration.sql)
                    _ = try connection.run(
                        "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, 1)",
                        [.int(migration.version), .text(migration.name)])
                }
                try connection.execute(
                    """
                    INSERT INTO incidents (number, id, title, severity, status, fingerprint, alert_count, created_at,
                        updated_at, last_alert_at) VALUES (1, 'inc_1', 't', 3, 'new', 'fp', 2, 0, 0, 0);
                    INSERT INTO alert_payloads (id, codec, size, data) VALUES (1, 'zstd', 0, x'');
                    INSERT INTO alerts (id, incident_id, source, source_ref, title, severity, fingerprint, received_at,
                        parser_version, payload_id, payload_offset, payload_length)
                    VALUES ('alert_a', 'inc_1', 's', 'a', 't', 3, 'fp', 0, 1, 1, 0, 0),
                        ('alert_b', 'inc_1', 's', 'b', 't', 3, 'fp', 0, 1, 1, 0, 0);
                    INSERT INTO observables (id, incident_id, type, value, verdict, first_seen)
                    VALUES ('obs_1', 'inc_1', 'ipv4', '192.0.2.1', 'unknown', 0),
                        ('obs_2', 'inc_1', 'domain', 'evil.example', 'unknown', 0),
                        ('obs_3', 'inc_1', 'ipv4', '192.0.2.3', 'unknown', 0);
                    INSERT INTO alert_observables (alert_id, observable_id, position)
                    VALUES ('alert_a', 'obs_3', 2), ('alert_a', 'obs_1', 0), ('alert_a', 'obs_2', 1);
                    """)
            }
            #expect(try await store.pendingMigrations() == [5])
            #expect(try await store.migrate() == [5])
            let lists = try await store.read { connection in
                try connection.queryAll("SELECT id, observable_ids FROM alerts ORDER BY id") { "\($0.text(0)) \($0.text(1))" }
            }
            #expect(lists == [#"alert_a ["obs_1","obs_2","obs_3"]"#, "alert_b []"])
            #expect(
                try await store.observables(alert: AlertID(rawValue: "alert_a")).map(\.value) == [
                    "192.0.2.1", "evil.example", "192.0.2.3",
                ])
            let tables = try await store.read { connection in
                try connection.queryAll("SELECT name FROM sqlite_master WHERE name = 'alert_observables'") { $0.text(0) }
            }
            #expect(tables.isEmpty)
            await store.close()
        }
    }

    @Test("A database migrated by a newer build is refused")
    func newerSchemaRefused() async throws {
        try await withTemporaryDirectory { directory in
            let store = try await openStore(in: directory)
            try await store.write { connection in
                try connection.run("INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'future', 0)")
            }
            await store.close()
            await expectUnavailable { try await openStore(in: directory) }
        }
    }

    @Test("foreignKeyViolations reports a row whose parent is missing")
    func foreignKeyCheckFindsDanglingRows() async throws {
        try await withTemporaryDirectory { directory in
            let store = try await openStore(in: directory)
            #expect(try await store.foreignKeyViolations() == [])
            try await store.write { connection in
                try connection.run(
                    """
                    INSERT INTO notes (id, incident_id, author, body, created_at)
                    VALUES ('note_1', 'inc_missing', 'system', 'orphan', 0)
                    """)
            }
            let violations = try await store.foreignKeyViolations()
            await store.close()
            #expect(violations.count == 1)
            #expect(violations.first?.hasPrefix("notes ") == true)
            #expect(violations.first?.hasSuffix("-> incidents") == true)
        }
    }

    @Test("A fresh schema matches Golden/schema.sql")
    func goldenSchema() async throws {
        try await withTemporaryDirectory { directory in
            let store = try await openStore(in: directory)
            let statements = try await store.read { connection in
                try connection.queryAll("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name") { $0.text(0) }
            }
            await store.close()
            let dump = statements.map { $0 + ";\n" }.joined(separator: "\n")
            let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
                .appendingPathComponent("Golden/schema.sql")
            let record = ProcessInfo.processInfo.environment["RIPOSTE_RECORD_SNAPSHOTS"] == "1"
            if record || !FileManager.default.fileExists(atPath: golden.path) {
                try dump.write(to: golden, atomically: true, encoding: .utf8)
                Issue.record("recorded \(golden.path); check it in and run again")
                return
            }
            let expected = try String(contentsOf: golden, encoding: .utf8)
            #expect(dump == expected, "schema differs from Golden/schema.sql; a new migration must go with a re-recorded file")
        }
    }

    @Test("Grouping's open-incident lookup and suppressed-alert dedup are index searches with no sort")
    func groupingLookupIsIndexed() async throws {
        try await withTemporaryDirectory { directory in
            let store = try await openStore(in: directory)
            let plans = try await store.read { connection in
                [
                    try connection.queryAll(
                        """
                        EXPLAIN QUERY PLAN SELECT id, severity, alert_count, last_alert_at FROM incidents
                        WHERE fingerprint = ? AND status IN ('new', 'in_progress', 'on_hold')
                        ORDER BY number DESC LIMIT 1
                        """, [.text("fp")]
                    ) { $0.text(3) },
                    try connection.queryAll(
                        """
                        EXPLAIN QUERY PLAN SELECT source_ref, id, rule_id FROM suppressed_alerts
                        WHERE source = ? AND source_ref IN (SELECT value FROM json_each(?))
                        """, [.text("generic"), .text("[\"a\"]")]
                    ) { $0.text(3) },
                ]
            }
            await store.close()
            #expect(
                plans[0].contains { $0.contains("USING INDEX incidents_open_fingerprint (fingerprint=?)") },
                "\(plans[0])")
            #expect(!plans[0].contains { $0.contains("TEMP B-TREE") }, "no sort for the tie-break: \(plans[0])")
            #expect(plans[1].contains { $0.contains("USING INDEX sqlite_autoindex_suppressed_alerts") }, "\(plans[1])")
        }
    }

    @Test("Reopening the file keeps the data and numbering")
    func reopenKeepsData() async throws {
        try await withTemporaryDirectory { directory in
            let fixtures = AlertMaker()
            var store = try await openStore(in: directory)
            let first = try await store.ingest(
                [fixtures.alert("a", fingerprint: "fp1")], policy: GroupingPolicy(),
                now: Date(timeIntervalSince1970: 1_700_000_000))
            await store.close()

            store = try await openStore(in: directory, ids: SequentialIDGenerator(start: 1_000))
            let incident = try await store.incident(id: try #require(first.first).incident)
            #expect(incident.number == 1)
            #expect(try await store.pendingJobCount() == 1)
            let second = try await store.ingest(
                [fixtures.alert("b", fingerprint: "fp2")], policy: GroupingPolicy(),
                now: Date(timeIntervalSince1970: 1_700_000_001))
            let secondIncident = try #require(second.first).incident
            #expect(try await store.incident(id: secondIncident).number == 2)
            await store.close()
        }
    }

    @Test("Readers see the last commit while a write transaction is open")
    func concurrentReadersDuringWrite() async throws {
        try await withTemporaryDirectory { directory in
            let store = try await openStore(in: directory)
            let (entered, enteredContinuation) = AsyncStream<Void>.makeStream()
            let release = DispatchSemaphore(value: 0)
            async let writing: Void = store.write { connection in
                try connection.run(
                    "INSERT INTO users (id, name, role, password_hash, created_at) VALUES ('user_1', 'alice', 'admin', 'x', 0)")
                enteredContinuation.yield()
                // Hold the write transaction open until the readers are done.
                release.wait()
            }
            var iterator = entered.makeAsyncIterator()
            _ = await iterator.next()
            let counts = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<12 { group.addTask { try await store.userCount() } }
                var counts: [Int] = []
                for try await count in group { counts.append(count) }
                return counts
            }
            #expect(counts == Array(repeating: 0, count: 12), "readers are not blocked and see the committed state")
            release.signal()
            try await writing
            #expect(try await store.userCount() == 1)
            await store.close()
        }
    }

    @Test("Cancelling the task stops a running read")
    func cancelledReadStops() async throws {
        try await withTemporaryDirectory { directory in
            let store = try await openStore(in: directory, configuration: SQLiteConfiguration(readerCount: 1))
            let (started, startedContinuation) = AsyncStream<Void>.makeStream()
            let endless = Task {
                try await store.read { connection in
                    startedContinuation.yield()
                    // Never ends on its own.
                    return try connection.queryOne(
                        "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT count(*) FROM n"
                    ) { $0.int(0) }
                }
            }
            var iterator = started.makeAsyncIterator()
            _ = await iterator.next()
            endless.cancel()
            let result = await endless.result
            #expect(throws: CancellationError.self) { try result.get() }
            // The single reader connection went back to the pool and works.
            #expect(try await store.userCount() == 0)
            await store.close()
        }
    }

    @Test("A write closure that throws rolls back all its changes")
    func failedWriteRollsBack() async throws {
        struct Injected: Error {}
        try await withTemporaryDirectory { directory in
            let store = try await openStore(in: directory)
            let fixtures = AlertMaker()
            let error = await #expect(throws: RiposteError.self) {
                try await store.write { connection in
                    try connection.run(
                        "INSERT INTO users (id, name, role, password_hash, created_at) VALUES ('user_1', 'alice', 'admin', 'x', 0)"
                    )
                    throw Injected()
                }
            }
            #expect(error?.code == .internal && error?.underlying is Injected, "foreign errors become .internal")
            #expect(try await store.userCount() == 0)
            // A constraint failure on the last row of an ingest batch rolls back the earlier rows.
            await #expect(throws: RiposteError.self) {
                try await store.ingest(
                    [
                        fixtures.alert("a", fingerprint: "fp1"), fixtures.alert("b", fingerprint: "fp2", id: "alert_SAME"),
                        fixtures.alert("c", fingerprint: "fp3", id: "alert_SAME"),
                    ],
                    policy: GroupingPolicy(), now: Date(timeIntervalSince1970: 1_700_000_000))
            }
            let counts = try await store.read { connection in
                try ["incidents", "alerts", "observables", "timeline_events", "jobs"].map { table in
                    try connection.queryOne("SELECT count(*) FROM \(table)") { $0.int(0) } ?? -1
                }
            }
            #expect(counts == [0, 0, 0, 0, 0])
            await store.close()
        }
    }

    @Test("An oversized ingest batch is invalid")
    func oversizedBatch() async throws {
        try await withTemporaryDirectory { directory in
            let store = try await openStore(in: directory, configuration: SQLiteConfiguration(maximumIngestBatch: 2))
            let fixtures = AlertMaker()
            do {
                _ = try await store.ingest(
                    ["a", "b", "c"].map { fixtures.alert($0, fingerprint: $0) }, policy: GroupingPolicy(), now: Date())
                Issue.record("expected .invalid")
            } catch let error as RiposteError {
                #expect(error.code == .invalid)
            }
            await store.close()
        }
    }

    @Test("JSON text round-trips every kind of value and escapes what it must")
    func jsonText() throws {
        let value = JSONValue.object([
            ("z", .string("quote \" backslash \\ newline \n tab \t nul \u{0} bell \u{07} line-sep \u{2028}")),
            ("a", .array([.null, .bool(true), .bool(false), .number(0), .number(-12), .number(1.5), .number(1e-7)])),
            ("emoji", .string("é 😀 日本")), ("nested", .object([("empty", .object([])), ("list", .array([]))])),
        ])
        let text = JSONText.encode(value)
        #expect(!text.contains("\n") && !text.contains("\u{0}"))
        #expect(try JSONText.decode(text) == value)
        #expect(
            try JSONText.decode(#" { "a" : [1, 2.5e3, "\ud83d\ude00\/"] } "#)
                == .object([("a", .array([.number(1), .number(2500), .string("😀/")]))]))
        for bad in ["", "{", "[1,]", "{\"a\":}", "01", "\"\\ud800\"", "tru", "1 2", "\"\u{01}\""] {
            #expect(throws: (any Error).self, "\(bad)") { try JSONText.decode(bad) }
        }
    }
}

/// Minimal alerts for adapter tests.
struct AlertMaker: Sendable {
    let ids = SequentialIDGenerator(start: 500_000)

    func alert(_ ref: String, fingerprint: String, id: String? = nil) -> PreparedAlert {
        let draft = AlertDraft(
            source: "generic", sourceRef: ref, title: "Alert \(ref)", severity: .medium, time: nil,
            observables: [ObservableDraft(type: .ipv4, normalizedValue: "192.0.2.1")], raw: Array("{}".utf8),
            parserVersion: 1)
        return PreparedAlert(id: id.map { AlertID(rawValue: $0) } ?? ids.next(), draft: draft, fingerprint: fingerprint)
    }
}

func expectUnavailable<T>(sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> T) async {
    do {
        _ = try await body()
        Issue.record("expected .unavailable", sourceLocation: sourceLocation)
    } catch let error as RiposteError {
        #expect(error.code == .unavailable, "\(error)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected RiposteError, got \(error)", sourceLocation: sourceLocation)
    }
}
