import TaskManagerCore

extension SQLiteTaskStore {
    public func history(taskID: Int64) async throws -> [HistoryEntry]? {
        try await read { db in
            guard try db.prepare("SELECT 1 FROM tasks WHERE id = ?").firstRow([taskID], { _ in true }) != nil else {
                return nil
            }
            return try db.prepare(Self.historyOfTask).rows([taskID]) { row in
                var entry = HistoryEntry()
                entry.id = row.int64(at: 0)
                entry.taskID = row.int64(at: 1)
                entry.statusChange = row.string(at: 2) ?? ""
                entry.workerID = row.string(at: 3) ?? ""
                entry.message = row.string(at: 4) ?? ""
                entry.createdAtMs = row.int64(at: 5)
                return entry
            }
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
