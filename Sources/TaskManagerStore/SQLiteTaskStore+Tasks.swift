import TaskManagerCore

extension SQLiteTaskStore {
    public func createTask(_ new: NewTask, then: @escaping StoreCompletion<(task: Task, deduplicated: Bool)>) {
        write({ db in try self.insertTask(new, db) }, then: then)
    }

    public func createTasks(_ tasks: [NewTask]) async throws -> [Result<(task: Task, deduplicated: Bool), TaskManagerError>] {
        try await write { db in
            try tasks.map { new in
                // A savepoint per item: an item that fails is rolled back alone. Memory changes only after an
                // item's rows are written, so a failed item leaves it as it was.
                try db.run(Self.savepointItem)
                do {
                    let created = try self.insertTask(new, db)
                    try db.run(Self.releaseItem)
                    return .success(created)
                } catch {
                    // The whole transaction is gone (SQLITE_FULL, ...): the job fails as a whole.
                    guard !db.isAutocommit, let mapped = Self.mapError(error) as? TaskManagerError else { throw error }
                    try db.run(Self.rollbackToItem)
                    try db.run(Self.releaseItem)
                    return .failure(mapped)
                }
            }
        }
    }

    /// The savepoint of one item of `CreateTasks`.
    private static let savepointItem = SQL("SAVEPOINT item")
    private static let releaseItem = SQL("RELEASE item")
    private static let rollbackToItem = SQL("ROLLBACK TO item")

    /// Inserts a pending task unless its dedupe key exists.
    private static let insertTaskSQL = SQL("""
        INSERT INTO tasks (type_id, status, params_json, dedupe_key, priority, progress, attempts, max_attempts,
                           created_at_ms, updated_at_ms, run_at_ms, retry_backoff_base_ms, retry_backoff_cap_ms, created_by)
        VALUES (?, 'pending', ?, ?, ?, 0, 0, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (dedupe_key) DO NOTHING
        """)

    /// Inserts `new` (history `created`), or returns the task with its dedupe key; inside a write transaction.
    private func insertTask(_ new: NewTask, _ db: SQLiteConnection) throws -> (task: Task, deduplicated: Bool) {
        // The UNIQUE index answers the dedupe check and the insert in one search, under the write lock.
        try db.prepare(Self.insertTaskSQL).run([
            new.typeID, new.paramsJSON, new.dedupeKey, new.priority, new.maxAttempts, new.nowMs, new.nowMs,
            max(new.runAtMs, 0), new.retryBackoff.baseMs, new.retryBackoff.capMs, new.createdBy,
        ])
        guard db.changes > 0 else {
            guard var existing = try TaskRow.fetch(dedupeKey: new.dedupeKey, in: db) else { throw Self.vanished }
            live.withLock { $0.overlay(&existing) }
            return (existing, true)
        }
        let id = db.lastInsertRowID
        if recordHistory {
            try TaskEventRow(taskID: id, change: HistoryEntry.Change.created, message: "Task created", nowMs: new.nowMs,
                             visible: true).append(to: db)
        }
        let typeName = try self.typeName(new.typeID, db)
        let task = LiveTask(
            id: id, typeID: new.typeID, priority: new.priority, createdAtMs: new.nowMs, maxAttempts: new.maxAttempts,
            retryBackoff: new.retryBackoff, isClaimed: false, attempts: 0, runAtMs: max(new.runAtMs, 0),
            leaseExpiredAttempt: 0, updatedAtMs: new.nowMs, hasHiddenEvents: false)
        live.withLock { $0.insertPending(task, nowMs: new.nowMs) }
        var created = Task()
        created.id = id
        created.type = typeName
        created.typeID = new.typeID
        created.status = .pending
        created.priority = new.priority
        created.maxAttempts = new.maxAttempts
        created.createdAtMs = new.nowMs
        created.updatedAtMs = new.nowMs
        created.paramsJSON = new.paramsJSON
        created.dedupeKey = new.dedupeKey
        created.runAtMs = max(new.runAtMs, 0)
        created.createdBy = new.createdBy
        return (created, false)
    }

    /// The name of the type `id`, from memory, or from the database for a type memory does not know yet.
    func typeName(_ id: Int64, _ db: SQLiteConnection) throws -> String {
        if let name = live.withLock({ $0.types[id]?.name }) { return name }
        return try db.prepare("SELECT name FROM task_types WHERE id = ?").firstRow([id]) { $0.string(at: 0) ?? "" } ?? ""
    }

    public func task(id: Int64) async throws -> Task? {
        // A claimed task is all in memory; the row of any other is exact.
        if let claimed = live.withLock({ $0.claimedTask(id) }) { return claimed }
        guard var task = try await lookup({ db in try TaskRow.fetch(id: id, in: db) }) else { return nil }
        live.withLock { $0.overlay(&task) }
        return task
    }

    public func taskNow(id: Int64) throws -> ImmediateRead<Task?> {
        if let claimed = live.withLock({ $0.claimedTask(id) }) { return .value(claimed) }
        guard let row = try lookupNow({ db in try TaskRow.fetch(id: id, in: db) }) else { return .wouldWait }
        guard var task = row else { return .value(nil) }
        live.withLock { $0.overlay(&task) }
        return .value(task)
    }

    public func listTasks(_ filter: TaskFilter) async throws -> (tasks: [Task], total: Int64) {
        if filter.stalledOnly { return try await listStalledTasks(filter) }
        var (tasks, total) = try await read { db in
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
            let whereSQL = clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND ")
            let tasks = try db.prepare(TaskRow.select + whereSQL + " ORDER BY t.created_at_ms DESC, t.id DESC LIMIT ? OFFSET ?")
                .rows(values + [filter.limit, filter.offset], TaskRow.read)
            let total = try db.prepare("SELECT COUNT(*) FROM tasks t JOIN task_types tt ON tt.id = t.type_id" + whereSQL)
                .firstRow(values) { $0.int64(at: 0) } ?? 0
            return (tasks, total)
        }
        live.withLock { live in
            for index in tasks.indices { live.overlay(&tasks[index]) }
        }
        return (tasks, total)
    }

    /// A listing of stalled tasks: all claimed, so all in memory.
    private func listStalledTasks(_ filter: TaskFilter) async throws -> (tasks: [Task], total: Int64) {
        if let status = filter.status, status != .unspecified, status != .claimed { return ([], 0) }
        var typeIDs: Set<Int64>?
        if let type = filter.type {
            typeIDs = Set(try await read { db in try Self.typeIDs(matching: type, like: type.contains("%"), db) })
        }
        var matching = live.withLock { live in
            live.claims.compactMap { id, claim -> Task? in
                guard claim.stalledSinceMs != nil, filter.claimedBy.map({ $0 == claim.workerID }) ?? true,
                      let task = live.tasks[id], typeIDs.map({ $0.contains(task.typeID) }) ?? true else { return nil }
                return live.makeTask(task, claim)
            }
        }
        matching.sort { ($0.createdAtMs, $0.id) > ($1.createdAtMs, $1.id) }
        let page = matching.dropFirst(filter.offset).prefix(filter.limit)
        return (Array(page), Int64(matching.count))
    }

    /// The ids of the types whose name is `type`, or matches it as an SQL LIKE pattern when `like`.
    static func typeIDs(matching type: String, like: Bool, _ db: SQLiteConnection) throws -> [Int64] {
        try db.prepare("SELECT id FROM task_types WHERE name \(like ? "LIKE" : "=") ?").rows([type]) { $0.int64(at: 0) }
    }
}
