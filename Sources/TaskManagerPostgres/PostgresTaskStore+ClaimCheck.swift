import PostgresNIO
import TaskManagerCore
import TaskManagerStore

extension PostgresTaskStore {
    /// Locks the task's row and checks `claim` in the order `ClaimCheck` documents: the task exists; the attempt
    /// (when given) is current and its lease did not expire; the task is claimed; by `claim.workerID`.
    ///
    /// - Throws: `.taskNotFound`, `.leaseLost`, `.taskNotClaimed` or `.claimedByAnotherWorker`.
    func requireClaim(_ db: PostgresConnection, _ claim: ClaimCheck) async throws -> PostgresClaimedRow {
        var binds = PostgresBindings()
        binds.append(claim.id)
        guard let row = try await firstRow(db, PostgresQuery(unsafeSQL: PostgresClaimedRow.select, binds: binds)) else {
            throw TaskManagerError.taskNotFound
        }
        let task = try PostgresClaimedRow.read(row)
        if claim.attempt > 0, claim.attempt != task.attempts || task.leaseExpiredAttempt == claim.attempt {
            throw TaskManagerError.leaseLost
        }
        guard task.status == TaskStatus.claimed.name else { throw TaskManagerError.taskNotClaimed }
        guard task.claimedBy == claim.workerID else { throw TaskManagerError.claimedByAnotherWorker }
        return task
    }
}
