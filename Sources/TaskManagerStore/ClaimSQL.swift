import TaskManagerCore

/// The SQL of a claim, built only from fixed fragments chosen by the query's shape; values are bound.
///
/// Parameters: `?1` type id, `?2` type name LIKE pattern, `?3` stale-before time, `?4` now (`failExpired` only).
/// `?1` and `?2` are always bound (NULL when unused): SQLite counts parameters up to the largest number used,
/// and every variant uses `?3`.
struct ClaimSQL: Hashable {
    var order: ClaimOrder
    var byTypeID: Bool
    var byPattern: Bool

    init(order: ClaimOrder, byTypeID: Bool, byPattern: Bool) {
        self.order = order
        self.byTypeID = byTypeID
        self.byPattern = byPattern
    }

    init(_ query: ClaimQuery) {
        self.init(order: query.order, byTypeID: query.taskTypeID != nil, byPattern: query.typePattern != nil)
    }

    /// The bindings of `pick`: `?1`…`?3`.
    static func pickValues(_ query: ClaimQuery) -> [(any SQLiteBindable)?] {
        [query.taskTypeID, query.typePattern, query.staleBeforeMs]
    }

    /// The bindings of `failExpired`: `?1`…`?4`.
    static func failExpiredValues(_ query: ClaimQuery) -> [(any SQLiteBindable)?] {
        pickValues(query) + [query.nowMs]
    }

    /// Fails the stale claims that have no attempts left, returning `id, claimed_by` of each.
    var failExpired: String {
        """
        UPDATE tasks SET status = 'failed', error_message = 'lease expired', completed_at_ms = ?4, updated_at_ms = ?4
        WHERE status = 'claimed' AND claimed_at_ms < ?3 AND attempts >= max_attempts\(typeFilter)
        RETURNING id, claimed_by
        """
    }

    /// Picks `id, status, claimed_by` of the first claimable task: the better of the best pending task and the
    /// best stale claim, each found separately so the pending one can walk an index in order.
    var pick: String {
        let columns = "id, status, claimed_by, priority, created_at_ms, attempts"
        return """
            SELECT id, status, claimed_by FROM (
                SELECT * FROM (
                    SELECT \(columns) FROM tasks
                    WHERE status = 'pending'\(typeFilter)
                    ORDER BY \(orderBy) LIMIT 1)
                UNION ALL
                SELECT * FROM (
                    SELECT \(columns) FROM tasks
                    WHERE status = 'claimed' AND claimed_at_ms < ?3 AND attempts < max_attempts\(typeFilter)
                    ORDER BY \(orderBy) LIMIT 1)
            )
            ORDER BY \(orderBy) LIMIT 1
            """
    }

    private var typeFilter: String {
        (byTypeID ? " AND type_id = ?1" : "")
            + (byPattern ? " AND type_id IN (SELECT id FROM task_types WHERE name LIKE ?2)" : "")
    }

    private var orderBy: String {
        switch order {
        case .priorityThenAge:
            return "priority DESC, created_at_ms ASC, id ASC"
        case .by(.id, let ascending):
            return ascending ? "id ASC" : "id DESC"
        case .by(let key, let ascending):
            return "\(Self.column(key)) \(ascending ? "ASC" : "DESC"), id ASC"
        }
    }

    /// The column each sort key names: the only way a sort key reaches SQL.
    private static func column(_ key: ClaimSortKey) -> String {
        switch key {
        case .createdAt: return "created_at_ms"
        case .priority: return "priority"
        case .id: return "id"
        case .attempts: return "attempts"
        }
    }
}
