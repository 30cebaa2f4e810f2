import TaskManagerCore

extension SQLiteTaskStore {
    public func cancelTask(id: Int64, reason: String, nowMs: Int64) async throws -> Task {
        try await write { db in
            let (found, state) = self.live.withLock { ($0.tasks[id], $0.claims[id]) }
            guard let task = found else {
                let exists = try db.prepare("SELECT 1 FROM tasks WHERE id = ?").firstRow([id]) { _ in true } ?? false
                throw exists ? TaskManagerError.taskFinished : TaskManagerError.taskNotFound
            }
            guard let claim = state else { return try self.cancelPending(db, id: id, reason: reason, nowMs: nowMs) }
            // Only the first request counts; its worker learns of it and fails the task, or its lease ends it.
            guard !claim.cancelRequested else { return self.live.withLock { $0.makeTask(task, claim) } }
            var next = claim
            next.cancelRequested = true
            next.cancelReason = reason
            try self.appendEvent(db, taskID: id, change: HistoryEntry.Change.cancelRequested, workerID: nil,
                                 message: reason.isEmpty ? "Cancel requested" : "Cancel requested: \(reason)",
                                 nowMs: nowMs, snapshot: (task.attempts, next))
            return try self.live.withLock { live in
                live.update(id, next, nowMs: nowMs)
                guard let task = live.claimedTask(id) else { throw Self.vanished }
                return task
            }
        }
    }

    /// Cancels the pending task `id` at once.
    private func cancelPending(_ db: SQLiteConnection, id: Int64, reason: String, nowMs: Int64) throws -> Task {
        try db.prepare("""
            UPDATE tasks SET status = 'cancelled', cancel_reason = ?1, completed_at_ms = ?2, updated_at_ms = ?2
            WHERE id = ?3
            """).run([reason.isEmpty ? nil : reason, nowMs, id])
        try appendEvent(db, taskID: id, change: HistoryEntry.Change.cancelled, workerID: nil,
                        message: reason.isEmpty ? "Task cancelled" : "Task cancelled: \(reason)", nowMs: nowMs)
        if live.withLock({ $0.tasks[id]?.hasHiddenEvents ?? false }) {
            try db.prepare("DELETE FROM task_history WHERE task_id = ?1 AND visible = 0").run([id])
        }
        live.withLock { $0.remove(id) }
        guard let task = try TaskRow.fetch(id: id, in: db) else { throw Self.vanished }
        return task
    }
}
