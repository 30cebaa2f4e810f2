import TaskManagerCore

extension SQLiteTaskStore {
    typealias Ending = TaskEnding

    /// Writes a finished task's final state.
    private static let finishSQL = SQL("""
        UPDATE tasks SET status = ?1, result_json = ?2, error_message = ?3, completed_at_ms = ?4, updated_at_ms = ?4,
                         lease_expires_at_ms = NULL, progress = ?5, progress_message = ?6,
                         progress_changed_at_ms = ?7, progress_rate = ?8, stalled_since_ms = ?9,
                         cancel_requested = ?10, cancel_reason = ?11, lease_expired_attempt = ?12
        WHERE id = ?13
        """)

    /// Deletes the rows of a finished task that were kept only for recovery.
    private static let deleteHiddenEventsSQL = SQL("DELETE FROM task_history WHERE task_id = ?1 AND visible = 0")

    /// Finishes the claimed task `task`: its row gets its final state (including the attempt's live state, which
    /// only memory had), `events` are appended as history, rows kept only for durability are deleted, and memory
    /// forgets it.
    ///
    /// - Returns: the task as its row now reads.
    func finish(_ db: SQLiteConnection, _ task: LiveTask, _ claim: LiveClaim, _ ending: Ending, nowMs: Int64,
                events: [(change: String, message: String)]) throws -> Task {
        try db.prepare(Self.finishSQL).run([
            ending.status.name, ending.resultJSON.isEmpty ? nil : ending.resultJSON,
            ending.errorMessage.isEmpty ? nil : ending.errorMessage, nowMs, claim.progress,
            claim.progressMessage.isEmpty ? nil : claim.progressMessage, claim.progressChangedAtMs,
            TaskRow.progressRateValue(claim.progressRate), ending.stalledSinceMs, claim.cancelRequested,
            claim.cancelReason.isEmpty ? nil : claim.cancelReason,
            ending.leaseExpiredAttempt > 0 ? ending.leaseExpiredAttempt : nil, task.id,
        ])
        for event in events {
            try appendEvent(db, taskID: task.id, change: event.change, workerID: claim.workerID, message: event.message,
                            nowMs: nowMs)
        }
        if live.withLock({ $0.tasks[task.id]?.hasHiddenEvents ?? false }) {
            try db.prepare(Self.deleteHiddenEventsSQL).run([task.id])
        }
        var finished = live.withLock { $0.makeTask(task, claim) }
        live.withLock { $0.remove(task.id) }
        finished.status = ending.status
        finished.resultJSON = ending.resultJSON
        finished.errorMessage = ending.errorMessage
        finished.completedAtMs = nowMs
        finished.updatedAtMs = nowMs
        finished.leaseExpiresAtMs = 0
        finished.stalledSinceMs = ending.stalledSinceMs ?? 0
        finished.stalled = false
        finished.etaMs = 0
        finished.progressRate = 0
        return finished
    }

    /// Puts a claimed task back in pending.
    private static let releaseSQL = SQL("""
        UPDATE tasks SET status = 'pending', error_message = ?1, claimed_by = NULL, claimed_at_ms = NULL,
                         progress = 0, progress_message = NULL, updated_at_ms = ?2, lease_expires_at_ms = NULL,
                         stalled_since_ms = NULL, run_at_ms = ?3, lease_expired_attempt = ?4
        WHERE id = ?5
        """)

    /// Puts the claimed task `task` back in pending, claimable from `runAtMs`, with history `event`.
    ///
    /// - Returns: the task as its row now reads.
    func release(_ db: SQLiteConnection, _ task: LiveTask, _ claim: LiveClaim, runAtMs: Int64, errorMessage: String,
                 leaseExpiredAttempt: Int32, nowMs: Int64, event: (change: String, message: String)) throws -> Task {
        try db.prepare(Self.releaseSQL).run([
            errorMessage.isEmpty ? nil : errorMessage, nowMs, runAtMs, leaseExpiredAttempt > 0 ? leaseExpiredAttempt : nil,
            task.id,
        ])
        try appendEvent(db, taskID: task.id, change: event.change, workerID: claim.workerID, message: event.message,
                        nowMs: nowMs)
        return live.withLock { live in
            var pending = live.makeTask(task, claim)
            live.release(task.id, runAtMs: runAtMs, leaseExpiredAttempt: leaseExpiredAttempt, nowMs: nowMs)
            pending.status = .pending
            pending.errorMessage = errorMessage
            pending.claimedBy = ""
            pending.claimedAtMs = 0
            pending.progress = 0
            pending.progressMessage = ""
            pending.updatedAtMs = nowMs
            pending.leaseExpiresAtMs = 0
            pending.stalledSinceMs = 0
            pending.stalled = false
            pending.runAtMs = runAtMs
            pending.etaMs = 0
            pending.progressRate = 0
            return pending
        }
    }

    /// Appends one `task_history` row for a change of task `taskID`; inside the write transaction of the change.
    ///
    /// A change of a claimed attempt carries the attempt's state (`snapshot`), which recovery reads: such a row is
    /// written even when history is off (hidden, and deleted when the task finishes). Any other row is history
    /// only, and is not written when history is off.
    func appendEvent(_ db: SQLiteConnection, taskID: Int64, change: String, workerID: String?, message: String,
                     nowMs: Int64, snapshot: (attempt: Int32, claim: LiveClaim)? = nil) throws {
        let visible = recordHistory && change != TaskEventRow.heartbeat
        guard visible || snapshot != nil else { return }
        try TaskEventRow(taskID: taskID, change: change, workerID: workerID, message: message, nowMs: nowMs,
                         visible: visible, snapshot: snapshot).append(to: db)
        if !visible { live.withLock { $0.noteHiddenEvent(taskID) } }
    }
}
