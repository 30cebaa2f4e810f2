import TaskManagerCore

extension SQLiteTaskStore {
    public func deleteFinishedTasks(finishedBeforeMs: Int64, limit: Int) async throws -> Int {
        // "If the LIMIT expression evaluates to a negative value, then there is no upper bound": never wanted here.
        guard limit > 0 else { return 0 }
        return try await write { db in
            try db.prepare(Self.deleteFinished).run([finishedBeforeMs, limit])
            // History rows go by ON DELETE CASCADE, which sqlite3_changes does not count: "Only changes made
            // directly by the INSERT, UPDATE or DELETE statement are considered".
            return Int(db.changes)
        }
    }

    /// Deletes up to `?2` finished tasks that finished before `?1`.
    static let deleteFinished = """
        DELETE FROM tasks WHERE id IN (
            SELECT id FROM tasks
            WHERE status IN ('completed', 'failed', 'cancelled') AND completed_at_ms < ?1
            LIMIT ?2)
        """
}
