import TaskManagerCore

extension SQLiteTaskStore {
    public func createTask(_ new: NewTask) async throws -> (task: Task, deduplicated: Bool) {
        try await write { db in try self.insertTask(new, db) }
    }

    public func createTasks(_ tasks: [NewTask]) async throws -> [Result<(task: Task, deduplicated: Bool), TaskManagerError>] {
        try await write { db in
            try tasks.map { new in
                // Nested in the job's own savepoint: an item that fails is rolled back alone.
                try db.run("SAVEPOINT item")
                do {
                    let created = try self.insertTask(new, db)
                    try db.run("RELEASE item")
                    return .success(created)
                } catch {
                    // The whole transaction is gone (SQLITE_FULL, ...): the job fails as a whole.
                    guard !db.isAutocommit, let mapped = Self.mapError(error) as? TaskManagerError else { throw error }
                    try db.run("ROLLBACK TO item")
                    try db.run("RELEASE item")
                    return .failure(mapped)
                }
            }
        }
    }

    /// Inserts `new` (history `created`), or returns the task with its dedupe key; inside a write transaction.
    private func insertTask(_ new: NewTask, _ db: SQLiteConnection) throws -> (task: Task, deduplicated: Bool) {
        // Check and insert under one write lock, so a duplicate never reaches the UNIQUE constraint.
        if let existing = try TaskRow.fetch(dedupeKey: new.dedupeKey, in: db) {
            return (existing, true)
        }
        try db.prepare("""
            INSERT INTO tasks (type_id, status, params_json, dedupe_key, priority, progress, attempts, max_attempts,
                               created_at_ms, updated_at_ms, run_at_ms, retry_backoff_base_ms, retry_backoff_cap_ms)
            VALUES (?, 'pending', ?, ?, ?, 0, 0, ?, ?, ?, ?, ?, ?)
            """).run([
                new.typeID, new.paramsJSON, new.dedupeKey, new.priority, new.maxAttempts, new.nowMs, new.nowMs,
                max(new.runAtMs, 0), new.retryBackoff.baseMs, new.retryBackoff.capMs,
            ])
        let id = db.lastInsertRowID
        try self.addHistory(db, taskID: id, change: HistoryEntry.Change.created, workerID: nil,
                            message: "Task created", nowMs: new.nowMs)
        guard let task = try TaskRow.fetch(id: id, in: db) else { throw Self.vanished }
        return (task, false)
    }

    public func task(id: Int64) async throws -> Task? {
        try await lookup { db in try TaskRow.fetch(id: id, in: db) }
    }

    public func listTasks(_ filter: TaskFilter) async throws -> (tasks: [Task], total: Int64) {
        try await read { db in
            // Only fixed clause texts are joined here; every value is a bound parameter.
            var clauses: [String] = []
            var values: [(any SQLiteBindable)?] = []
            if let status = filter.status, status != .unspecified {
                clauses.append("t.status = ?")
                values.append(status.name)
            }
            if let type = filter.type {
                clauses.append(type.contains("%") ? "tt.name LIKE ?" : "tt.name = ?")
                values.append(type)
            }
            if let claimedBy = filter.claimedBy {
                clauses.append("t.claimed_by = ?")
                values.append(claimedBy)
            }
            if filter.stalledOnly {
                clauses.append("t.status = 'claimed' AND t.stalled_since_ms IS NOT NULL")
            }
            let whereSQL = clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND ")
            let tasks = try db.prepare(TaskRow.select + whereSQL + " ORDER BY t.created_at_ms DESC, t.id DESC LIMIT ? OFFSET ?")
                .rows(values + [filter.limit, filter.offset], TaskRow.read)
            let total = try db.prepare("SELECT COUNT(*) FROM tasks t JOIN task_types tt ON tt.id = t.type_id" + whereSQL)
                .firstRow(values) { $0.int64(at: 0) } ?? 0
            return (tasks, total)
        }
    }
}
