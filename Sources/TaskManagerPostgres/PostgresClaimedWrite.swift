import PostgresNIO
import TaskManagerCore
import TaskManagerStore

/// A write about a claimed task as one statement: it locks the task's row, checks the claim, and only when the check
/// passes updates the row and appends a history entry; it returns the state the check read and the task as it then
/// reads. One round trip and one commit, where a transaction of separate statements takes six.
///
/// The SET clause sees the row before the write as `c`, with the columns `select` names (the stall clock's start as
/// `changed_at`, the type's lease in ms as `type_lease_ms`).
struct PostgresClaimedWrite {
    var builder = PostgresQueryBuilder()
    let claim: ClaimCheck

    init(_ claim: ClaimCheck) {
        self.claim = claim
    }

    /// The locked current row (of the task whose id follows).
    static let select = """
        SELECT t.id, t.status, t.attempts, t.lease_expired_attempt, t.claimed_by, t.progress,
               COALESCE(t.progress_changed_at_ms, t.claimed_at_ms, 0) AS changed_at, t.progress_rate, t.stalled_since_ms,
               tt.lease_seconds * 1000 AS type_lease_ms
        FROM tasks t JOIN task_types tt ON tt.id = t.type_id WHERE t.id =
        """

    /// The lease a renewal at the claim's time grants: the type's, else the server's default, saturating.
    mutating func leaseEnd() -> String {
        Self.leaseEnd(now: builder.bind(claim.nowMs), defaultLeaseMs: builder.bind(claim.defaultLeaseMs))
    }

    /// `leaseEnd()` with the time and the default lease as SQL expressions.
    static func leaseEnd(now: String, defaultLeaseMs: String) -> String {
        "LEAST(\(now)::numeric + CASE WHEN c.type_lease_ms > 0 THEN c.type_lease_ms ELSE \(defaultLeaseMs) END, "
            + "9223372036854775807)::bigint"
    }

    /// The columns the statements return before the task's: what the claim check reads.
    static let checkColumns = "c.status, c.attempts, c.lease_expired_attempt, c.claimed_by, "

    /// The statement of the write: `set` (assignments to `tasks` columns) and, when `event` is given and `history`
    /// is on, one history entry by the claim's worker at the claim's time. Its SQL depends only on `set`'s text and
    /// on whether there is an event, so that it can be prepared (`PostgresStatementKind`).
    mutating func query(set: String, event: (change: String, message: String)?, history: Bool) -> PostgresQuery {
        var sql = "WITH c AS (" + Self.select + builder.bind(claim.id) + " FOR UPDATE OF t), "
            + "u AS (UPDATE tasks t SET " + set + " FROM c WHERE t.id = c.id AND "
            + PostgresTaskStore.claimCondition(claim, &builder) + " RETURNING t.*)"
        if let event {
            sql += ", h AS (INSERT INTO task_history (task_id, status_change, worker_id, message, created_at_ms) "
                + "SELECT u.id, \(builder.bind(event.change)), \(builder.bind(claim.workerID)), \(builder.bind(event.message)), "
                + "\(builder.bind(claim.nowMs)) FROM u WHERE \(builder.bind(history)))"
        }
        builder.sql = sql + " SELECT " + Self.checkColumns + PostgresTaskRow.columns + " FROM c LEFT JOIN (u t JOIN task_types tt ON tt.id = t.type_id) ON TRUE"
        return builder.query
    }

    /// The task as the write left it, from the statement's rows.
    ///
    /// - Throws: the claim's refusal (`PostgresTaskStore.checkClaim`), or `.taskNotFound`.
    static func task(from rows: [PostgresRow], _ claim: ClaimCheck) throws -> Task {
        guard let row = rows.first?.makeRandomAccess() else { throw TaskManagerError.taskNotFound }
        return try task(from: row, claim)
    }

    /// `task(from:_:)` of one row; a row with no current state (a task of a batch that does not exist) is
    /// `.taskNotFound`.
    static func task(from row: PostgresRandomAccessRow, _ claim: ClaimCheck) throws -> Task {
        if try row[4].decode(Int64?.self) != nil {
            return try PostgresTaskRow.read(row, at: 4)
        }
        guard let status = try row[0].decode(String?.self) else { throw TaskManagerError.taskNotFound }
        try PostgresTaskStore.checkClaim(
            claim, status: status, attempts: Int32(truncatingIfNeeded: try row[1].decode(Int64.self)),
            leaseExpiredAttempt: try row[2].decode(Int64?.self).map { Int32(truncatingIfNeeded: $0) },
            claimedBy: try row[3].decode(String?.self) ?? "")
        // The check passed where the statement's did not, on the same row: never expected.
        throw TaskManagerError(.unavailable, "Database is busy")
    }

    /// A claim of placeholder values, for building a statement kind's SQL.
    static let placeholder = ClaimCheck(id: 0, workerID: "", nowMs: 0, defaultLeaseMs: 0)
}
