import PostgresNIO
import TaskManagerCore
import TaskManagerStore

extension PostgresTaskStore {
    public func createTask(_ new: NewTask, then: @escaping StoreCompletion<(task: Task, deduplicated: Bool)>) {
        answer(then) { db in try await self.insertTask(new, db) }
    }

    public func createTasks(_ tasks: [NewTask]) async throws -> [Result<(task: Task, deduplicated: Bool), TaskManagerError>] {
        try await transaction { db in
            var results: [Result<(task: Task, deduplicated: Bool), TaskManagerError>] = []
            for new in tasks {
                // A savepoint per item: an item that fails is rolled back alone.
                try await db.query("SAVEPOINT item", logger: self.logger)
                do {
                    results.append(.success(try await self.insertTask(new, db)))
                    try await db.query("RELEASE item", logger: self.logger)
                } catch {
                    guard let mapped = Self.mapError(error) as? TaskManagerError, mapped.code != .unavailable else {
                        throw error
                    }
                    self.logger.error("Task of a batch not created", metadata: ["error": "\(String(reflecting: error))"])
                    try await db.query("ROLLBACK TO item", logger: self.logger)
                    try await db.query("RELEASE item", logger: self.logger)
                    results.append(.failure(mapped))
                }
            }
            return results
        }
    }

    /// Inserts `new` (history `created`), or returns the task with its dedupe key; inside a transaction.
    private func insertTask(_ new: NewTask, _ db: PostgresConnection) async throws -> (task: Task, deduplicated: Bool) {
        let runAtMs = max(new.runAtMs, 0)
        // A concurrent insert of the same key makes this one wait for its commit, then do nothing.
        let inserted = try await firstRow(db, """
            INSERT INTO tasks (type_id, status, params_json, dedupe_key, priority, progress, attempts, max_attempts,
                               created_at_ms, updated_at_ms, run_at_ms, retry_backoff_base_ms, retry_backoff_cap_ms,
                               created_by)
            VALUES (\(new.typeID), 'pending', \(new.paramsJSON), \(new.dedupeKey), \(Int64(new.priority)), 0, 0,
                    \(Int64(new.maxAttempts)), \(new.nowMs), \(new.nowMs), \(runAtMs), \(new.retryBackoff.baseMs),
                    \(new.retryBackoff.capMs), \(new.createdBy))
            ON CONFLICT (dedupe_key) DO NOTHING
            RETURNING id
            """)
        guard let inserted else {
            guard let existing = try await PostgresTaskRow.fetch(dedupeKey: new.dedupeKey, db, self) else { throw Self.vanished }
            return (existing, true)
        }
        let id = try inserted.decode(Int64.self)
        try await appendEvent(db, taskID: id, change: HistoryEntry.Change.created, workerID: nil, message: "Task created",
                              nowMs: new.nowMs)
        guard let task = try await PostgresTaskRow.fetch(id: id, db, self) else { throw Self.vanished }
        return (task, false)
    }

    public func task(id: Int64) async throws -> Task? {
        try await transaction { db in try await PostgresTaskRow.fetch(id: id, db, self) }
    }

    public func listTasks(_ filter: TaskFilter) async throws -> (tasks: [Task], total: Int64) {
        if filter.stalledOnly, let status = filter.status, status != .unspecified, status != .claimed { return ([], 0) }
        return try await transaction { db in
            var builder = PostgresQueryBuilder()
            var clauses: [String] = []
            if let status = filter.status, status != .unspecified {
                clauses.append("t.status = " + builder.bind(status.name))
            }
            if let type = filter.type {
                clauses.append("tt.name " + Self.nameMatch(type) + " " + builder.bind(type) + Self.likeEscape(type))
            }
            if let claimedBy = filter.claimedBy {
                clauses.append("t.claimed_by = " + builder.bind(claimedBy))
            }
            if filter.stalledOnly {
                clauses.append("t.status = 'claimed' AND t.stalled_since_ms IS NOT NULL")
            }
            let whereSQL = clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND ")
            var count = builder
            count.sql = "SELECT COUNT(*) FROM tasks t JOIN task_types tt ON tt.id = t.type_id" + whereSQL
            let total = try await self.firstRow(db, count.query)?.decode(Int64.self) ?? 0
            builder.sql = PostgresTaskRow.select + whereSQL + " ORDER BY t.created_at_ms DESC, t.id DESC LIMIT "
                + builder.bind(Int64(filter.limit)) + " OFFSET " + builder.bind(Int64(filter.offset))
            let tasks = try await self.rows(db, builder.query).map(PostgresTaskRow.read)
            return (tasks, total)
        }
    }

    /// The operator that matches a type name against `type` as the SQLite store does: exact, or LIKE when it
    /// contains `%` (ASCII case-insensitive there; ILIKE here), with no escape character.
    static func nameMatch(_ type: String) -> String {
        type.contains("%") ? "ILIKE" : "="
    }

    /// `nameMatch`'s trailing clause: LIKE patterns have no escape character in SQLite.
    static func likeEscape(_ type: String) -> String {
        type.contains("%") ? " ESCAPE ''" : ""
    }
}
