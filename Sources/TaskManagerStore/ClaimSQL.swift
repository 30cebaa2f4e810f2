import TaskManagerCore

/// The SQL of a claim, built only from fixed fragments chosen by the query's shape; values are bound.
///
/// Parameters: `?1` type id, `?2` type name LIKE pattern, `?3` now. `?1` and `?2` are always bound (NULL when
/// unused): SQLite counts parameters up to the largest number used, and every variant uses `?3`.
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
        [query.taskTypeID, query.typePattern, query.nowMs]
    }

    /// Picks `id, status` of the first claimable task: the better of the best due pending task and the best
    /// claim whose lease expired, each found separately so the pending one can walk an index in order.
    ///
    /// An expired claim competes in the same order as pending tasks; the claim ends it (as the reaper would) only
    /// when it comes first, and claims it only if that returned it to pending.
    var pick: String {
        let columns = "id, status, priority, created_at_ms, attempts"
        return """
            SELECT id, status FROM (
                SELECT * FROM (
                    SELECT \(columns) FROM tasks
                    WHERE status = 'pending' AND run_at_ms <= ?3\(typeFilter)
                    ORDER BY \(orderBy) LIMIT 1)
                UNION ALL
                SELECT * FROM (
                    SELECT \(columns) FROM tasks INDEXED BY tasks_leases
                    WHERE status = 'claimed' AND lease_expires_at_ms < ?3\(typeFilter)
                    ORDER BY \(orderBy) LIMIT 1)
            )
            ORDER BY \(orderBy) LIMIT 1
            """
    }

    /// The earliest `run_at_ms` after `?3` of a pending task matching the filter: when a long-poll claim that
    /// found nothing should look again. Takes the bindings of `pick`.
    ///
    /// It reads the pending tasks of the filter that are not due yet, through the claim index. An index on
    /// `(status, run_at_ms)` would make this one lookup, but SQLite then prefers it for the pending branch of
    /// `pick` too and sorts every due task on each claim (QueryPlanTests catches that).
    var nextDue: String {
        "SELECT MIN(run_at_ms) FROM tasks WHERE status = 'pending' AND run_at_ms > ?3\(typeFilter)"
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
