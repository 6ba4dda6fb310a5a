// The enrichment provider protocol: one observable (type and value) in, one answer out.
package import FoundationEssentials
package import RiposteCore
import RiposteRuntime
import Synchronization

/// Something that knows about values: DNS, RDAP, a GeoIP database, a reputation service.
///
/// A provider only fetches and summarises; caching, rate limits, verdict bookkeeping and storage
/// are the `Enricher`'s. Providers are pure apart from their one lookup, so their parsing is
/// unit-tested against the vendors' documented sample documents.
package protocol EnrichmentProvider: Sendable {
    /// The stable name results are stored under (`virustotal`).
    var name: String { get }
    /// The observable types it can answer about.
    var supportedTypes: Set<ObservableType> { get }
    /// True when a lookup sends the value to a third party (reputation services, RDAP).
    var sendsDataOutside: Bool { get }
    /// Looks `key` up within `timeout`.
    /// - Throws: `EnrichmentRateLimited` when the provider says to slow down; anything else is a
    ///   failure of this lookup only.
    func lookup(_ key: EnrichmentKey, timeout: Duration) async throws -> EnrichmentAnswer
}

/// What a provider found out about one value.
package struct EnrichmentAnswer: Sendable, Hashable {
    package var status: EnrichmentRecord.Status
    /// A JSON object of summary fields.
    package var summary: JSONValue
    /// The verdict this answer supports, if any, and why.
    package var verdict: Verdict?
    package var reason: String?

    package init(status: EnrichmentRecord.Status, summary: JSONValue, verdict: Verdict? = nil, reason: String? = nil) {
        self.status = status
        self.summary = summary
        self.verdict = verdict
        self.reason = reason
    }

    /// Nothing known (a 404, an empty answer).
    package static let notFound = EnrichmentAnswer(status: .notFound, summary: .object([]))
}

/// The provider asked us to slow down (HTTP 429); its remaining work waits at least `retryAfter`.
package struct EnrichmentRateLimited: Error, Sendable, Equatable, CustomStringConvertible {
    package var retryAfter: Duration?
    package init(retryAfter: Duration?) { self.retryAfter = retryAfter }
    package var description: String {
        "rate limited" + (retryAfter.map { " (retry after \($0.components.seconds) s)" } ?? "")
    }
}

/// How one provider is run.
package struct ProviderSettings: Sendable, Hashable {
    /// Whole-lookup timeout.
    package var timeout: Duration
    /// Token-bucket rate (lookups per minute; also the burst); nil for no limit.
    package var ratePerMinute: Double?
    /// How long an answer is reused before the provider is asked again.
    package var ttl: Duration
    /// The types it is asked about: the provider's supported types, or a subset.
    package var types: Set<ObservableType>?
    /// Lookups in flight at once for this provider.
    package var concurrency: Int

    package init(
        timeout: Duration = .seconds(10), ratePerMinute: Double? = nil, ttl: Duration = .seconds(86_400),
        types: Set<ObservableType>? = nil, concurrency: Int = 4
    ) {
        self.timeout = timeout
        self.ratePerMinute = ratePerMinute
        self.ttl = ttl
        self.types = types
        self.concurrency = max(1, concurrency)
    }
}

/// A token bucket over an injected time: `capacity` tokens, refilled at `ratePerMinute`.
package final class TokenBucket: Sendable {
    package let ratePerMinute: Double
    package let capacity: Double
    private let state: Mutex<(tokens: Double, last: Date?)>

    package init(ratePerMinute: Double, capacity: Double? = nil) {
        precondition(ratePerMinute > 0, "a token bucket needs a positive rate")
        self.ratePerMinute = ratePerMinute
        self.capacity = max(1, capacity ?? ratePerMinute)
        state = Mutex((self.capacity, nil))
    }

    /// Takes one token at `now`: nil when granted, else how long until one is available.
    package func take(now: Date) -> Duration? {
        state.withLock { state in
            refill(&state, now: now)
            if state.tokens >= 1 {
                state.tokens -= 1
                return nil
            }
            return Self.milliseconds((1 - state.tokens) * 60_000 / ratePerMinute)
        }
    }

    /// How long from `now` until `count` tokens (at most the capacity) are available.
    package func wait(for count: Int, now: Date) -> Duration {
        state.withLock { state in
            refill(&state, now: now)
            let needed = min(Double(count), capacity) - state.tokens
            guard needed > 0 else { return .zero }
            return Self.milliseconds(needed * 60_000 / ratePerMinute)
        }
    }

    /// Whole milliseconds, rounded up, ignoring floating-point noise below a microsecond.
    private static func milliseconds(_ value: Double) -> Duration { .milliseconds(Int64((value - 0.001).rounded(.up))) }

    private func refill(_ state: inout (tokens: Double, last: Date?), now: Date) {
        if let last = state.last, now > last {
            state.tokens = min(capacity, state.tokens + now.timeIntervalSince(last) * ratePerMinute / 60)
        }
        if state.last == nil || now > state.last! { state.last = now }
    }
}
