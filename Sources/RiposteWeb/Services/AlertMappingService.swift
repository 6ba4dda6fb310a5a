// Named alert mappings: validated, stored, and live in the intake's parser registry without a restart.
import FoundationEssentials
package import RiposteCore
import RiposteIngest
package import RiposteRuntime

/// Defines `?source=` names for senders without a built-in parser, from declarative mappings.
package struct AlertMappingService: Sendable {
    let store: any AlertMappingStore
    let intake: AlertIntake
    let clock: WallClock

    package init(store: any AlertMappingStore, intake: AlertIntake, clock: WallClock) {
        self.store = store
        self.intake = intake
        self.clock = clock
    }

    /// Checks `definition` (an ``AlertMapping`` JSON object) and the name, stores it and makes it live.
    /// Returns true when the mapping was created (false: replaced).
    /// - Throws: `.invalid` for a bad name or definition (naming the field), `.conflict` for a built-in's name.
    package func save(name: String, definition: [UInt8]) async throws -> Bool {
        let mapping = try AlertMapping(json: definition)
        _ = try AlertParserRegistry().registering(name: name, mapping: mapping)
        guard let text = String(validating: definition, as: UTF8.self) else {
            throw RiposteError.invalid("the mapping is not valid UTF-8")
        }
        let created = try await store.saveAlertMapping(name: name, definition: text, now: clock.now())
        try await load()
        return created
    }

    package func delete(name: String) async throws {
        try await store.deleteAlertMapping(name: name)
        try await load()
    }

    package func mappings() async throws -> [StoredAlertMapping] { try await store.alertMappings() }

    /// Puts every stored mapping into the intake's registry (at start and after each change).
    package func load() async throws {
        var mappings: [(String, AlertMapping)] = []
        for stored in try await store.alertMappings() {
            mappings.append((stored.name, try AlertMapping(json: Array(stored.definition.utf8))))
        }
        try intake.useMappings(mappings)
    }
}
