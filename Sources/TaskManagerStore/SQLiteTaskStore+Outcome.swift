import TaskManagerCore

extension SQLiteTaskStore {
    public func updateProgress(_ claim: ClaimCheck, progress: Int32, message: String) async throws -> Task {
        try await write { db in
            let claimed = try Self.requireClaim(db, claim)
            // Moving progress restarts the stall clock, clears a stall already marked, and adds a point to the
            // progress rate (`ProgressRate`): the new point is (progress, now). One UPDATE renews the lease too:
            // every statement on the row costs a row rewrite.
            let moved = progress != claimed.progress
            let rate = moved ? claimed.progressRate?.adding(progress: progress, atMs: claim.nowMs).rate : nil
            try db.prepare("""
                UPDATE tasks SET lease_expires_at_ms = ?1 + \(TaskRow.leaseMs(defaultParameter: "?2")), updated_at_ms = ?1,
                                 progress = ?4, progress_message = ?5,
                                 progress_changed_at_ms = CASE WHEN ?6 THEN ?1 ELSE progress_changed_at_ms END,
                                 stalled_since_ms = CASE WHEN ?6 THEN NULL ELSE stalled_since_ms END,
                                 progress_rate = CASE WHEN ?6 THEN ?7 ELSE progress_rate END
                WHERE id = ?3
                """).run([claim.nowMs, claim.defaultLeaseMs, claim.id, progress, message.isEmpty ? nil : message, moved,
                          TaskRow.progressRateValue(rate)])
            let text = message.isEmpty ? "Progress: \(progress)%" : "Progress: \(progress)% - \(message)"
            try self.addHistory(db, taskID: claim.id, change: HistoryEntry.Change.progressUpdate,
                                workerID: claim.workerID, message: text, nowMs: claim.nowMs)
            guard let task = try TaskRow.fetch(id: claim.id, in: db) else { throw Self.vanished }
            return task
        }
    }

    public func heartbeat(_ claim: ClaimCheck) async throws -> Task {
        try await write { db in
            _ = try Self.requireClaim(db, claim)
            try Self.renewLease(db, claim)
            guard let task = try TaskRow.fetch(id: claim.id, in: db) else { throw Self.vanished }
            return task
        }
    }

    public func completeTask(_ claim: ClaimCheck, resultJSON: String) async throws -> Task {
        try await write { db in
            // A requested cancel does not stop a completion: the work is done.
            _ = try Self.requireClaim(db, claim)
            try db.prepare("""
                UPDATE tasks SET status = 'completed', result_json = ?1, completed_at_ms = ?2, updated_at_ms = ?2,
                                 lease_expires_at_ms = NULL
                WHERE id = ?3
                """).run([resultJSON.isEmpty ? nil : resultJSON, claim.nowMs, claim.id])
            try self.addHistory(db, taskID: claim.id, change: HistoryEntry.Change.completed, workerID: claim.workerID,
                                message: "Task completed successfully", nowMs: claim.nowMs)
            guard let task = try TaskRow.fetch(id: claim.id, in: db) else { throw Self.vanished }
            return task
        }
    }

    public func failTask(_ claim: ClaimCheck, error: String, jitter: Double) async throws
        -> (task: Task, retried: Bool)
    {
        try await write { db in
            let claimed = try Self.requireClaim(db, claim)
            let nowMs = claim.nowMs
            let retried: Bool
            if claimed.cancelRequested {
                retried = false
                try db.prepare("""
                    UPDATE tasks SET status = 'cancelled', error_message = ?1, completed_at_ms = ?2, updated_at_ms = ?2,
                                     lease_expires_at_ms = NULL
                    WHERE id = ?3
                    """).run([error, nowMs, claim.id])
                let reason = claimed.cancelReason.flatMap { $0.isEmpty ? nil : $0 } ?? "requested"
                try self.addHistory(db, taskID: claim.id, change: HistoryEntry.Change.cancelled,
                                    workerID: claim.workerID, message: "Task cancelled: \(reason)", nowMs: nowMs)
            } else if claimed.attempts < claimed.maxAttempts {
                retried = true
                let delayMs = claimed.retryBackoff.delayMs(afterAttempt: claimed.attempts, jitter: jitter)
                try db.prepare("""
                    UPDATE tasks SET status = 'pending', error_message = ?1, claimed_by = NULL, claimed_at_ms = NULL,
                                     progress = 0, progress_message = NULL, updated_at_ms = ?2,
                                     lease_expires_at_ms = NULL, stalled_since_ms = NULL, run_at_ms = ?3
                    WHERE id = ?4
                    """).run([error, nowMs, Self.adding(delayMs, to: nowMs), claim.id])
                try self.addHistory(db, taskID: claim.id, change: HistoryEntry.Change.retry, workerID: claim.workerID,
                                    message: "Task failed: \(error)", nowMs: nowMs)
            } else {
                retried = false
                try db.prepare("""
                    UPDATE tasks SET status = 'failed', error_message = ?1, completed_at_ms = ?2, updated_at_ms = ?2,
                                     lease_expires_at_ms = NULL
                    WHERE id = ?3
                    """).run([error, nowMs, claim.id])
                try self.addHistory(db, taskID: claim.id, change: HistoryEntry.Change.failed, workerID: claim.workerID,
                                    message: "Task failed: \(error)", nowMs: nowMs)
            }
            guard let task = try TaskRow.fetch(id: claim.id, in: db) else { throw Self.vanished }
            return (task, retried)
        }
    }

    /// `time + delay`, saturating at `Int64.max` instead of trapping (a backoff may be `Int64.max`).
    private static func adding(_ delayMs: Int64, to time: Int64) -> Int64 {
        let (sum, overflow) = time.addingReportingOverflow(delayMs)
        return overflow ? Int64.max : sum
    }
}
