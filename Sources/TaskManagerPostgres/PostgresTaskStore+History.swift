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

    public func events(afterID: Int64, taskID: Int64?, type: String?, limit: Int) async throws -> [TaskEvent] {
        try await transaction { db in
            var builder = PostgresQueryBuilder()
            var sql = "SELECT h.id, h.task_id, h.status_change, h.worker_id, h.message, h.created_at_ms FROM task_history h"
            var conditions = ["h.id > " + builder.bind(afterID)]
            if let taskID {
                conditions.append("h.task_id = " + builder.bind(taskID))
            }
            if let type {
                sql += " JOIN tasks t ON t.id = h.task_id JOIN task_types tt ON tt.id = t.type_id"
                conditions.append("tt.name " + Self.nameMatch(type) + " " + builder.bind(type) + Self.likeEscape(type))
            }
            builder.sql = sql + " WHERE " + conditions.joined(separator: " AND ") + " ORDER BY h.id ASC LIMIT "
                + builder.bind(Int64(limit))
            let entries = try await self.rows(db, builder.query).map(Self.readEntry)
            // One snapshot per task for the whole batch.
            var tasks: [Int64: Task] = [:]
            for id in Set(entries.map(\.taskID)) {
                tasks[id] = try await PostgresTaskRow.fetch(id: id, db, self)
            }
            return entries.compactMap { entry in tasks[entry.taskID].map { TaskEvent(entry: entry, task: $0) } }
        }
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
