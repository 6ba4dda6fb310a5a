// Port: named declarative alert mappings (`?source=NAME` for senders without a built-in parser).
public import FoundationEssentials

/// A mapping as stored: its name and JSON definition (validated before it is saved).
public struct StoredAlertMapping: Hashable, Sendable {
    public var name: String
    public var definition: String
    public var createdAt: Date
    public var updatedAt: Date

    public init(name: String, definition: String, createdAt: Date, updatedAt: Date) {
        self.name = name
        self.definition = definition
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// Named alert mappings.
public protocol AlertMappingStore: Sendable {
    /// Creates or replaces the mapping `name`; true when it was created.
    func saveAlertMapping(name: String, definition: String, now: Date) async throws -> Bool
    /// - Throws: `.notFound`.
    func deleteAlertMapping(name: String) async throws
    /// Every mapping, by name.
    func alertMappings() async throws -> [StoredAlertMapping]
}
