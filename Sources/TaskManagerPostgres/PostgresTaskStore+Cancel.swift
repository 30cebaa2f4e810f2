import PostgresNIO
import TaskManagerCore
import TaskManagerStore

extension PostgresTaskStore {
    public func cancelTask(id: Int64, reason: String, nowMs: Int64) async throws -> Task {
        try await transaction { db in
            var binds = PostgresBindings()
            binds.append(id)
            guard let row = try await self.firstRow(db, PostgresQuery(unsafeSQL: PostgresClaimedRow.select, binds: binds))
            else { throw TaskManagerError.taskNotFound }
            let task = try PostgresClaimedRow.read(row)
            switch task.status {
            case TaskStatus.pending.name:
                try await db.query("""
                    UPDATE tasks SET status = 'cancelled', cancel_reason = \(reason.isEmpty ? nil : reason),
                                     completed_at_ms = \(nowMs), updated_at_ms = \(nowMs)
                    WHERE id = \(id)
                    """, logger: self.logger)
                try await self.appendEvent(db, taskID: id, change: HistoryEntry.Change.cancelled, workerID: nil,
                                           message: reason.isEmpty ? "Task cancelled" : "Task cancelled: \(reason)",
                                           nowMs: nowMs)
            case TaskStatus.claimed.name:
                // Only the first request counts; its worker learns of it and fails the task, or its lease ends it.
                guard !task.cancelRequested else { break }
                try await db.query("""
                    UPDATE tasks SET cancel_requested = TRUE, cancel_reason = \(reason.isEmpty ? nil : reason),
                                     updated_at_ms = \(nowMs)
                    WHERE id = \(id)
                    """, logger: self.logger)
                try await self.appendEvent(db, taskID: id, change: HistoryEntry.Change.cancelRequested, workerID: nil,
                                           message: reason.isEmpty ? "Cancel requested" : "Cancel requested: \(reason)",
                                           nowMs: nowMs)
            default:
                throw TaskManagerError.taskFinished
            }
            return try await self.reread(id, db)
        }
    }
}
