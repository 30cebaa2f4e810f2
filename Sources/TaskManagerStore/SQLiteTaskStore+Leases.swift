import TaskManagerCore

extension SQLiteTaskStore {
    public func reapExpiredLeases(nowMs: Int64) async throws -> [Task] {
        try await write { db in
            try self.live.withLock { $0.expiredLeases(of: nil, nowMs: nowMs) }.map { id in
                try self.endExpiredLease(db, id: id, nowMs: nowMs)
            }
        }
    }

    /// Ends the expired lease of the claimed task `id`: the one code path of the reaper and of claims.
    ///
    /// Cancelled when a cancel was requested; else failed with "lease expired" when no attempts are left; else
    /// back to pending, claimable at once. In every case the attempt is recorded as expired, so its worker's
    /// later calls get "Lease lost".
    /// - Returns: the task as it is afterwards.
    func endExpiredLease(_ db: SQLiteConnection, id: Int64, nowMs: Int64) throws -> Task {
        let (found, state) = live.withLock { ($0.tasks[id], $0.claims[id]) }
        guard let task = found, let claim = state else { throw Self.vanished }
        let expired = "Lease of \(claim.workerID) expired"
        if claim.cancelRequested {
            let ending = Ending(status: .cancelled, resultJSON: "", errorMessage: claim.errorMessage, stalledSinceMs: nil,
                                leaseExpiredAttempt: task.attempts)
            return try finish(db, task, claim, ending, nowMs: nowMs, events: [
                (HistoryEntry.Change.cancelled, "Task cancelled: lease expired"),
            ])
        }
        if task.attempts >= task.maxAttempts {
            let ending = Ending(status: .failed, resultJSON: "", errorMessage: "lease expired", stalledSinceMs: nil,
                                leaseExpiredAttempt: task.attempts)
            return try finish(db, task, claim, ending, nowMs: nowMs, events: [
                (HistoryEntry.Change.leaseExpired, expired), (HistoryEntry.Change.failed, "Task failed: lease expired"),
            ])
        }
        return try release(db, task, claim, runAtMs: nowMs, errorMessage: claim.errorMessage,
                           leaseExpiredAttempt: task.attempts, nowMs: nowMs,
                           event: (HistoryEntry.Change.leaseExpired, expired))
    }
}
