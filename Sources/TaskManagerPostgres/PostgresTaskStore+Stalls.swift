import PostgresNIO
import TaskManagerCore
import TaskManagerStore

extension PostgresTaskStore {
    public func markStalledTasks(nowMs: Int64, defaultStallAfterMs: Int64) async throws -> [Task] {
        try await transaction { db in
            // As a difference, so a huge default cannot overflow; rows another call holds are left for the next pass.
            let candidates = try await self.rows(db, """
                SELECT t.id, t.claimed_by, t.progress_changed_at_ms FROM tasks t JOIN task_types tt ON tt.id = t.type_id
                WHERE t.status = 'claimed' AND t.stalled_since_ms IS NULL AND t.progress_changed_at_ms IS NOT NULL
                  AND (CASE WHEN tt.stall_after_seconds > 0 THEN tt.stall_after_seconds * 1000
                            ELSE \(defaultStallAfterMs) END) > 0
                  AND \(nowMs)::numeric - t.progress_changed_at_ms >=
                      (CASE WHEN tt.stall_after_seconds > 0 THEN tt.stall_after_seconds * 1000
                            ELSE \(defaultStallAfterMs) END)
                ORDER BY t.progress_changed_at_ms, t.id
                FOR UPDATE OF t SKIP LOCKED
                """)
            var tasks: [Task] = []
            for row in candidates {
                let (id, workerID, changedAt) = try row.decode((Int64, String?, Int64).self)
                try await db.query("""
                    UPDATE tasks SET stalled_since_ms = \(nowMs), updated_at_ms = \(nowMs) WHERE id = \(id)
                    """, logger: self.logger)
                try await self.appendEvent(db, taskID: id, change: HistoryEntry.Change.stalled, workerID: workerID,
                                           message: "No progress for \((nowMs - changedAt) / 1_000) s", nowMs: nowMs)
                tasks.append(try await self.reread(id, db))
            }
            return tasks
        }
    }
}
