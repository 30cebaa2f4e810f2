import TaskManagerCore

extension SQLiteTaskStore {
    public func history(taskID: Int64) async throws -> [HistoryEntry]? {
        try await read { db in
            guard try db.prepare("SELECT 1 FROM tasks WHERE id = ?").firstRow([taskID], { _ in true }) != nil else {
                return nil
            }
            return try db.prepare(Self.historyOfTask).rows([taskID], Self.readEntry)
        }
    }

    /// The visible history of the task `?1`, oldest first.
    static let historyOfTask = """
        SELECT id, task_id, status_change, worker_id, message, created_at_ms FROM task_history
        WHERE task_id = ? AND visible = 1 ORDER BY id ASC
        """
}
