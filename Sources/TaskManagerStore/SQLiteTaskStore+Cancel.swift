import TaskManagerCore

extension SQLiteTaskStore {
    public func cancelTask(id: Int64, reason: String, nowMs: Int64) async throws -> Task {
        try await write { db in
            let row = try db.prepare("SELECT status, cancel_requested FROM tasks WHERE id = ?").firstRow([id]) {
                (status: $0.string(at: 0).flatMap { TaskStatus(name: $0) }, cancelRequested: $0.bool(at: 1))
            }
            guard let row else { throw TaskManagerError.taskNotFound }
            let storedReason: String? = reason.isEmpty ? nil : reason
            switch row.status {
            case .pending:
                try db.prepare("""
                    UPDATE tasks SET status = 'cancelled', cancel_reason = ?1, completed_at_ms = ?2, updated_at_ms = ?2
                    WHERE id = ?3
                    """).run([storedReason, nowMs, id])
                try self.addHistory(db, taskID: id, change: HistoryEntry.Change.cancelled, workerID: nil,
                                    message: reason.isEmpty ? "Task cancelled" : "Task cancelled: \(reason)",
                                    nowMs: nowMs)
            case .claimed:
                // Only the first request counts; its worker learns of it and fails the task, or its lease ends it.
                guard !row.cancelRequested else { break }
                try db.prepare("""
                    UPDATE tasks SET cancel_requested = 1, cancel_reason = ?1, updated_at_ms = ?2 WHERE id = ?3
                    """).run([storedReason, nowMs, id])
                try self.addHistory(db, taskID: id, change: HistoryEntry.Change.cancelRequested, workerID: nil,
                                    message: reason.isEmpty ? "Cancel requested" : "Cancel requested: \(reason)",
                                    nowMs: nowMs)
            default:
                throw TaskManagerError.taskFinished
            }
            guard let task = try TaskRow.fetch(id: id, in: db) else { throw Self.vanished }
            return task
        }
    }
}
