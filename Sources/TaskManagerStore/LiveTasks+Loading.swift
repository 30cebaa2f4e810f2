import TaskManagerCore

extension LiveTasks {
    /// The memory of the database `db` as it is now: every type, every pending and claimed task from its row,
    /// and each claimed attempt's state from the last event that has one (or from the row, for a claim made
    /// before events carried it, as in a file migrated from schema version 4).
    static func load(from db: SQLiteConnection, nowMs: Int64) throws -> LiveTasks {
        var types: [Int64: LiveType] = [:]
        for type in try db.prepare(TaskTypeRow.selectWithoutUsage).rows([], TaskTypeRow.read) {
            types[type.id] = LiveType(type: type)
        }
        var tasks: [Int64: LiveTask] = [:]
        var claimed: [Int64] = []
        let rows = try db.prepare("""
            SELECT id, type_id, status, priority, created_at_ms, max_attempts, retry_backoff_base_ms,
                   retry_backoff_cap_ms, attempts, run_at_ms, lease_expired_attempt, updated_at_ms
            FROM tasks WHERE status IN ('pending', 'claimed')
            """)
        _ = try rows.rows { row -> Void in
            let isClaimed = row.string(at: 2) == TaskStatus.claimed.name
            let task = LiveTask(
                id: row.int64(at: 0), typeID: row.int64(at: 1), priority: row.int32(at: 3), createdAtMs: row.int64(at: 4),
                maxAttempts: row.int32(at: 5), retryBackoff: RetryBackoff(baseMs: row.int64(at: 6), capMs: row.int64(at: 7)),
                isClaimed: isClaimed, attempts: row.int32(at: 8), runAtMs: row.int64(at: 9),
                leaseExpiredAttempt: row.int32(at: 10), updatedAtMs: row.int64(at: 11),
                // Unknown after a restart: finishing looks for such rows once.
                hasHiddenEvents: row.int32(at: 8) > 0)
            tasks[task.id] = task
            if isClaimed { claimed.append(task.id) }
        }
        var claims: [Int64: LiveClaim] = [:]
        for id in claimed {
            guard var claim = try db.prepare("""
                SELECT claimed_by, claimed_at_ms, lease_expires_at_ms, progress, progress_message,
                       progress_changed_at_ms, progress_rate, stalled_since_ms, cancel_requested, cancel_reason,
                       params_json, dedupe_key, error_message, created_by
                FROM tasks WHERE id = ?1
                """).firstRow([id], { row in
                    LiveClaim(
                        workerID: row.string(at: 0) ?? "", claimedAtMs: row.int64(at: 1), leaseExpiresAtMs: row.int64(at: 2),
                        progress: row.int32(at: 3), progressMessage: row.string(at: 4) ?? "",
                        progressChangedAtMs: row.isNull(at: 5) ? row.int64(at: 1) : row.int64(at: 5),
                        progressRate: TaskRow.progressRate(row, at: 6),
                        stalledSinceMs: row.isNull(at: 7) ? nil : row.int64(at: 7), cancelRequested: row.bool(at: 8),
                        cancelReason: row.string(at: 9) ?? "", paramsJSON: row.string(at: 10) ?? "",
                        dedupeKey: row.string(at: 11) ?? "", errorMessage: row.string(at: 12) ?? "",
                        createdBy: row.string(at: 13) ?? "")
                })
            else { continue }
            let event = try db.prepare(TaskEventRow.lastSnapshot).firstRow([id]) { row in
                (attempt: row.int32(at: 0), progress: row.int32(at: 1), message: row.string(at: 2) ?? "",
                 lease: row.int64(at: 3), changedAt: row.int64(at: 4), rate: TaskRow.progressRate(row, at: 5),
                 stalled: row.isNull(at: 6) ? nil : row.int64(at: 6), cancelRequested: row.bool(at: 7),
                 cancelReason: row.string(at: 8) ?? "", at: row.int64(at: 9))
            }
            if let event, event.attempt == tasks[id]?.attempts {
                claim.progress = event.progress
                claim.progressMessage = event.message
                claim.leaseExpiresAtMs = event.lease
                claim.progressChangedAtMs = event.changedAt
                claim.progressRate = event.rate
                claim.stalledSinceMs = event.stalled
                claim.cancelRequested = event.cancelRequested
                claim.cancelReason = event.cancelReason
                let updatedAtMs = max(tasks[id]?.updatedAtMs ?? 0, event.at)
                tasks[id]?.updatedAtMs = updatedAtMs
            }
            claims[id] = claim
        }
        return LiveTasks(types: types, tasks: tasks, claims: claims, nowMs: nowMs)
    }
}
