import TaskManagerCore

extension SQLiteTaskStore {
    public func reapExpiredLeases(nowMs: Int64) async throws -> [Task] {
        try await write { db in
            let ids = try db.prepare(Self.expiredLeases).rows([nowMs]) { $0.int64(at: 0) }
            return try ids.map { id in
                _ = try self.endExpiredLease(db, id: id, nowMs: nowMs)
                guard let task = try TaskRow.fetch(id: id, in: db) else { throw Self.vanished }
                return task
            }
        }
    }

    /// The ids of the claimed tasks whose lease ended before `?1`, earliest first.
    static let expiredLeases = """
        SELECT id FROM tasks INDEXED BY tasks_leases WHERE status = 'claimed' AND lease_expires_at_ms < ?1 ORDER BY lease_expires_at_ms, id
        """

    /// Ends the expired lease of the claimed task `id`: the one code path of the reaper and of claims.
    ///
    /// Cancelled when a cancel was requested; else failed with "lease expired" when no attempts are left; else
    /// back to pending, claimable at once. In every case the attempt is recorded as expired, so its worker's
    /// later calls get "Lease lost".
    /// - Returns: the task's new status.
    func endExpiredLease(_ db: SQLiteConnection, id: Int64, nowMs: Int64) throws -> TaskStatus {
        let row = try db.prepare("SELECT claimed_by, attempts, max_attempts, cancel_requested FROM tasks WHERE id = ?")
            .firstRow([id]) {
                (worker: $0.string(at: 0), attempts: $0.int32(at: 1), maxAttempts: $0.int32(at: 2),
                 cancelRequested: $0.bool(at: 3))
            }
        guard let row else { throw Self.vanished }
        let status: TaskStatus
        if row.cancelRequested {
            status = .cancelled
        } else if row.attempts >= row.maxAttempts {
            status = .failed
        } else {
            status = .pending
        }
        // Shared by all three outcomes: the lease is gone and the attempt it belonged to is marked expired.
        let common = """
            lease_expired_attempt = attempts, lease_expires_at_ms = NULL, stalled_since_ms = NULL, updated_at_ms = ?1
            """
        switch status {
        case .cancelled:
            try db.prepare("UPDATE tasks SET status = 'cancelled', completed_at_ms = ?1, \(common) WHERE id = ?2")
                .run([nowMs, id])
            try addHistory(db, taskID: id, change: HistoryEntry.Change.cancelled, workerID: row.worker,
                           message: "Task cancelled: lease expired", nowMs: nowMs)
        case .failed:
            try db.prepare("""
                UPDATE tasks SET status = 'failed', error_message = 'lease expired', completed_at_ms = ?1, \(common)
                WHERE id = ?2
                """).run([nowMs, id])
            try addLeaseExpiredHistory(db, taskID: id, worker: row.worker, nowMs: nowMs)
            try addHistory(db, taskID: id, change: HistoryEntry.Change.failed, workerID: row.worker,
                           message: "Task failed: lease expired", nowMs: nowMs)
        default:
            try db.prepare("""
                UPDATE tasks SET status = 'pending', claimed_by = NULL, claimed_at_ms = NULL, progress = 0,
                                 progress_message = NULL, run_at_ms = ?1, \(common)
                WHERE id = ?2
                """).run([nowMs, id])
            try addLeaseExpiredHistory(db, taskID: id, worker: row.worker, nowMs: nowMs)
        }
        return status
    }

    private func addLeaseExpiredHistory(_ db: SQLiteConnection, taskID: Int64, worker: String?, nowMs: Int64) throws {
        try addHistory(db, taskID: taskID, change: HistoryEntry.Change.leaseExpired, workerID: worker,
                       message: "Lease of \(worker ?? "") expired", nowMs: nowMs)
    }
}
