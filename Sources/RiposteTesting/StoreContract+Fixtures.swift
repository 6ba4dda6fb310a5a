// Test data for the store contract: fixed times, deterministic alert ids, and alert and error helpers.
import FoundationEssentials
public import RiposteCore
import Testing

/// Builds the alerts, times and ids the contract checks use.
struct StoreContractFixtures: Sendable {
    /// A whole-millisecond instant, so it round-trips through any store exactly.
    static let t0 = Date(timeIntervalSince1970: 1_700_000_000)

    /// `t0` plus `seconds`.
    static func at(_ seconds: Double) -> Date { Date(timeIntervalSince1970: 1_700_000_000 + seconds) }

    /// Alert, job, user and token ids come from here; the store makes its own for what it creates.
    let ids = SequentialIDGenerator(start: 1_000_000)

    static func ip(_ text: String) -> ObservableDraft { ObservableDraft(type: .ipv4, normalizedValue: text) }
    static func domain(_ text: String) -> ObservableDraft { ObservableDraft(type: .domain, normalizedValue: text) }
    static func user(_ text: String) -> ObservableDraft { ObservableDraft(type: .username, normalizedValue: text) }

    func alert(
        ref: String, source: String = "generic", title: String = "Suspicious login", severity: Severity = .medium,
        fingerprint: String = "fp-default", observables: [ObservableDraft] = [], time: Date? = nil, id: AlertID? = nil
    ) -> PreparedAlert {
        let draft = AlertDraft(
            source: source, sourceRef: ref, title: title, severity: severity, time: time,
            rule: DetectionRule(uid: "rule-\(fingerprint)", name: "Rule for \(fingerprint)", category: "test"),
            sourceEndpoint: Endpoint(ip: "198.51.100.10", port: 51515, hostname: "laptop-7"),
            destinationEndpoint: Endpoint(ip: "203.0.113.5", port: 443, hostname: nil), hostName: "laptop-7",
            userName: "alice", observables: observables, raw: Array("{\"ref\":\"\(ref)\",\"q\":\"\\u00e9\"}".utf8),
            parserVersion: 3)
        return PreparedAlert(id: id ?? ids.next(), draft: draft, fingerprint: fingerprint)
    }

    /// Ingests one alert and returns its outcome.
    @discardableResult
    func ingest(
        _ store: any RiposteStore, _ alert: PreparedAlert, now: Date, policy: GroupingPolicy = GroupingPolicy()
    ) async throws -> IngestOutcome {
        let outcomes = try await store.ingest([alert], policy: policy, now: now)
        return try #require(outcomes.first)
    }
}

/// Checks that `body` throws a `RiposteError` with `code`.
func expectError<T>(
    _ code: RiposteError.Code, _ what: String, sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () async throws -> T
) async {
    do {
        _ = try await body()
        Issue.record("\(what): expected a \(code) error, but it succeeded", sourceLocation: sourceLocation)
    } catch let error as RiposteError {
        #expect(error.code == code, "\(what): expected \(code), got \(error)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("\(what): expected a RiposteError \(code), got \(error)", sourceLocation: sourceLocation)
    }
}

/// A suppressed alert has no incident; a check that expects one reads it through this.
struct MissingIncident: Error, CustomStringConvertible {
    var alert: AlertID
    var description: String { "alert \(alert) has no incident (suppressed)" }
}

extension IngestOutcome {
    /// The incident the alert opened or joined. - Throws: `MissingIncident` (failing the test) when suppressed.
    public var incident: IncidentID {
        get throws {
            guard let incidentID else { throw MissingIncident(alert: alertID) }
            return incidentID
        }
    }
}
