import PostgresNIO
import TaskManagerCore
import TaskManagerStore

extension PostgresTaskStore {
    public func claimTask(_ query: ClaimQuery, then: @escaping StoreCompletion<Task?>) {
        // One statement while no lease has expired among the tasks the claim may take (an expired one competes
        // with the pending ones once its lease is ended); else the transaction that ends them first.
        let statement = Self.claimStatement(query, history: recordHistory)
        grouped({ result in
            guard case .success((_, leasesExpired: true)) = result else { return then(result.map(\.0)) }
            self.answer(then) { db in try await self.claimEndingExpiredLeases(query, db) }
        }, run: { db in
            switch (query.taskTypeID, query.typePattern, query.order) {
            case (.some, nil, .priorityThenAge): return try await self.execute(statement, as: ClaimOfTypeStatement.self, on: db)
            case (nil, nil, .priorityThenAge): return try await self.execute(statement, as: ClaimOfAnyTypeStatement.self, on: db)
            default: return try await db.query(statement, logger: self.logger).collect()
            }
        }, decode: { rows -> (Task?, leasesExpired: Bool) in
            guard let row = rows.first?.makeRandomAccess() else { throw Self.vanished }
            if try row[1].decode(Int64?.self) != nil { return (try PostgresTaskRow.read(row, at: 1), false) }
            return (nil, try row[0].decode(Bool.self))
        })
    }

    /// The claim's statement: its SQL depends on the query's filters and order, not on their values.
    static func claimStatement(_ query: ClaimQuery, history: Bool) -> PostgresQuery {
        var claim = PostgresQueryBuilder()
        let now = claim.bind(query.nowMs)
        let worker = claim.bind(query.workerID)
        let expired = "SELECT EXISTS (SELECT 1 FROM tasks t WHERE t.status = 'claimed' AND t.lease_expires_at_ms < " + now
            + Self.typeFilter(query, &claim) + ") AS expired"
        let pick = "SELECT t.id FROM tasks t WHERE t.status = 'pending' AND t.run_at_ms <= " + now
            + Self.typeFilter(query, &claim) + " AND NOT (SELECT expired FROM x) ORDER BY " + Self.orderSQL(query.order)
            + " LIMIT 1 FOR UPDATE SKIP LOCKED"
        let history = """
            , h AS (INSERT INTO task_history (task_id, status_change, worker_id, message, created_at_ms)
                    SELECT u.id, \(claim.bind(HistoryEntry.Change.claimed)), \(worker), 'Task claimed by worker', \(now) FROM u
                    WHERE \(claim.bind(history)))
            """
        claim.sql = "WITH x AS (\(expired)), picked AS (\(pick)), u AS (" + Self.claimUpdate(now: now, worker: worker, &claim, query)
            + " FROM picked, task_types tt WHERE t.id = picked.id AND tt.id = t.type_id AND t.status = 'pending' RETURNING t.*)"
            + history + " SELECT (SELECT expired FROM x), " + PostgresTaskRow.columns
            + " FROM (SELECT 1) one LEFT JOIN (u t JOIN task_types tt ON tt.id = t.type_id) ON TRUE"
        return claim.query
    }

    /// A claim of one type in the default order: the claims of most workers.
    enum ClaimOfTypeStatement: PostgresStatementKind {
        static let sql = claimStatement(ClaimQuery(workerID: "", taskTypeID: 0, typePattern: nil, order: .priorityThenAge,
                                                   nowMs: 0, defaultLeaseMs: 0), history: true).sql
    }

    /// A claim of any type in the default order.
    enum ClaimOfAnyTypeStatement: PostgresStatementKind {
        static let sql = claimStatement(ClaimQuery(workerID: "", taskTypeID: nil, typePattern: nil, order: .priorityThenAge,
                                                   nowMs: 0, defaultLeaseMs: 0), history: true).sql
    }

    /// The UPDATE of a claim up to its FROM: the row `t` becomes claimed by `worker` at `now` with a new lease.
    private static func claimUpdate(now: String, worker: String, _ builder: inout PostgresQueryBuilder, _ query: ClaimQuery) -> String {
        """
        UPDATE tasks t SET status = 'claimed', claimed_by = \(worker), claimed_at_ms = \(now),
                           attempts = t.attempts + 1, progress = 0, progress_message = NULL,
                           updated_at_ms = \(now),
                           lease_expires_at_ms = LEAST(\(now)::numeric + CASE WHEN tt.lease_seconds > 0
                               THEN tt.lease_seconds * 1000 ELSE \(builder.bind(query.defaultLeaseMs)) END,
                               9223372036854775807)::bigint,
                           progress_changed_at_ms = \(now), progress_rate = NULL, stalled_since_ms = NULL,
                           lease_expired_attempt = NULL, cancel_requested = FALSE, cancel_reason = NULL
        """
    }

    /// The claim when leases have expired, in a transaction: those leases are ended first, exactly as the reaper
    /// ends them, and their tasks then compete with the others.
    private func claimEndingExpiredLeases(_ query: ClaimQuery, _ db: PostgresConnection) async throws -> Task? {
        var expired = PostgresQueryBuilder()
        expired.sql = "SELECT t.id FROM tasks t WHERE t.status = 'claimed' AND t.lease_expires_at_ms < "
            + expired.bind(query.nowMs) + Self.typeFilter(query, &expired)
            + " ORDER BY t.lease_expires_at_ms, t.id FOR UPDATE SKIP LOCKED"
        for row in try await rows(db, expired.query) {
            _ = try await endExpiredLease(db, id: try row.decode(Int64.self), nowMs: query.nowMs)
        }
        // Rows another claim holds are skipped, not waited for: that claim takes them.
        var claim = PostgresQueryBuilder()
        let now = claim.bind(query.nowMs)
        let worker = claim.bind(query.workerID)
        let pick = "SELECT t.id FROM tasks t WHERE t.status = 'pending' AND t.run_at_ms <= " + now
            + Self.typeFilter(query, &claim) + " ORDER BY " + Self.orderSQL(query.order) + " LIMIT 1 FOR UPDATE SKIP LOCKED"
        claim.sql = "WITH picked AS (\(pick)) " + Self.claimUpdate(now: now, worker: worker, &claim, query)
            + " FROM picked, task_types tt WHERE t.id = picked.id AND tt.id = t.type_id AND t.status = 'pending' RETURNING t.id"
        guard let row = try await firstRow(db, claim.query) else { return nil }
        let id = try row.decode(Int64.self)
        try await appendEvent(db, taskID: id, change: HistoryEntry.Change.claimed, workerID: query.workerID,
                              message: "Task claimed by worker", nowMs: query.nowMs)
        guard let task = try await PostgresTaskRow.fetch(id: id, db, self) else { throw Self.vanished }
        return task
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
