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

    /// The history of the task `?1`, oldest first.
    static let historyOfTask = """
        SELECT id, task_id, status_change, worker_id, message, created_at_ms FROM task_history
        WHERE task_id = ? ORDER BY id ASC
        """

    /// Appends one history row, unless history is off. Call inside the write transaction of the change it records.
    func addHistory(_ db: SQLiteConnection, taskID: Int64, change: String, workerID: String?, message: String,
                    nowMs: Int64) throws {
        guard recordHistory else { return }
        try db.prepare("""
            INSERT INTO task_history (task_id, status_change, worker_id, message, created_at_ms) VALUES (?, ?, ?, ?, ?)
            """).run([taskID, change, workerID, message, nowMs])
    }
}
