import PostgresNIO
import TaskManagerCore
import TaskManagerStore

extension PostgresTaskStore {
    public func history(taskID: Int64) async throws -> [HistoryEntry]? {
        try await transaction { db in
            guard try await self.firstRow(db, "SELECT 1 FROM tasks WHERE id = \(taskID)") != nil else { return nil }
            return try await self.rows(db, """
                SELECT id, task_id, status_change, worker_id, message, created_at_ms FROM task_history
                WHERE task_id = \(taskID) ORDER BY id ASC
                """).map(Self.readEntry)
        }
    }

    /// One task's entries are written under its row's lock, so they commit in id order. Across tasks they do not:
    /// a transaction still running may hold an id below one already committed, and a stream that moved past that
    /// id would never show its entry. So a read across tasks notes the transactions running at its snapshot (any
    /// entry below the highest id it saw and not yet visible belongs to one of them: later transactions take
    /// higher ids), waits until they have ended, and reads again up to that id.
    public func events(afterID: Int64, taskID: Int64?, type: String?, limit: Int) async throws -> [TaskEvent] {
        guard taskID == nil else {
            return try await transaction { db in
                try await self.readEvents(afterID: afterID, taskID: taskID, type: type, limit: limit, upTo: nil, db)
            }
        }
        let (events, snapshot) = try await transaction { db in
            try await db.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ", logger: self.logger)
            let snapshot = try await self.firstRow(db, "SELECT pg_current_snapshot()::text")?.decode(String.self) ?? ""
            let events = try await self.readEvents(afterID: afterID, taskID: nil, type: type, limit: limit, upTo: nil, db)
            return (events, snapshot)
        }
        // "xmin:xmax:running,…": with none running, what the read saw is final.
        guard let last = events.last?.entry?.id, !snapshot.hasSuffix(":") else { return events }
        try await waitForTransactions(runningIn: snapshot)
        return try await transaction { db in
            try await self.readEvents(afterID: afterID, taskID: nil, type: type, limit: limit, upTo: last, db)
        }
    }

    /// Returns once no transaction that was running at `snapshot` still runs (or after `callTimeout`: a stream
    /// then shows what is visible rather than wait for ever).
    private func waitForTransactions(runningIn snapshot: String) async throws {
        let started = ContinuousClock.now
        while ContinuousClock.now - started < callTimeout {
            let ended = try await transaction { db in
                try await self.firstRow(db, """
                    SELECT COALESCE(bool_and(pg_xact_status(x) IS DISTINCT FROM 'in progress'), TRUE)
                    FROM pg_snapshot_xip(\(snapshot)::pg_snapshot) x
                    """)?.decode(Bool.self) ?? true
            }
            if ended { return }
            try await _Concurrency.Task.sleep(for: .milliseconds(2))
        }
    }

    private func readEvents(afterID: Int64, taskID: Int64?, type: String?, limit: Int, upTo lastID: Int64?,
                            _ db: PostgresConnection) async throws -> [TaskEvent] {
        var builder = PostgresQueryBuilder()
        var sql = "SELECT h.id, h.task_id, h.status_change, h.worker_id, h.message, h.created_at_ms FROM task_history h"
        var conditions = ["h.id > " + builder.bind(afterID)]
        if let lastID {
            conditions.append("h.id <= " + builder.bind(lastID))
        }
        if let taskID {
            conditions.append("h.task_id = " + builder.bind(taskID))
        }
        if let type {
            sql += " JOIN tasks t ON t.id = h.task_id JOIN task_types tt ON tt.id = t.type_id"
            conditions.append("tt.name " + Self.nameMatch(type) + " " + builder.bind(type) + Self.likeEscape(type))
        }
        builder.sql = sql + " WHERE " + conditions.joined(separator: " AND ") + " ORDER BY h.id ASC LIMIT "
            + builder.bind(Int64(limit))
        let entries = try await rows(db, builder.query).map(Self.readEntry)
        // One snapshot per task for the whole batch.
        var tasks: [Int64: Task] = [:]
        for id in Set(entries.map(\.taskID)) {
            tasks[id] = try await PostgresTaskRow.fetch(id: id, db, self)
        }
        return entries.compactMap { entry in tasks[entry.taskID].map { TaskEvent(entry: entry, task: $0) } }
    }

    public func lastHistoryID() async throws -> Int64 {
        try await transaction { db in
            try await self.firstRow(db, "SELECT COALESCE(MAX(id), 0)::bigint FROM task_history")?.decode(Int64.self) ?? 0
        }
    }

    /// The entry in a row of `id, task_id, status_change, worker_id, message, created_at_ms`.
    static func readEntry(_ row: PostgresRow) throws -> HistoryEntry {
        let (id, taskID, change, workerID, message, createdAtMs) =
            try row.decode((Int64, Int64, String, String?, String, Int64).self)
        var entry = HistoryEntry()
        entry.id = id
        entry.taskID = taskID
        entry.statusChange = change
        entry.workerID = workerID ?? ""
        entry.message = message
        entry.createdAtMs = createdAtMs
        return entry
    }
}
