import TaskManagerCore

extension SQLiteTaskStore {
    public func events(afterID: Int64, taskID: Int64?, type: String?, limit: Int) async throws -> [TaskEvent] {
        try await read { db in
            var sql = """
                SELECT h.id, h.task_id, h.status_change, h.worker_id, h.message, h.created_at_ms FROM task_history h
                """
            var values: [(any SQLiteBindable)?] = [afterID]
            var conditions = ["h.id > ?", "h.visible = 1"]
            if let taskID {
                conditions.append("h.task_id = ?")
                values.append(taskID)
            }
            if let type {
                sql += " JOIN tasks t ON t.id = h.task_id JOIN task_types tt ON tt.id = t.type_id"
                conditions.append(type.contains("%") ? "tt.name LIKE ?" : "tt.name = ?")
                values.append(type)
            }
            sql += " WHERE " + conditions.joined(separator: " AND ") + " ORDER BY h.id ASC LIMIT ?"
            values.append(limit)
            let entries = try db.prepare(sql).rows(values, Self.readEntry)
            // One snapshot per task for the whole batch: the state after its last entry here.
            var tasks: [Int64: Task] = [:]
            for id in Set(entries.map(\.taskID)) {
                tasks[id] = try TaskRow.fetch(id: id, in: db)
            }
            tasks = self.live.withLock { live in
                tasks.mapValues { task in
                    var task = task
                    live.overlay(&task)
                    return task
                }
            }
            return entries.compactMap { entry in tasks[entry.taskID].map { TaskEvent(entry: entry, task: $0) } }
        }
    }

    public func lastHistoryID() async throws -> Int64 {
        try await read { db in
            try db.prepare("SELECT COALESCE(MAX(id), 0) FROM task_history").firstRow { $0.int64(at: 0) } ?? 0
        }
    }

    /// The history entry in the current row of a statement selecting
    /// `id, task_id, status_change, worker_id, message, created_at_ms`.
    static func readEntry(_ row: SQLiteStatement) -> HistoryEntry {
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
