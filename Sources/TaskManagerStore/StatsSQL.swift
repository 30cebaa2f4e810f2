/// The queries of `SQLiteTaskStore.stats`, one read transaction; their plans are checked in `StatsTests`.
///
/// They mirror the original's "Dashboard Queries" (tasks in progress, slow tasks, average progress by type) and
/// add the status counts, stalled tasks and finished-per-minute figures. Only the first query reads every task.
enum StatsSQL {
    /// How many tasks each list (in progress, slow, stalled) holds at most.
    static let listLimit = 100

    /// `type id, name, status, COUNT(*), MIN(created_at_ms)` per type and status, by type name, then status text.
    ///
    /// The one query that reads every task: it walks `task_types` by its UNIQUE name index and, per type, the
    /// `tasks_claim (type_id, status, ...)` range as a covering index, so the groups come out in order with no
    /// sort and no table row is read ("SCAN tt USING COVERING INDEX ...; SEARCH t USING COVERING INDEX
    /// tasks_claim (type_id=?)"). The MIN of the pending group is the oldest pending task's creation time.
    static let countsByTypeAndStatus = """
        SELECT tt.id, tt.name, t.status, COUNT(*), MIN(t.created_at_ms)
        FROM tasks t JOIN task_types tt ON tt.id = t.type_id
        GROUP BY tt.name, t.status
        ORDER BY tt.name, t.status
        """

    /// `type_id, SUM(progress), COUNT(*)` of the claimed tasks per type: a search on the status prefix of an index.
    ///
    /// SUM and COUNT rather than AVG, whose REAL result the statement wrapper has no reader for; SQLite's AVG
    /// is the same quotient.
    static let claimedProgressByType = """
        SELECT type_id, SUM(progress), COUNT(*) FROM tasks WHERE status = 'claimed' GROUP BY type_id
        """

    /// Claimed tasks, most recently claimed first; `?1` = limit.
    static let inProgress = TaskRow.select + """
         WHERE t.status = 'claimed' ORDER BY t.claimed_at_ms DESC, t.id DESC LIMIT ?1
        """

    /// Claimed tasks claimed before `?1` with progress below 100, longest running first; `?2` = limit.
    static let slow = TaskRow.select + """
         WHERE t.status = 'claimed' AND t.claimed_at_ms < ?1 AND t.progress < 100
         ORDER BY t.claimed_at_ms ASC, t.id ASC LIMIT ?2
        """

    /// Claimed tasks marked stalled, longest stalled first; `?1` = limit.
    static let stalled = TaskRow.select + """
         WHERE t.status = 'claimed' AND t.stalled_since_ms IS NOT NULL
         ORDER BY t.stalled_since_ms ASC, t.id ASC LIMIT ?1
        """

    /// `minute (completed_at_ms / 60000), status, COUNT(*)` of the tasks completed or failed in [`?1`, `?2`).
    ///
    /// A range on the covering index `tasks_finished (status, completed_at_ms)` for each of the two
    /// statuses; only the final status is stored, so a failed attempt that was retried is not counted.
    static let finishedPerMinute = """
        SELECT completed_at_ms / 60000 AS minute, status, COUNT(*) FROM tasks
        WHERE status IN ('completed', 'failed') AND completed_at_ms >= ?1 AND completed_at_ms < ?2
        GROUP BY minute, status
        """
}
