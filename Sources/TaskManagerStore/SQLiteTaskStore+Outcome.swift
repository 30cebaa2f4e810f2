import TaskManagerCore

extension SQLiteTaskStore {
    public func updateProgress(id: Int64, workerID: String, progress: Int32, message: String, nowMs: Int64) async throws
        -> Task
    {
        try await write { db in
            _ = try Self.requireClaim(db, id: id, workerID: workerID)
            try db.prepare("UPDATE tasks SET progress = ?, progress_message = ?, updated_at_ms = ? WHERE id = ?")
                .run([progress, message.isEmpty ? nil : message, nowMs, id])
            let text = message.isEmpty ? "Progress: \(progress)%" : "Progress: \(progress)% - \(message)"
            try self.addHistory(db, taskID: id, change: HistoryEntry.Change.progressUpdate, workerID: workerID,
                                message: text, nowMs: nowMs)
            guard let task = try TaskRow.fetch(id: id, in: db) else { throw Self.vanished }
            return task
        }
    }

    public func completeTask(id: Int64, workerID: String, resultJSON: String, nowMs: Int64) async throws -> Task {
        try await write { db in
            _ = try Self.requireClaim(db, id: id, workerID: workerID)
            try db.prepare("""
                UPDATE tasks SET status = 'completed', result_json = ?, completed_at_ms = ?, updated_at_ms = ? WHERE id = ?
                """).run([resultJSON.isEmpty ? nil : resultJSON, nowMs, nowMs, id])
            try self.addHistory(db, taskID: id, change: HistoryEntry.Change.completed, workerID: workerID,
                                message: "Task completed successfully", nowMs: nowMs)
            guard let task = try TaskRow.fetch(id: id, in: db) else { throw Self.vanished }
            return task
        }
    }

    public func failTask(id: Int64, workerID: String, error: String, nowMs: Int64) async throws
        -> (task: Task, retried: Bool)
    {
        try await write { db in
            let claim = try Self.requireClaim(db, id: id, workerID: workerID)
            let retried = claim.attempts < claim.maxAttempts
            if retried {
                try db.prepare("""
                    UPDATE tasks SET status = 'pending', error_message = ?, claimed_by = NULL, claimed_at_ms = NULL,
                                     progress = 0, progress_message = NULL, updated_at_ms = ?
                    WHERE id = ?
                    """).run([error, nowMs, id])
            } else {
                try db.prepare("""
                    UPDATE tasks SET status = 'failed', error_message = ?, completed_at_ms = ?, updated_at_ms = ? WHERE id = ?
                    """).run([error, nowMs, nowMs, id])
            }
            try self.addHistory(db, taskID: id, change: retried ? HistoryEntry.Change.retry : HistoryEntry.Change.failed,
                                workerID: workerID, message: "Task failed: \(error)", nowMs: nowMs)
            guard let task = try TaskRow.fetch(id: id, in: db) else { throw Self.vanished }
            return (task, retried)
        }
    }

    /// Checks, in this order, that the task exists, is claimed, and is claimed by `workerID`.
    ///
    /// - Returns: the task's attempts so far and its maximum.
    /// - Throws: `.taskNotFound`, `.taskNotClaimed` or `.claimedByAnotherWorker`.
    private static func requireClaim(_ db: SQLiteConnection, id: Int64, workerID: String) throws
        -> (attempts: Int32, maxAttempts: Int32)
    {
        let row = try db.prepare("SELECT status, claimed_by, attempts, max_attempts FROM tasks WHERE id = ?").firstRow([id]) {
            (status: $0.string(at: 0), claimedBy: $0.string(at: 1), attempts: $0.int32(at: 2), maxAttempts: $0.int32(at: 3))
        }
        guard let row else { throw TaskManagerError.taskNotFound }
        guard row.status == TaskStatus.claimed.name else { throw TaskManagerError.taskNotClaimed }
        guard row.claimedBy == workerID else { throw TaskManagerError.claimedByAnotherWorker }
        return (row.attempts, row.maxAttempts)
    }
}
