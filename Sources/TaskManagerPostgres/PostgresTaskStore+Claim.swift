import PostgresNIO
import TaskManagerCore
import TaskManagerStore

extension PostgresTaskStore {
    public func claimTask(_ query: ClaimQuery, then: @escaping StoreCompletion<Task?>) {
        answer(then) { db in
            // An expired lease ends exactly as the reaper ends it; a task it puts back in pending then competes
            // with the others.
            var expired = PostgresQueryBuilder()
            expired.sql = "SELECT t.id FROM tasks t WHERE t.status = 'claimed' AND t.lease_expires_at_ms < "
                + expired.bind(query.nowMs) + Self.typeFilter(query, &expired)
                + " ORDER BY t.lease_expires_at_ms, t.id FOR UPDATE SKIP LOCKED"
            for row in try await self.rows(db, expired.query) {
                _ = try await self.endExpiredLease(db, id: try row.decode(Int64.self), nowMs: query.nowMs)
            }
            // Rows another claim holds are skipped, not waited for: that claim takes them.
            var claim = PostgresQueryBuilder()
            let now = claim.bind(query.nowMs)
            let pick = "SELECT t.id FROM tasks t WHERE t.status = 'pending' AND t.run_at_ms <= " + now
                + Self.typeFilter(query, &claim) + " ORDER BY " + Self.orderSQL(query.order) + " LIMIT 1 FOR UPDATE SKIP LOCKED"
            claim.sql = """
                WITH picked AS (\(pick))
                UPDATE tasks t SET status = 'claimed', claimed_by = \(claim.bind(query.workerID)), claimed_at_ms = \(now),
                                   attempts = t.attempts + 1, progress = 0, progress_message = NULL,
                                   updated_at_ms = \(now),
                                   lease_expires_at_ms = LEAST(\(now)::numeric + CASE WHEN tt.lease_seconds > 0
                                       THEN tt.lease_seconds * 1000 ELSE \(claim.bind(query.defaultLeaseMs)) END,
                                       9223372036854775807)::bigint,
                                   progress_changed_at_ms = \(now), progress_rate = NULL, stalled_since_ms = NULL,
                                   lease_expired_attempt = NULL, cancel_requested = FALSE, cancel_reason = NULL
                FROM picked, task_types tt
                WHERE t.id = picked.id AND tt.id = t.type_id AND t.status = 'pending'
                RETURNING t.id
                """
            guard let row = try await self.firstRow(db, claim.query) else { return nil }
            let id = try row.decode(Int64.self)
            try await self.appendEvent(db, taskID: id, change: HistoryEntry.Change.claimed, workerID: query.workerID,
                                       message: "Task claimed by worker", nowMs: query.nowMs)
            guard let task = try await PostgresTaskRow.fetch(id: id, db, self) else { throw Self.vanished }
            return task
        }
    }

    public func nextDueTime(_ query: ClaimQuery) async throws -> Int64? {
        try await transaction { db in
            var builder = PostgresQueryBuilder()
            builder.sql = "SELECT MIN(t.run_at_ms) FROM tasks t WHERE t.status = 'pending' AND t.run_at_ms > "
                + builder.bind(query.nowMs) + Self.typeFilter(query, &builder)
            return try await self.firstRow(db, builder.query)?.decode(Int64?.self)
        }
    }

    /// The clauses (each starting with " AND") that keep the tasks of the types a claim may take from: the one it
    /// names, or those whose name matches its pattern (LIKE, as SQLite's: ASCII case-insensitive, no escape), or
    /// both.
    static func typeFilter(_ query: ClaimQuery, _ builder: inout PostgresQueryBuilder) -> String {
        var sql = ""
        if let typeID = query.taskTypeID {
            sql += " AND t.type_id = " + builder.bind(typeID)
        }
        if let pattern = query.typePattern {
            sql += " AND t.type_id IN (SELECT id FROM task_types WHERE name ILIKE " + builder.bind(pattern) + " ESCAPE '')"
        }
        return sql
    }

    /// The ORDER BY of a claim order; ties by id ascending.
    static func orderSQL(_ order: ClaimOrder) -> String {
        switch order {
        case .priorityThenAge:
            return "t.priority DESC, t.created_at_ms ASC, t.id ASC"
        case .by(.id, let ascending):
            return ascending ? "t.id ASC" : "t.id DESC"
        case .by(let key, let ascending):
            return "t.\(column(key)) \(ascending ? "ASC" : "DESC"), t.id ASC"
        }
    }

    /// The column of a sort key.
    private static func column(_ key: ClaimSortKey) -> String {
        switch key {
        case .createdAt: return "created_at_ms"
        case .priority: return "priority"
        case .id: return "id"
        case .attempts: return "attempts"
        }
    }
}
