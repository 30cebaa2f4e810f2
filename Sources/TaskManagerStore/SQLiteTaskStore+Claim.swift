import TaskManagerCore

extension SQLiteTaskStore {
    public func claimTask(_ query: ClaimQuery) async throws -> Task? {
        try await write { db in
            let sql = ClaimSQL(query)

            // (a) Stale claims with no attempts left fail for good, so they are never handed out again.
            let expired = try db.prepare(sql.failExpired).rows(ClaimSQL.failExpiredValues(query)) {
                (id: $0.int64(at: 0), worker: $0.string(at: 1))
            }
            for task in expired {
                try self.addHistory(db, taskID: task.id, change: HistoryEntry.Change.failed, workerID: task.worker,
                                    message: "Task failed: lease expired", nowMs: query.nowMs)
            }

            // (b) The first pending task or stale claim, in the requested order.
            let picked = try db.prepare(sql.pick).firstRow(ClaimSQL.pickValues(query)) {
                (id: $0.int64(at: 0), status: $0.string(at: 1), previousWorker: $0.string(at: 2))
            }
            guard let picked else { return nil }

            // (c) Taking over a stale claim is recorded against the worker that lost it.
            if picked.status == TaskStatus.claimed.name {
                let previous = picked.previousWorker
                try self.addHistory(db, taskID: picked.id, change: HistoryEntry.Change.claimTimeout, workerID: previous,
                                    message: "Claim by \(previous ?? "") timed out", nowMs: query.nowMs)
            }

            // (d) The claim itself: a new attempt, with progress starting over.
            try db.prepare("""
                UPDATE tasks SET status = 'claimed', claimed_by = ?, claimed_at_ms = ?, attempts = attempts + 1,
                                 progress = 0, progress_message = NULL, updated_at_ms = ?
                WHERE id = ?
                """).run([query.workerID, query.nowMs, query.nowMs, picked.id])
            try self.addHistory(db, taskID: picked.id, change: HistoryEntry.Change.claimed, workerID: query.workerID,
                                message: "Task claimed by worker", nowMs: query.nowMs)
            guard let task = try TaskRow.fetch(id: picked.id, in: db) else { throw Self.vanished }
            return task
        }
    }

    /// `EXPLAIN QUERY PLAN` of the statement that picks a task for `query`; for tests of index use.
    func claimQueryPlan(_ query: ClaimQuery) async throws -> [String] {
        try await withConnection { db in try db.queryPlan(ClaimSQL(query).pick) }
    }
}
