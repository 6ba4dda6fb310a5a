// Shared pieces of the poller tests: an in-memory PollerStateStore, a sink that keeps what it got,
// and a helper that expects a RiposteError.
import Foundation
import RiposteCore
import RiposteIngest
import RiposteRuntime
import Synchronization
import Testing

/// PollerStateStore in memory, with the adapters' validation; shared by two services it stands
/// for a store that survives a restart.
final class MemoryPollerStateStore: PollerStateStore {
    private let states = Mutex<[String: PollerState]>([:])

    func pollerState(named name: String) async throws -> PollerState? { states.withLock { $0[name] } }
    func pollerStates() async throws -> [PollerState] { states.withLock { $0.values.sorted { $0.name < $1.name } } }
    func savePollerState(_ state: PollerState) async throws {
        guard !state.name.isEmpty, !state.kind.isEmpty, state.itemsTotal >= 0, state.itemsLastPoll >= 0 else {
            throw RiposteError.invalid("bad poller state")
        }
        states.withLock { $0[state.name] = state }
    }
}

/// Collects every batch of drafts a poller service stores.
final class DraftSink: Sendable {
    private let batches = Mutex<[[AlertDraft]]>([])
    var all: [AlertDraft] { batches.withLock { $0.flatMap { $0 } } }
    var batchCount: Int { batches.withLock { $0.count } }
    func store(_ drafts: [AlertDraft]) { batches.withLock { $0.append(drafts) } }
}

/// The RiposteError `body` throws; records an issue when it succeeds or throws something else.
func expectRiposteError(
    _ body: () async throws -> Void, sourceLocation: SourceLocation = #_sourceLocation
) async -> RiposteError? {
    do {
        try await body()
        Issue.record("expected a RiposteError, got success", sourceLocation: sourceLocation)
    } catch let error as RiposteError {
        return error
    } catch {
        Issue.record("expected a RiposteError, got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}

/// A clock fixed at `date`.
func fixedClock(_ date: Date) -> WallClock { WallClock { date } }
