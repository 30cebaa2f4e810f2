import PostgresNIO
import TaskManagerCore
import TaskManagerStore

extension PostgresTaskStore {
    public func updateProgress(_ claim: ClaimCheck, progress: Int32, message: String, then: @escaping StoreCompletion<Task>) {
        answer(then) { db in
            let task = try await self.requireClaim(db, claim)
            // Moving progress restarts the stall clock, clears a stall already marked, and adds a point to the
            // progress rate (`ProgressRate`). Every report renews the lease.
            let lease = task.leaseEnd(nowMs: claim.nowMs, defaultLeaseMs: claim.defaultLeaseMs)
            let moved = progress != task.progress
            let rate = moved ? task.rateState.adding(progress: progress, atMs: claim.nowMs).rate : task.progressRate
            try await db.query("""
                UPDATE tasks SET progress = \(Int64(progress)), progress_message = \(message.isEmpty ? nil : message),
                                 updated_at_ms = \(claim.nowMs), lease_expires_at_ms = \(lease),
                                 progress_changed_at_ms = \(moved ? claim.nowMs : task.progressChangedAtMs),
                                 progress_rate = \(PostgresTaskRow.rateValue(rate)),
                                 stalled_since_ms = \(moved ? nil : task.stalledSinceMs)
                WHERE id = \(claim.id)
                """, logger: self.logger)
            let text = message.isEmpty ? "Progress: \(progress)%" : "Progress: \(progress)% - \(message)"
            try await self.appendEvent(db, taskID: claim.id, change: HistoryEntry.Change.progressUpdate,
                                       workerID: claim.workerID, message: text, nowMs: claim.nowMs)
            return try await self.reread(claim.id, db)
        }
    }

    public func heartbeat(_ claim: ClaimCheck, then: @escaping StoreCompletion<Task>) {
        answer(then) { db in
            let task = try await self.requireClaim(db, claim)
            let lease = task.leaseEnd(nowMs: claim.nowMs, defaultLeaseMs: claim.defaultLeaseMs)
            try await db.query("""
                UPDATE tasks SET updated_at_ms = \(claim.nowMs), lease_expires_at_ms = \(lease) WHERE id = \(claim.id)
                """, logger: self.logger)
            return try await self.reread(claim.id, db)
        }
    }

    public func completeTask(_ claim: ClaimCheck, resultJSON: String, then: @escaping StoreCompletion<Task>) {
        answer(then) { db in
            // A requested cancel does not stop a completion: the work is done.
            let task = try await self.requireClaim(db, claim)
            let ending = Ending(status: .completed, resultJSON: resultJSON, errorMessage: task.errorMessage,
                                stalledSinceMs: task.stalledSinceMs, leaseExpiredAttempt: 0)
            return try await self.finish(db, task, ending, nowMs: claim.nowMs, events: [
                (HistoryEntry.Change.completed, "Task completed successfully"),
            ])
        }
    }

    public func failTask(
        _ claim: ClaimCheck, error: String, jitter: Double, then: @escaping StoreCompletion<(task: Task, retried: Bool)>
    ) {
        answer(then) { db in
            let task = try await self.requireClaim(db, claim)
            let nowMs = claim.nowMs
            if task.cancelRequested {
                let reason = task.cancelReason.isEmpty ? "requested" : task.cancelReason
                let ending = Ending(status: .cancelled, resultJSON: "", errorMessage: error,
                                    stalledSinceMs: task.stalledSinceMs, leaseExpiredAttempt: 0)
                return (try await self.finish(db, task, ending, nowMs: nowMs, events: [
                    (HistoryEntry.Change.cancelled, "Task cancelled: \(reason)"),
                ]), false)
            }
            if task.attempts < task.maxAttempts {
                let delayMs = task.retryBackoff.delayMs(afterAttempt: task.attempts, jitter: jitter)
                let retried = try await self.release(db, task, runAtMs: Self.adding(delayMs, to: nowMs), errorMessage: error,
                                                     leaseExpiredAttempt: 0, nowMs: nowMs,
                                                     event: (HistoryEntry.Change.retry, "Task failed: \(error)"))
                return (retried, true)
            }
            let ending = Ending(status: .failed, resultJSON: "", errorMessage: error, stalledSinceMs: task.stalledSinceMs,
                                leaseExpiredAttempt: 0)
            return (try await self.finish(db, task, ending, nowMs: nowMs, events: [
                (HistoryEntry.Change.failed, "Task failed: \(error)"),
            ]), false)
        }
    }

    /// The task `id` as its row reads now; it must exist.
    func reread(_ id: Int64, _ db: PostgresConnection) async throws -> Task {
        guard let task = try await PostgresTaskRow.fetch(id: id, db, self) else { throw Self.vanished }
        return task
    }
}
