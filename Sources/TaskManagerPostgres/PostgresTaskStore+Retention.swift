import PostgresNIO
import TaskManagerCore
import TaskManagerStore

extension PostgresTaskStore {
    public func deleteFinishedTasks(finishedBeforeMs: Int64, limit: Int) async throws -> Int {
        guard limit > 0 else { return 0 }
        return try await transaction { db in
            // History rows go by ON DELETE CASCADE.
            let row = try await self.firstRow(db, """
                WITH deleted AS (
                    DELETE FROM tasks WHERE id IN (
                        SELECT id FROM tasks
                        WHERE status IN ('completed', 'failed', 'cancelled') AND completed_at_ms < \(finishedBeforeMs)
                        LIMIT \(Int64(limit)) FOR UPDATE SKIP LOCKED)
                    RETURNING 1)
                SELECT COUNT(*) FROM deleted
                """)
            return Int(try row?.decode(Int64.self) ?? 0)
        }
    }
}
