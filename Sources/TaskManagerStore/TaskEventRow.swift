import TaskManagerCore

/// One appended row of `task_history` per change of a task: the history entry users see, and, for a change of a
/// claimed attempt, the attempt's state that recovery needs (the task row is not rewritten for those).
///
/// A row is `visible` when it is history users may see: heartbeats are not, and neither is any row written
/// while history is off (such rows exist only for durability and go when their task finishes).
struct TaskEventRow {
    var taskID: Int64
    var change: String
    var workerID: String?
    var message: String
    var nowMs: Int64
    var visible: Bool
    /// The claimed attempt's state after the change, with its attempt number; nil for other changes.
    var snapshot: (attempt: Int32, claim: LiveClaim)?

    /// The change of a heartbeat's row: never shown, there only for the lease it renewed.
    static let heartbeat = "heartbeat"

    /// The attempt state of the last event with a snapshot of task `?1`: `attempt, progress, progress_message,
    /// lease_expires_at_ms, progress_changed_at_ms, progress_rate, stalled_since_ms, cancel_requested,
    /// cancel_reason, created_at_ms`.
    static let lastSnapshot = """
        SELECT attempt, progress, progress_message, lease_expires_at_ms, progress_changed_at_ms, progress_rate,
               stalled_since_ms, cancel_requested, cancel_reason, created_at_ms
        FROM task_history WHERE task_id = ?1 AND attempt IS NOT NULL ORDER BY id DESC LIMIT 1
        """

    private static let insert = SQL("""
        INSERT INTO task_history (task_id, status_change, worker_id, message, created_at_ms, visible, attempt,
                                  progress, progress_message, lease_expires_at_ms, progress_changed_at_ms,
                                  progress_rate, stalled_since_ms, cancel_requested, cancel_reason)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)
        """)

    /// Appends the row; inside the write transaction of the change it records.
    func append(to db: SQLiteConnection) throws {
        let statement = try db.prepare(Self.insert)
        defer { statement.reset() }
        try statement.bind(taskID, at: 1)
        try statement.bind(change, at: 2)
        if let workerID { try statement.bind(workerID, at: 3) }
        try statement.bind(message, at: 4)
        try statement.bind(nowMs, at: 5)
        try statement.bind(visible, at: 6)
        if let (attempt, claim) = snapshot {
            try statement.bind(attempt, at: 7)
            try statement.bind(claim.progress, at: 8)
            if !claim.progressMessage.isEmpty { try statement.bind(claim.progressMessage, at: 9) }
            try statement.bind(claim.leaseExpiresAtMs, at: 10)
            try statement.bind(claim.progressChangedAtMs, at: 11)
            if let rate = TaskRow.progressRateValue(claim.progressRate) { try statement.bind(rate, at: 12) }
            if let stalled = claim.stalledSinceMs { try statement.bind(stalled, at: 13) }
            try statement.bind(claim.cancelRequested, at: 14)
            if !claim.cancelReason.isEmpty { try statement.bind(claim.cancelReason, at: 15) }
        }
        while try statement.step() {}
    }
}
