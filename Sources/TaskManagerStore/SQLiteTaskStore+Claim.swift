import TaskManagerCore

extension SQLiteTaskStore {
    public func claimTask(_ query: ClaimQuery, then: @escaping StoreCompletion<Task?>) {
        write({ db in
            let typeIDs = try self.claimTypeIDs(query, db)
            // An expired lease ends exactly as the reaper ends it; a task it puts back in pending then competes
            // with the others.
            for id in self.live.withLock({ $0.expiredLeases(of: typeIDs, nowMs: query.nowMs) }) {
                _ = try self.endExpiredLease(db, id: id, nowMs: query.nowMs)
            }
            guard let id = self.live.withLock({ $0.pick(of: typeIDs, order: query.order, nowMs: query.nowMs) }) else {
                return nil
            }
            return try self.claim(db, id: id, query: query)
        }, then: then)
    }

    /// The types a claim may take from: the one it names, or those whose name matches its pattern, or both.
    private func claimTypeIDs(_ query: ClaimQuery, _ db: SQLiteConnection) throws -> [Int64] {
        let ids = query.taskTypeID.map { [$0] } ?? live.withLock { Array($0.types.keys) }
        guard let pattern = query.typePattern else { return ids }
        let matching = Set(try Self.typeIDs(matching: pattern, like: true, db))
        return ids.filter(matching.contains)
    }

    /// The texts of a task that a claim keeps in memory.
    private static let claimTextsSQL = SQL("SELECT params_json, dedupe_key, error_message, created_by FROM tasks WHERE id = ?")

    /// Marks a pending task claimed by a worker.
    private static let claimSQL = SQL("""
        UPDATE tasks SET status = 'claimed', claimed_by = ?1, claimed_at_ms = ?2, attempts = ?3,
                         progress = 0, progress_message = NULL, updated_at_ms = ?2, lease_expires_at_ms = ?4,
                         progress_changed_at_ms = ?2, progress_rate = NULL, stalled_since_ms = NULL,
                         lease_expired_attempt = NULL, cancel_requested = 0, cancel_reason = NULL
        WHERE id = ?5
        """)

    /// Claims the pending task `id` for `query.workerID`: a new attempt with a fresh lease, progress starting over.
    ///
    /// Progress 0 at `progress_changed_at_ms` = now with `progress_rate` NULL is `ProgressRate.claimed(atMs:)`:
    /// the first point of the attempt, with no rate and so no ETA yet.
    private func claim(_ db: SQLiteConnection, id: Int64, query: ClaimQuery) throws -> Task {
        let (typeID, attempt) = try live.withLock { live -> (Int64, Int32) in
            guard let task = live.tasks[id] else { throw Self.vanished }
            return (task.typeID, task.attempts + 1)
        }
        let leaseExpiresAtMs = leaseEnd(typeID: typeID, nowMs: query.nowMs, defaultLeaseMs: query.defaultLeaseMs)
        // Not `UPDATE … RETURNING`: SQLite runs RETURNING as a trigger, and a statement with a trigger opens a
        // statement journal, which cost more than this separate lookup by rowid.
        let texts = try db.prepare(Self.claimTextsSQL).firstRow([id]) {
            (params: $0.string(at: 0) ?? "", dedupeKey: $0.string(at: 1) ?? "", error: $0.string(at: 2) ?? "",
             createdBy: $0.string(at: 3) ?? "")
        }
        guard let texts else { throw Self.vanished }
        try db.prepare(Self.claimSQL).run([query.workerID, query.nowMs, attempt, leaseExpiresAtMs, id])
        let claim = LiveClaim(
            workerID: query.workerID, claimedAtMs: query.nowMs, leaseExpiresAtMs: leaseExpiresAtMs, progress: 0,
            progressMessage: "", progressChangedAtMs: query.nowMs, progressRate: nil, stalledSinceMs: nil,
            cancelRequested: false, cancelReason: "", paramsJSON: texts.params, dedupeKey: texts.dedupeKey,
            errorMessage: texts.error, createdBy: texts.createdBy)
        try appendEvent(db, taskID: id, change: HistoryEntry.Change.claimed, workerID: query.workerID,
                        message: "Task claimed by worker", nowMs: query.nowMs, snapshot: (attempt, claim))
        return try live.withLock { live in
            live.claim(id, claim, nowMs: query.nowMs)
            guard let task = live.claimedTask(id) else { throw Self.vanished }
            return task
        }
    }

    public func nextDueTime(_ query: ClaimQuery) async throws -> Int64? {
        // Memory alone when no pattern needs matching: tidying the queues' tops changes no decision, so it needs
        // no write job.
        let typeIDs = query.typePattern == nil
            ? (query.taskTypeID.map { [$0] } ?? live.withLock { Array($0.types.keys) })
            : try await read { db in try self.claimTypeIDs(query, db) }
        return live.withLock { $0.nextDueTime(of: typeIDs, nowMs: query.nowMs) }
    }

    /// `time + delay`, saturating at `Int64.max` instead of trapping (a backoff or lease may be huge).
    static func adding(_ delayMs: Int64, to time: Int64) -> Int64 {
        let (sum, overflow) = time.addingReportingOverflow(delayMs)
        return overflow ? Int64.max : sum
    }
}
