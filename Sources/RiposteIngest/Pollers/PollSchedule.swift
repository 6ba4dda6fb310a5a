// When a poller runs next: its interval with jitter after a success, exponential back-off after
// failures, and never sooner than a server's Retry-After.

/// The timing of one poller. Pure: the random draw is passed in, so tests pick it.
package struct PollSchedule: Sendable, Equatable {
    /// The time between the end of one successful poll and the start of the next.
    package var interval: Duration
    /// The spread around `interval`, as a fraction (0.1 = ±10 %), so many Riposte nodes or pollers
    /// started together do not hit a SIEM in step.
    package var jitter: Double
    /// The delay after the first failure; doubled after each further one.
    package var initialBackoff: Duration
    /// The longest delay after failures (a Retry-After may ask for more, up to `maxRetryAfter`).
    package var maxBackoff: Duration
    /// The longest Retry-After honoured, so a wrong header cannot stop a poller for days.
    package var maxRetryAfter: Duration

    package init(
        interval: Duration, jitter: Double = 0.1, initialBackoff: Duration = .seconds(5), maxBackoff: Duration = .seconds(900),
        maxRetryAfter: Duration = .seconds(3600)
    ) {
        self.interval = interval
        self.jitter = min(max(jitter, 0), 0.5)
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
        self.maxRetryAfter = maxRetryAfter
    }

    /// The delay after a successful poll; `random` is a draw in `0..<1`.
    package func delayAfterSuccess(random: Double) -> Duration {
        Self.milliseconds(interval * (1 + jitter * (2 * random - 1)))
    }

    /// `duration` rounded to whole milliseconds, so delays compare exactly.
    private static func milliseconds(_ duration: Duration) -> Duration {
        let (seconds, attoseconds) = duration.components
        return .milliseconds(seconds * 1000 + Int64((Double(attoseconds) / 1e15).rounded()))
    }

    /// The delay after the `failures`-th failure in a row (1 for the first), at least `retryAfter`
    /// (capped at `maxRetryAfter`) when the server sent one.
    package func delayAfterFailure(failures: Int, retryAfter: Duration?, random: Double) -> Duration {
        var delay = initialBackoff
        for _ in 1..<max(failures, 1) where delay < maxBackoff { delay = delay * 2 }
        delay = Self.milliseconds(min(delay, maxBackoff) * (1 + jitter * (2 * random - 1)))
        if let retryAfter { delay = max(delay, min(retryAfter, maxRetryAfter)) }
        return delay
    }
}
