import PostgresNIO
import TaskManagerCore
import TaskManagerStore

extension PostgresTaskStore {
    typealias Ending = TaskEnding

    /// Finishes the claimed task `task` (whose row is locked) with `ending`, and appends `events` as history.
    ///
    /// - Returns: the task as its row now reads.
    func finish(_ db: PostgresConnection, _ task: PostgresClaimedRow, _ ending: Ending, nowMs: Int64,
                events: [(change: String, message: String)]) async throws -> Task {
        try await db.query("""
            UPDATE tasks SET status = \(ending.status.name),
                             result_json = \(ending.resultJSON.isEmpty ? nil : ending.resultJSON),
                             error_message = \(ending.errorMessage.isEmpty ? nil : ending.errorMessage),
                             completed_at_ms = \(nowMs), updated_at_ms = \(nowMs), lease_expires_at_ms = NULL,
                             stalled_since_ms = \(ending.stalledSinceMs),
                             lease_expired_attempt = \(ending.leaseExpiredAttempt > 0 ? Int64(ending.leaseExpiredAttempt) : nil)
            WHERE id = \(task.id)
            """, logger: logger)
        for event in events {
            try await appendEvent(db, taskID: task.id, change: event.change, workerID: task.claimedBy,
                                  message: event.message, nowMs: nowMs)
        }
        return try await reread(task.id, db)
    }

    /// Puts the claimed task `task` back in pending, claimable from `runAtMs`, with history `event`.
    ///
    /// - Returns: the task as its row now reads.
    func release(_ db: PostgresConnection, _ task: PostgresClaimedRow, runAtMs: Int64, errorMessage: String,
                 leaseExpiredAttempt: Int32, nowMs: Int64, event: (change: String, message: String)) async throws -> Task {
        try await db.query("""
            UPDATE tasks SET status = 'pending', error_message = \(errorMessage.isEmpty ? nil : errorMessage),
                             claimed_by = NULL, claimed_at_ms = NULL, progress = 0, progress_message = NULL,
                             updated_at_ms = \(nowMs), lease_expires_at_ms = NULL, stalled_since_ms = NULL,
                             run_at_ms = \(runAtMs),
                             lease_expired_attempt = \(leaseExpiredAttempt > 0 ? Int64(leaseExpiredAttempt) : nil)
            WHERE id = \(task.id)
            """, logger: logger)
        try await appendEvent(db, taskID: task.id, change: event.change, workerID: task.claimedBy, message: event.message,
                              nowMs: nowMs)
        return try await reread(task.id, db)
    }

    /// Appends one `task_history` row (when history is on); inside the transaction of the change.
    func appendEvent(_ db: PostgresConnection, taskID: Int64, change: String, workerID: String?, message: String,
                     nowMs: Int64) async throws {
        guard recordHistory else { return }
        try await db.query("""
            INSERT INTO task_history (task_id, status_change, worker_id, message, created_at_ms)
            VALUES (\(taskID), \(change), \(workerID), \(message), \(nowMs))
            """, logger: logger)
    }
}
