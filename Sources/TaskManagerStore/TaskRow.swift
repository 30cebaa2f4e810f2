import TaskManagerCore

/// How a `Task` is read from the `tasks` table joined with its type's name.
public enum TaskRow {
    /// The SELECT of every column `read` expects, with `tasks t` and `task_types tt`; append WHERE/ORDER BY. The
    /// PostgreSQL store's schema has the same columns, and reads the same SELECT.
    public static let select = """
        SELECT t.id, tt.name, t.type_id, t.status, t.progress, t.progress_message, t.priority, t.attempts,
               t.max_attempts, t.claimed_by, t.claimed_at_ms, t.created_at_ms, t.updated_at_ms, t.completed_at_ms,
               t.params_json, t.result_json, t.error_message, t.dedupe_key, t.lease_expires_at_ms, t.cancel_requested,
               t.cancel_reason, t.stalled_since_ms, t.run_at_ms, t.progress_changed_at_ms, t.progress_rate, t.created_by
        FROM tasks t JOIN task_types tt ON tt.id = t.type_id
        """

    /// The task in the current row of a statement made from `select`; NULL text reads as "", NULL numbers as 0.
    static func read(_ row: SQLiteStatement) -> Task {
        var task = Task()
        task.id = row.int64(at: 0)
        task.type = row.string(at: 1) ?? ""
        task.typeID = row.int64(at: 2)
        task.status = row.string(at: 3).flatMap { TaskStatus(name: $0) } ?? .unspecified
        task.progress = row.int32(at: 4)
        task.progressMessage = row.string(at: 5) ?? ""
        task.priority = row.int32(at: 6)
        task.attempts = row.int32(at: 7)
        task.maxAttempts = row.int32(at: 8)
        task.claimedBy = row.string(at: 9) ?? ""
        task.claimedAtMs = row.int64(at: 10)
        task.createdAtMs = row.int64(at: 11)
        task.updatedAtMs = row.int64(at: 12)
        task.completedAtMs = row.int64(at: 13)
        task.paramsJSON = row.string(at: 14) ?? ""
        task.resultJSON = row.string(at: 15) ?? ""
        task.errorMessage = row.string(at: 16) ?? ""
        task.dedupeKey = row.string(at: 17) ?? ""
        task.leaseExpiresAtMs = row.int64(at: 18)
        task.cancelRequested = row.bool(at: 19)
        task.cancelReason = row.string(at: 20) ?? ""
        task.stalledSinceMs = row.int64(at: 21)
        task.stalled = task.status == .claimed && !row.isNull(at: 21)
        task.runAtMs = row.int64(at: 22)
        task.createdBy = row.string(at: 25) ?? ""
        // The ETA is of the current attempt, so only a claimed task has one; the last point is the stored progress
        // at `progress_changed_at_ms` (set by every claim, so NULL only in a damaged row: then no estimate).
        if task.status == .claimed, !row.isNull(at: 23) {
            let state = ProgressRate(progress: task.progress, atMs: row.int64(at: 23), rate: progressRate(row, at: 24))
            task.etaMs = state.etaMs(progress: task.progress)
            task.progressRate = state.percentPerSecond(progress: task.progress)
        }
        return task
    }

    /// The `progress_rate` column `index` of the current row: nil when NULL (unknown).
    static func progressRate(_ row: SQLiteStatement, at index: Int32) -> Double? {
        row.double(at: index)
    }

    /// The value to bind for `progress_rate`; nil (NULL) = unknown, also for a rate that is not finite.
    static func progressRateValue(_ rate: Double?) -> Double? {
        rate.flatMap { $0.isFinite ? $0 : nil }
    }

    private static let selectByID = SQL(select + " WHERE t.id = ?")
    private static let selectByDedupeKey = SQL(select + " WHERE t.dedupe_key = ?")

    /// The task with this id, or nil.
    static func fetch(id: Int64, in db: SQLiteConnection) throws -> Task? {
        try db.prepare(selectByID).firstRow([id], read)
    }

    /// The task with this dedupe key, or nil.
    static func fetch(dedupeKey: String, in db: SQLiteConnection) throws -> Task? {
        try db.prepare(selectByDedupeKey).firstRow([dedupeKey], read)
    }
}
