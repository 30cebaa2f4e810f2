import PostgresNIO
import TaskManagerCore
import TaskManagerStore

extension PostgresTaskStore {
    public func updateProgress(_ claim: ClaimCheck, progress: Int32, message: String, then: @escaping StoreCompletion<Task>) {
        let query = Self.progressQuery(claim, progress: progress, message: message, history: recordHistory)
        grouped(then, run: { db in try await self.execute(query, as: ProgressStatement.self, on: db) },
                decode: { try PostgresClaimedWrite.task(from: $0, claim) },
                report: PostgresProgressReport(claim: claim, progress: progress, message: message),
                decodeRow: { row in
                    guard let row else { throw TaskManagerError.taskNotFound }
                    return try PostgresClaimedWrite.task(from: row, claim)
                })
    }

    /// Moving progress restarts the stall clock, clears a stall already marked, and adds a point to the progress
    /// rate: `ProgressRate.adding`, written in SQL (the behaviour suites check both stores alike). Every report
    /// renews the lease.
    static func progressQuery(_ claim: ClaimCheck, progress: Int32, message: String, history: Bool) -> PostgresQuery {
        var write = PostgresClaimedWrite(claim)
        let lease = write.leaseEnd()
        let p = write.builder.bind(Int64(progress))
        let now = write.builder.bind(claim.nowMs)
        let set = progressSet(progress: p, message: write.builder.bind(nullIfEmpty(message)), now: now, lease: lease)
        return write.query(set: set, event: (HistoryEntry.Change.progressUpdate, progressText(progress, message)),
                           history: history)
    }

    /// The assignments of a progress report, from SQL expressions of its values.
    static func progressSet(progress p: String, message: String, now: String, lease: String) -> String {
        let instant = "(\(p)::float8 - c.progress::float8) / ((\(now)::float8 - c.changed_at::float8) / 1000)"
        return """
            progress = \(p), progress_message = \(message),
            updated_at_ms = \(now), lease_expires_at_ms = \(lease),
            progress_changed_at_ms = CASE WHEN c.progress = \(p) THEN c.changed_at ELSE \(now) END,
            progress_rate = CASE WHEN c.progress = \(p) THEN c.progress_rate
                WHEN \(now) > c.changed_at AND \(p) > c.progress THEN CASE WHEN c.progress_rate IS NULL THEN \(instant)
                    ELSE 0.5::float8 * \(instant) + 0.5::float8 * c.progress_rate END
                ELSE NULL END,
            stalled_since_ms = CASE WHEN c.progress = \(p) THEN c.stalled_since_ms ELSE NULL END
            """
    }

    /// The history message of a progress report.
    static func progressText(_ progress: Int32, _ message: String) -> String {
        message.isEmpty ? "Progress: \(progress)%" : "Progress: \(progress)% - \(message)"
    }

    enum ProgressStatement: PostgresStatementKind {
        static let sql = progressQuery(PostgresClaimedWrite.placeholder, progress: 0, message: "", history: true).sql
    }

    public func heartbeat(_ claim: ClaimCheck, then: @escaping StoreCompletion<Task>) {
        let query = Self.heartbeatQuery(claim)
        grouped(then, run: { db in try await self.execute(query, as: HeartbeatStatement.self, on: db) },
                decode: { try PostgresClaimedWrite.task(from: $0, claim) })
    }

    static func heartbeatQuery(_ claim: ClaimCheck) -> PostgresQuery {
        var write = PostgresClaimedWrite(claim)
        let set = "updated_at_ms = \(write.builder.bind(claim.nowMs)), lease_expires_at_ms = \(write.leaseEnd())"
        return write.query(set: set, event: nil, history: false)
    }

    enum HeartbeatStatement: PostgresStatementKind {
        static let sql = heartbeatQuery(PostgresClaimedWrite.placeholder).sql
    }

    public func completeTask(_ claim: ClaimCheck, resultJSON: String, then: @escaping StoreCompletion<Task>) {
        let query = Self.completeQuery(claim, resultJSON: resultJSON, history: recordHistory)
        grouped(then, run: { db in try await self.execute(query, as: CompleteStatement.self, on: db) },
                decode: { try PostgresClaimedWrite.task(from: $0, claim) })
    }

    /// A requested cancel does not stop a completion: the work is done. The error of an earlier attempt and a stall
    /// mark stay, as `finish` keeps them.
    static func completeQuery(_ claim: ClaimCheck, resultJSON: String, history: Bool) -> PostgresQuery {
        var write = PostgresClaimedWrite(claim)
        let now = write.builder.bind(claim.nowMs)
        let set = """
            status = 'completed', result_json = \(write.builder.bind(nullIfEmpty(resultJSON))),
            completed_at_ms = \(now), updated_at_ms = \(now), lease_expires_at_ms = NULL, lease_expired_attempt = NULL
            """
        return write.query(set: set, event: (HistoryEntry.Change.completed, "Task completed successfully"), history: history)
    }

    enum CompleteStatement: PostgresStatementKind {
        static let sql = completeQuery(PostgresClaimedWrite.placeholder, resultJSON: "", history: true).sql
    }

    public func failTask(
        _ claim: ClaimCheck, error: String, jitter: Double, then: @escaping StoreCompletion<(task: Task, retried: Bool)>
    ) {
        answer(then) { db in
            let task = try await self.requireClaim(db, claim)
            let nowMs = claim.nowMs
            if task.cancelRequested {
                let reason = task.cancelReason.isEmpty ? "requested" : task.cancelReason
                let ending = Ending(status: .cancelled, resultJSON: "", errorMessage: error,
                                    stalledSinceMs: task.stalledSinceMs, leaseExpiredAttempt: 0)
                return (try await self.finish(db, task, ending, nowMs: nowMs, events: [
                    (HistoryEntry.Change.cancelled, "Task cancelled: \(reason)"),
                ]), false)
            }
            if task.attempts < task.maxAttempts {
                let delayMs = task.retryBackoff.delayMs(afterAttempt: task.attempts, jitter: jitter)
                let retried = try await self.release(db, task, runAtMs: Self.adding(delayMs, to: nowMs), errorMessage: error,
                                                     leaseExpiredAttempt: 0, nowMs: nowMs,
                                                     event: (HistoryEntry.Change.retry, "Task failed: \(error)"))
                return (retried, true)
            }
            let ending = Ending(status: .failed, resultJSON: "", errorMessage: error, stalledSinceMs: task.stalledSinceMs,
                                leaseExpiredAttempt: 0)
            return (try await self.finish(db, task, ending, nowMs: nowMs, events: [
                (HistoryEntry.Change.failed, "Task failed: \(error)"),
            ]), false)
        }
    }

    /// NULL for an empty text, as the store keeps absent texts.
    static func nullIfEmpty(_ text: String) -> String? {
        text.isEmpty ? nil : text
    }

    /// The task `id` as its row reads now; it must exist.
    func reread(_ id: Int64, _ db: PostgresConnection) async throws -> Task {
        guard let task = try await PostgresTaskRow.fetch(id: id, db, self) else { throw Self.vanished }
        return task
    }
}
