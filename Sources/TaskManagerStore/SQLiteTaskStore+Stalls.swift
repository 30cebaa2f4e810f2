import TaskManagerCore

extension SQLiteTaskStore {
    public func markStalledTasks(nowMs: Int64, defaultStallAfterMs: Int64) async throws -> [Task] {
        try await write { db in
            // No stall time is shorter than this (a type's is whole seconds), so older progress is all that
            // needs reading: a range on the stall index. Each candidate's own stall time is checked below.
            let shortestStallMs = defaultStallAfterMs > 0 ? min(defaultStallAfterMs, 1_000) : 1_000
            let candidates = try db.prepare(Self.stallCandidates).rows([nowMs - shortestStallMs]) {
                (id: $0.int64(at: 0), worker: $0.string(at: 1), changedAtMs: $0.int64(at: 2),
                 typeStallSeconds: $0.int64(at: 3))
            }
            var stalled: [Task] = []
            for candidate in candidates {
                let stallMs = candidate.typeStallSeconds > 0 ? candidate.typeStallSeconds * 1_000 : defaultStallAfterMs
                // As a difference, so a huge default cannot overflow.
                guard stallMs > 0, nowMs - candidate.changedAtMs >= stallMs else { continue }
                try db.prepare("UPDATE tasks SET stalled_since_ms = ?1, updated_at_ms = ?1 WHERE id = ?2")
                    .run([nowMs, candidate.id])
                let seconds = (nowMs - candidate.changedAtMs) / 1_000
                try self.addHistory(db, taskID: candidate.id, change: HistoryEntry.Change.stalled,
                                    workerID: candidate.worker, message: "No progress for \(seconds) s", nowMs: nowMs)
                guard let task = try TaskRow.fetch(id: candidate.id, in: db) else { throw Self.vanished }
                stalled.append(task)
            }
            return stalled
        }
    }

    /// `id, claimed_by, progress_changed_at_ms` and the type's `stall_after_seconds` of the claimed tasks not yet
    /// marked stalled whose progress last changed at or before `?1`, oldest change first.
    static let stallCandidates = """
        SELECT t.id, t.claimed_by, t.progress_changed_at_ms, tt.stall_after_seconds
        FROM tasks t JOIN task_types tt ON tt.id = t.type_id
        WHERE t.status = 'claimed' AND t.progress_changed_at_ms <= ?1 AND t.stalled_since_ms IS NULL
        ORDER BY t.progress_changed_at_ms, t.id
        """
}
