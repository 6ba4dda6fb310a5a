// A fresh directory per test under the system temp directory, removed afterwards (GRDB's GRDBTestCase does the same).
import Foundation
import RiposteCore
import RiposteStoreSQLite
import RiposteTesting
import Testing

/// Runs `body` with a new empty directory and removes it afterwards.
func withTemporaryDirectory<T>(_ body: (String) async throws -> T) async throws -> T {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("riposte-store-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try await body(path)
}

/// Opens a store on `directory/riposte.sqlite` with deterministic ids.
func openStore(
    in directory: String, configuration: SQLiteConfiguration = SQLiteConfiguration(),
    ids: any IDGenerator = SequentialIDGenerator()
) async throws -> SQLiteStore {
    try await SQLiteStore.open(path: directory + "/riposte.sqlite", configuration: configuration, ids: ids)
}

/// Runs a contract check against a fresh SQLite store in a temporary directory.
func runContract(_ check: (StoreContract) async throws -> Void) async throws {
    try await withTemporaryDirectory { directory in
        let counter = StoreCounter()
        let contract = StoreContract(
            makeStore: {
                // A new file for each store the check asks for.
                try await openStore(in: directory + "/store-\(counter.next())")
            },
            checkIntegrity: { store in
                let violations = try await (store as? SQLiteStore)?.foreignKeyViolations()
                #expect(violations == [], "every declared reference holds")
            })
        try await check(contract)
    }
}

/// Numbers the stores one contract check opens.
final class StoreCounter: Sendable {
    private let ids = SequentialIDGenerator(start: 1)
    func next() -> String { ids.nextBody() }
}
