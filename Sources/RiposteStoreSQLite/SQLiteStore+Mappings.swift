// AlertMappingStore: named declarative mappings for `?source=` names, as their JSON definitions.
package import FoundationEssentials
package import RiposteCore

extension SQLiteStore {
    package func saveAlertMapping(name: String, definition: String, now: Date) async throws -> Bool {
        try await write { connection in
            let existed =
                try connection.queryOne("SELECT 1 FROM alert_mappings WHERE name = ?", [.text(name)]) { _ in true } ?? false
            _ = try connection.run(
                """
                INSERT INTO alert_mappings (name, definition, created_at, updated_at) VALUES (?, ?, ?, ?)
                ON CONFLICT (name) DO UPDATE SET definition = excluded.definition, updated_at = excluded.updated_at
                """,
                [.text(name), .text(definition), .date(now), .date(now)])
            return !existed
        }
    }

    package func deleteAlertMapping(name: String) async throws {
        try await write { connection in
            let changed = try connection.run("DELETE FROM alert_mappings WHERE name = ?", [.text(name)])
            guard changed > 0 else { throw RiposteError.notFound("no mapping '\(name)'") }
        }
    }

    package func alertMappings() async throws -> [StoredAlertMapping] {
        try await read { connection in
            try connection.queryAll("SELECT name, definition, created_at, updated_at FROM alert_mappings ORDER BY name") {
                StoredAlertMapping(name: $0.text(0), definition: $0.text(1), createdAt: $0.date(2), updatedAt: $0.date(3))
            }
        }
    }
}
