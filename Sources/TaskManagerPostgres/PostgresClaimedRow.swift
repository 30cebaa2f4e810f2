import PostgresNIO
import TaskManagerCore

/// What the calls about a claimed task decide on, read from its row under `FOR UPDATE`.
struct PostgresClaimedRow {
    var id: Int64
    var status: String
    var attempts: Int32
    var maxAttempts: Int32
    var leaseExpiredAttempt: Int32?
    var claimedBy: String
    var progress: Int32
    var progressChangedAtMs: Int64
    var progressRate: Double?
    var stalledSinceMs: Int64?
    var cancelRequested: Bool
    var cancelReason: String
    var errorMessage: String
    var retryBackoff: RetryBackoff
    /// The lease a renewal grants, from the task's type: its `lease_seconds` in ms, 0 = the server's default.
    var typeLeaseMs: Int64

    /// The SELECT `read` expects, locking the row; bind the task id as `$1`.
    static let select = """
        SELECT t.id, t.status, t.attempts, t.max_attempts, t.lease_expired_attempt, t.claimed_by, t.progress,
               COALESCE(t.progress_changed_at_ms, t.claimed_at_ms, 0), t.progress_rate, t.stalled_since_ms,
               t.cancel_requested, t.cancel_reason, t.error_message, t.retry_backoff_base_ms, t.retry_backoff_cap_ms,
               tt.lease_seconds * 1000
        FROM tasks t JOIN task_types tt ON tt.id = t.type_id WHERE t.id = $1 FOR UPDATE OF t
        """

    static func read(_ row: PostgresRow) throws -> PostgresClaimedRow {
        let row = row.makeRandomAccess()
        return PostgresClaimedRow(
            id: try row[0].decode(Int64.self), status: try row[1].decode(String.self),
            attempts: Int32(truncatingIfNeeded: try row[2].decode(Int64.self)),
            maxAttempts: Int32(truncatingIfNeeded: try row[3].decode(Int64.self)),
            leaseExpiredAttempt: try row[4].decode(Int64?.self).map { Int32(truncatingIfNeeded: $0) },
            claimedBy: try row[5].decode(String?.self) ?? "",
            progress: Int32(truncatingIfNeeded: try row[6].decode(Int64.self)),
            progressChangedAtMs: try row[7].decode(Int64.self), progressRate: try row[8].decode(Double?.self),
            stalledSinceMs: try row[9].decode(Int64?.self), cancelRequested: try row[10].decode(Bool.self),
            cancelReason: try row[11].decode(String?.self) ?? "", errorMessage: try row[12].decode(String?.self) ?? "",
            retryBackoff: RetryBackoff(baseMs: try row[13].decode(Int64.self), capMs: try row[14].decode(Int64.self)),
            typeLeaseMs: try row[15].decode(Int64.self))
    }

    /// The lease end of a claim or renewal at `nowMs`.
    func leaseEnd(nowMs: Int64, defaultLeaseMs: Int64) -> Int64 {
        PostgresTaskStore.adding(typeLeaseMs > 0 ? typeLeaseMs : defaultLeaseMs, to: nowMs)
    }

    var rateState: ProgressRate {
        ProgressRate(progress: progress, atMs: progressChangedAtMs, rate: progressRate)
    }
}
