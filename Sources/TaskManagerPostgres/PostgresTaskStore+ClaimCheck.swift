import PostgresNIO
import TaskManagerCore
import TaskManagerStore

extension PostgresTaskStore {
    /// Locks the task's row and checks `claim` (`checkClaim`).
    ///
    /// - Throws: `.taskNotFound`, `.leaseLost`, `.taskNotClaimed` or `.claimedByAnotherWorker`.
    func requireClaim(_ db: PostgresConnection, _ claim: ClaimCheck) async throws -> PostgresClaimedRow {
        var binds = PostgresBindings()
        binds.append(claim.id)
        guard let row = try await firstRow(db, PostgresQuery(unsafeSQL: PostgresClaimedRow.select, binds: binds)) else {
            throw TaskManagerError.taskNotFound
        }
        let task = try PostgresClaimedRow.read(row)
        try Self.checkClaim(claim, status: task.status, attempts: task.attempts, leaseExpiredAttempt: task.leaseExpiredAttempt,
                            claimedBy: task.claimedBy)
        return task
    }

    /// Checks `claim` against a task's row in the order `ClaimCheck` documents: the attempt (when given) is current
    /// and its lease did not expire; the task is claimed; by `claim.workerID`. `claimCondition` is the same test in
    /// SQL.
    ///
    /// - Throws: `.leaseLost`, `.taskNotClaimed` or `.claimedByAnotherWorker`.
    static func checkClaim(_ claim: ClaimCheck, status: String, attempts: Int32, leaseExpiredAttempt: Int32?,
                           claimedBy: String) throws {
        if claim.attempt > 0, claim.attempt != attempts || leaseExpiredAttempt == claim.attempt {
            throw TaskManagerError.leaseLost
        }
        guard status == TaskStatus.claimed.name else { throw TaskManagerError.taskNotClaimed }
        guard claimedBy == claim.workerID else { throw TaskManagerError.claimedByAnotherWorker }
    }

    /// `checkClaim` as an SQL condition on the row `c` (with the columns of `PostgresClaimedWrite`), its values bound
    /// in `builder`.
    static func claimCondition(_ claim: ClaimCheck, _ builder: inout PostgresQueryBuilder) -> String {
        claimCondition(worker: builder.bind(claim.workerID), attempt: builder.bind(Int64(claim.attempt)))
    }

    /// `checkClaim` as an SQL condition on the row `c`, with the worker and the attempt as SQL expressions.
    static func claimCondition(worker: String, attempt: String) -> String {
        "c.status = 'claimed' AND c.claimed_by = \(worker) AND (\(attempt) = 0 OR "
            + "(\(attempt) = c.attempts AND c.lease_expired_attempt IS DISTINCT FROM \(attempt)))"
    }
}
