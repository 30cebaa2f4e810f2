import TaskManagerCore

extension SQLiteTaskStore {
    public func claimTask(_ query: ClaimQuery) async throws -> Task? {
        try await write { db in
            let pick = ClaimSQL(query).pick
            // Each turn either claims, returns nil, or ends one expired lease (which then no longer matches),
            // so the loop ends.
            while true {
                let picked = try db.prepare(pick).firstRow(ClaimSQL.pickValues(query)) {
                    (id: $0.int64(at: 0), status: $0.string(at: 1))
                }
                guard let picked else { return nil }
                if picked.status == TaskStatus.claimed.name {
                    // An expired lease ends exactly as the reaper ends it; only a task back in pending is claimable.
                    let status = try self.endExpiredLease(db, id: picked.id, nowMs: query.nowMs)
                    guard status == .pending else { continue }
                }
                return try self.claim(db, id: picked.id, query: query)
            }
        }
    }

    /// Claims the pending task `id` for `query.workerID`: a new attempt with a fresh lease, progress starting over.
    ///
    /// Progress 0 at `progress_changed_at_ms` = now with `progress_rate` NULL is `ProgressRate.claimed(atMs:)`:
    /// the first point of the attempt, with no rate and so no ETA yet.
    private func claim(_ db: SQLiteConnection, id: Int64, query: ClaimQuery) throws -> Task {
        try db.prepare("""
            UPDATE tasks SET status = 'claimed', claimed_by = ?1, claimed_at_ms = ?2, attempts = attempts + 1,
                             progress = 0, progress_message = NULL, updated_at_ms = ?2,
                             lease_expires_at_ms = ?2 + \(TaskRow.leaseMs(defaultParameter: "?3")),
                             progress_changed_at_ms = ?2, progress_rate = NULL, stalled_since_ms = NULL,
                             lease_expired_attempt = NULL, cancel_requested = 0, cancel_reason = NULL
            WHERE id = ?4
            """).run([query.workerID, query.nowMs, query.defaultLeaseMs, id])
        try addHistory(db, taskID: id, change: HistoryEntry.Change.claimed, workerID: query.workerID,
                       message: "Task claimed by worker", nowMs: query.nowMs)
        guard let task = try TaskRow.fetch(id: id, in: db) else { throw Self.vanished }
        return task
    }

    /// `EXPLAIN QUERY PLAN` of the statement that picks a task for `query`; for tests of index use.
    func claimQueryPlan(_ query: ClaimQuery) async throws -> [String] {
        try await withConnection { db in try db.queryPlan(ClaimSQL(query).pick) }
    }

    public func nextDueTime(_ query: ClaimQuery) async throws -> Int64? {
        try await read { db in
            try db.prepare(ClaimSQL(query).nextDue).firstRow(ClaimSQL.pickValues(query)) { $0.isNull(at: 0) ? nil : $0.int64(at: 0) } ?? nil
        }
    }
}
