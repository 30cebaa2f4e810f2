import TaskManagerCore

extension SQLiteTaskStore {
    /// What a worker's call about its task needs to know once its claim is checked.
    struct ClaimedTask {
        var attempts: Int32
        var maxAttempts: Int32
        var progress: Int32
        /// The progress rate state of the current attempt as stored; nil when `progress_changed_at_ms` is NULL.
        var progressRate: ProgressRate?
        var cancelRequested: Bool
        var cancelReason: String?
        var retryBackoff: RetryBackoff
    }

    /// Checks `claim` in the order `ClaimCheck` documents: the task exists; the attempt (when given) is current
    /// and its lease did not expire; the task is claimed; it is claimed by `claim.workerID`.
    ///
    /// - Throws: `.taskNotFound`, `.leaseLost`, `.taskNotClaimed` or `.claimedByAnotherWorker`.
    static func requireClaim(_ db: SQLiteConnection, _ claim: ClaimCheck) throws -> ClaimedTask {
        let row = try db.prepare("""
            SELECT status, claimed_by, attempts, max_attempts, lease_expired_attempt, progress, cancel_requested,
                   cancel_reason, retry_backoff_base_ms, retry_backoff_cap_ms, progress_changed_at_ms, progress_rate
            FROM tasks WHERE id = ?
            """).firstRow([claim.id]) { row in
                (status: row.string(at: 0), claimedBy: row.string(at: 1),
                 expiredAttempt: row.isNull(at: 4) ? nil : row.int32(at: 4),
                 task: ClaimedTask(
                    attempts: row.int32(at: 2), maxAttempts: row.int32(at: 3), progress: row.int32(at: 5),
                    progressRate: row.isNull(at: 10) ? nil : ProgressRate(
                        progress: row.int32(at: 5), atMs: row.int64(at: 10), rate: TaskRow.progressRate(row, at: 11)),
                    cancelRequested: row.bool(at: 6), cancelReason: row.string(at: 7),
                    retryBackoff: RetryBackoff(baseMs: row.int64(at: 8), capMs: row.int64(at: 9))))
            }
        guard let row else { throw TaskManagerError.taskNotFound }
        if claim.attempt > 0, claim.attempt != row.task.attempts || row.expiredAttempt == claim.attempt {
            throw TaskManagerError.leaseLost
        }
        guard row.status == TaskStatus.claimed.name else { throw TaskManagerError.taskNotClaimed }
        guard row.claimedBy == claim.workerID else { throw TaskManagerError.claimedByAnotherWorker }
        return row.task
    }

    /// Renews the lease of the claimed task `claim.id` from `claim.nowMs`; part of every worker call that renews.
    static func renewLease(_ db: SQLiteConnection, _ claim: ClaimCheck) throws {
        try db.prepare("""
            UPDATE tasks SET lease_expires_at_ms = ?1 + \(TaskRow.leaseMs(defaultParameter: "?2")), updated_at_ms = ?1
            WHERE id = ?3
            """).run([claim.nowMs, claim.defaultLeaseMs, claim.id])
    }
}
