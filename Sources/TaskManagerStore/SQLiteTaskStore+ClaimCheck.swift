import TaskManagerCore

extension SQLiteTaskStore {
    /// Checks `claim` in the order `ClaimCheck` documents: the task exists; the attempt (when given) is current
    /// and its lease did not expire; the task is claimed; it is claimed by `claim.workerID`. Live tasks are checked
    /// in memory; only a call about a finished or unknown task reads its row.
    ///
    /// - Returns: the task and the state of its claimed attempt.
    /// - Throws: `.taskNotFound`, `.leaseLost`, `.taskNotClaimed` or `.claimedByAnotherWorker`.
    func requireClaim(_ db: SQLiteConnection, _ claim: ClaimCheck) throws -> (task: LiveTask, claim: LiveClaim) {
        let (found, state) = live.withLock { ($0.tasks[claim.id], $0.claims[claim.id]) }
        guard let task = found else { throw try Self.claimError(ofFinished: claim, db) }
        if claim.attempt > 0, claim.attempt != task.attempts || task.leaseExpiredAttempt == claim.attempt {
            throw TaskManagerError.leaseLost
        }
        guard task.isClaimed, let state else { throw TaskManagerError.taskNotClaimed }
        guard state.workerID == claim.workerID else { throw TaskManagerError.claimedByAnotherWorker }
        return (task, state)
    }

    /// The error of a worker call about a task that is not live: unknown, or finished (not claimed, or an attempt
    /// that is over).
    private static func claimError(ofFinished claim: ClaimCheck, _ db: SQLiteConnection) throws -> TaskManagerError {
        let row = try db.prepare("SELECT attempts, lease_expired_attempt FROM tasks WHERE id = ?").firstRow([claim.id]) {
            (attempts: $0.int32(at: 0), expiredAttempt: $0.isNull(at: 1) ? nil : $0.int32(at: 1))
        }
        guard let row else { return .taskNotFound }
        if claim.attempt > 0, claim.attempt != row.attempts || row.expiredAttempt == claim.attempt { return .leaseLost }
        return .taskNotClaimed
    }

    /// The lease a claim or renewal of a task of type `typeID` grants, ending at `nowMs` + its length.
    func leaseEnd(typeID: Int64, nowMs: Int64, defaultLeaseMs: Int64) -> Int64 {
        let leaseMs = live.withLock { $0.types[typeID] }?.leaseMs(default: defaultLeaseMs) ?? defaultLeaseMs
        return Self.adding(leaseMs, to: nowMs)
    }
}
