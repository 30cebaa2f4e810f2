import TaskManagerCore

extension SQLiteTaskStore {
    public func markStalledTasks(nowMs: Int64, defaultStallAfterMs: Int64) async throws -> [Task] {
        try await write { db in
            let candidates = self.live.withLock { live in
                live.claims.compactMap { id, claim -> (id: Int64, task: LiveTask, claim: LiveClaim)? in
                    guard claim.stalledSinceMs == nil, let task = live.tasks[id] else { return nil }
                    let typeMs = live.types[task.typeID]?.stallAfterMs ?? 0
                    let stallMs = typeMs > 0 ? typeMs : defaultStallAfterMs
                    // As a difference, so a huge default cannot overflow.
                    guard stallMs > 0, nowMs - claim.progressChangedAtMs >= stallMs else { return nil }
                    return (id, task, claim)
                }
            }.sorted { ($0.claim.progressChangedAtMs, $0.id) < ($1.claim.progressChangedAtMs, $1.id) }
            return try candidates.map { candidate in
                var next = candidate.claim
                next.stalledSinceMs = nowMs
                let seconds = (nowMs - candidate.claim.progressChangedAtMs) / 1_000
                try self.appendEvent(db, taskID: candidate.id, change: HistoryEntry.Change.stalled,
                                     workerID: candidate.claim.workerID, message: "No progress for \(seconds) s",
                                     nowMs: nowMs, snapshot: (candidate.task.attempts, next))
                return try self.live.withLock { live in
                    live.update(candidate.id, next, nowMs: nowMs)
                    guard let task = live.claimedTask(candidate.id) else { throw Self.vanished }
                    return task
                }
            }
        }
    }
}
