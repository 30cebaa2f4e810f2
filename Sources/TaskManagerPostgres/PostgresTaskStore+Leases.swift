import PostgresNIO
import TaskManagerCore
import TaskManagerStore

extension PostgresTaskStore {
    public func reapExpiredLeases(nowMs: Int64) async throws -> [Task] {
        try await transaction { db in
            // Leases a claim is ending at this moment are skipped: that claim ends them.
            let expired = try await self.rows(db, """
                SELECT id FROM tasks WHERE status = 'claimed' AND lease_expires_at_ms < \(nowMs)
                ORDER BY lease_expires_at_ms, id FOR UPDATE SKIP LOCKED
                """)
            var tasks: [Task] = []
            for row in expired {
                tasks.append(try await self.endExpiredLease(db, id: try row.decode(Int64.self), nowMs: nowMs))
            }
            return tasks
        }
    }

    /// Ends the expired lease of the claimed task `id` (locked by the caller): the one code path of the reaper and
    /// of claims, as SQLite's.
    ///
    /// Cancelled when a cancel was requested; else failed with "lease expired" when no attempts are left; else
    /// back to pending, claimable at once. In every case the attempt is recorded as expired, so its worker's
    /// later calls get "Lease lost".
    /// - Returns: the task as it is afterwards.
    func endExpiredLease(_ db: PostgresConnection, id: Int64, nowMs: Int64) async throws -> Task {
        var binds = PostgresBindings()
        binds.append(id)
        guard let row = try await firstRow(db, PostgresQuery(unsafeSQL: PostgresClaimedRow.select, binds: binds)) else {
            throw Self.vanished
        }
        let task = try PostgresClaimedRow.read(row)
        let expired = "Lease of \(task.claimedBy) expired"
        if task.cancelRequested {
            let ending = Ending(status: .cancelled, resultJSON: "", errorMessage: task.errorMessage, stalledSinceMs: nil,
                                leaseExpiredAttempt: task.attempts)
            return try await finish(db, task, ending, nowMs: nowMs, events: [
                (HistoryEntry.Change.cancelled, "Task cancelled: lease expired"),
            ])
        }
        if task.attempts >= task.maxAttempts {
            let ending = Ending(status: .failed, resultJSON: "", errorMessage: "lease expired", stalledSinceMs: nil,
                                leaseExpiredAttempt: task.attempts)
            return try await finish(db, task, ending, nowMs: nowMs, events: [
                (HistoryEntry.Change.leaseExpired, expired), (HistoryEntry.Change.failed, "Task failed: lease expired"),
            ])
        }
        return try await release(db, task, runAtMs: nowMs, errorMessage: task.errorMessage,
                                 leaseExpiredAttempt: task.attempts, nowMs: nowMs,
                                 event: (HistoryEntry.Change.leaseExpired, expired))
    }
}
