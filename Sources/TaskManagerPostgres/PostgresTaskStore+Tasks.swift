import PostgresNIO
import TaskManagerCore
import TaskManagerStore

extension PostgresTaskStore {
    public func createTask(_ new: NewTask, then: @escaping StoreCompletion<(task: Task, deduplicated: Bool)>) {
        let insert = Self.insertStatement(new, history: recordHistory)
        grouped({ result in
            // No row: a task has this dedupe key, read after the batch.
            guard case .success(nil) = result else { return then(result.map { ($0!, false) }) }
            self.answer(then) { db in try await self.existingTask(new, db) }
        }, run: { db in try await self.execute(insert, as: InsertStatement.self, on: db) },
        decode: { rows in try rows.first.map(PostgresTaskRow.read) })
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
        if let created = try await firstRow(db, Self.insertStatement(new, history: recordHistory)) {
            return (try PostgresTaskRow.read(created), false)
        }
        return try await existingTask(new, db)
    }

    /// The task with `new`'s dedupe key, which an insert found.
    private func existingTask(_ new: NewTask, _ db: PostgresConnection) async throws -> (task: Task, deduplicated: Bool) {
        guard let existing = try await PostgresTaskRow.fetch(dedupeKey: new.dedupeKey, db, self) else { throw Self.vanished }
        return (existing, true)
    }

    /// One statement that inserts `new` with its history entry `created` and returns the task's row; no row when
    /// a task with its dedupe key exists (a concurrent insert of the same key makes it wait for that commit).
    static func insertStatement(_ new: NewTask, history: Bool) -> PostgresQuery {
        var insert = PostgresQueryBuilder()
        let now = insert.bind(new.nowMs)
        insert.sql = """
            WITH t AS (
                INSERT INTO tasks (type_id, status, params_json, dedupe_key, priority, progress, attempts, max_attempts,
                                   created_at_ms, updated_at_ms, run_at_ms, retry_backoff_base_ms, retry_backoff_cap_ms,
                                   created_by)
                VALUES (\(insert.bind(new.typeID)), 'pending', \(insert.bind(new.paramsJSON)), \(insert.bind(new.dedupeKey)),
                        \(insert.bind(Int64(new.priority))), 0, 0, \(insert.bind(Int64(new.maxAttempts))), \(now), \(now),
                        \(insert.bind(max(new.runAtMs, 0))), \(insert.bind(new.retryBackoff.baseMs)),
                        \(insert.bind(new.retryBackoff.capMs)), \(insert.bind(new.createdBy)))
                ON CONFLICT (dedupe_key) DO NOTHING
                RETURNING *)
            """
 insert.sql += """
            , h AS (INSERT INTO task_history (task_id, status_change, worker_id, message, created_at_ms)
                    SELECT t.id, \(insert.bind(HistoryEntry.Change.created)), NULL, 'Task created', \(now) FROM t
                    WHERE \(insert.bind(history)))
            """
        insert.sql += " SELECT " + PostgresTaskRow.columns + " FROM t JOIN task_types tt ON tt.id = t.type_id"
        return insert.query
    }

    enum InsertStatement: PostgresStatementKind {
        static let sql = insertStatement(
            NewTask(typeID: 0, paramsJSON: "", priority: 0, dedupeKey: "", maxAttempts: 0, nowMs: 0), history: true).sql
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
