// Port: the durable job queue. Jobs are written with the change that causes them and survive restarts.
public import FoundationEssentials

/// Durable background jobs with leases: a job claimed by a worker that dies is claimed again later.
public protocol JobQueue: Sendable {
    /// Adds jobs in one transaction.
    func enqueue(_ jobs: [Job]) async throws
    /// Claims up to `limit` due jobs (`runAt <= now`, not leased, or leased until before `now`),
    /// oldest first, leasing them until `now + lease` and counting the attempt.
    func claim(limit: Int, now: Date, lease: Duration) async throws -> [Job]
    /// As `claim(limit:now:lease:)`, but only jobs whose kind is in `kinds` (separate workers for
    /// separate kinds: slow enrichment calls never hold up intel matching).
    func claim(kinds: [String], limit: Int, now: Date, lease: Duration) async throws -> [Job]
    /// Removes finished jobs. Unknown ids are ignored.
    func complete(_ ids: [JobID]) async throws
    /// Records a failure: retried at `retryAt`, or kept as dead (never claimed again) when nil.
    func fail(_ id: JobID, error: String, retryAt: Date?) async throws
    /// Jobs not finished and not dead.
    func pendingJobCount() async throws -> Int
}
