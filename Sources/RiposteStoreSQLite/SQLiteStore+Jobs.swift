// JobQueue: durable jobs with leases. A claimed job is leased; a worker that dies lets the lease lapse
// and the job is claimed again.
package import FoundationEssentials
package import RiposteCore

extension SQLiteStore {
    package func enqueue(_ jobs: [Job]) async throws {
        guard !jobs.isEmpty else { return }
        try await write { connection in
            for job in jobs {
                try connection.run(
                    "INSERT INTO jobs (id, kind, payload, run_at, attempts, dead) VALUES (?, ?, ?, ?, ?, 0)",
                    [
                        .text(job.id.rawValue), .text(job.kind), .text(JSONText.encode(job.payload)), .date(job.runAt),
                        .int(job.attempts),
                    ])
            }
        }
    }

    package func claim(limit: Int, now: Date, lease: Duration) async throws -> [Job] {
        try await claim(kinds: nil, limit: limit, now: now, lease: lease)
    }

    package func claim(kinds: [String], limit: Int, now: Date, lease: Duration) async throws -> [Job] {
        guard !kinds.isEmpty else { return [] }
        return try await claim(kinds: Optional(kinds), limit: limit, now: now, lease: lease)
    }

    private func claim(kinds: [String]?, limit: Int, now: Date, lease: Duration) async throws -> [Job] {
        guard limit >= 1 else { return [] }
        // ?1–?3 are fixed; the kinds follow as ?4, ?5, …
        let kindFilter =
            kinds.map { kinds in
                " AND kind IN (" + kinds.indices.map { "?\($0 + 4)" }.joined(separator: ", ") + ")"
            } ?? ""
        let kindValues = (kinds ?? []).map { SQLiteValue.text($0) }
        let nowMillis = now.unixMilliseconds
        let leaseMillis = lease.components.seconds * 1000 + lease.components.attoseconds / 1_000_000_000_000_000
        return try await write { connection in
            // The subquery walks jobs_due (live jobs by run_at) and skips leased ones.
            var claimed = try connection.queryAll(
                """
                UPDATE jobs SET lease_until = ?1, attempts = attempts + 1
                WHERE id IN (
                    SELECT id FROM jobs
                    WHERE dead = 0 AND run_at <= ?2 AND (lease_until IS NULL OR lease_until < ?2)\(kindFilter)
                    ORDER BY run_at, id LIMIT ?3)
                RETURNING id, kind, payload, run_at, attempts
                """,
                [.integer(nowMillis + leaseMillis), .integer(nowMillis), .int(limit)] + kindValues
            ) { row -> Job in
                let payload: JSONValue
                do {
                    payload = try JSONText.decode(row.text(2))
                } catch {
                    throw CorruptRowError(table: "jobs", column: "payload", value: row.text(2))
                }
                // `attempts` counts claims before this one.
                return Job(
                    id: JobID(rawValue: row.text(0)), kind: row.text(1), payload: payload, runAt: row.date(3),
                    attempts: row.int(4) - 1)
            }
            // RETURNING has no defined order: restore oldest first.
            claimed.sort { ($0.runAt, $0.id) < ($1.runAt, $1.id) }
            return claimed
        }
    }

    package func complete(_ ids: [JobID]) async throws {
        guard !ids.isEmpty else { return }
        try await write { connection in
            for id in ids { try connection.run("DELETE FROM jobs WHERE id = ?", [.text(id.rawValue)]) }
        }
    }

    package func fail(_ id: JobID, error: String, retryAt: Date?) async throws {
        try await write { connection in
            // An unknown id changes nothing, as in `complete`.
            try connection.run(
                """
                UPDATE jobs SET last_error = ?, lease_until = NULL, run_at = coalesce(?, run_at), dead = ?
                WHERE id = ?
                """,
                [.text(error), .date(retryAt), .int(retryAt == nil ? 1 : 0), .text(id.rawValue)])
        }
    }

    package func pendingJobCount() async throws -> Int {
        try await read { connection in
            try connection.queryOne("SELECT count(*) FROM jobs WHERE dead = 0") { $0.int(0) } ?? 0
        }
    }
}
