/// The queries of `SQLiteTaskStore.stats`, one read transaction; their plans are checked in `StatsTests`.
///
/// They read finished tasks only: pending and claimed tasks are counted, averaged and listed from memory.
enum StatsSQL {
    /// How many tasks each list (in progress, slow, stalled) holds at most.
    static let listLimit = 100

    /// `type_id, status, COUNT(*)` of the finished tasks per type and status: a scan of the covering index
    /// `tasks_finished (status, completed_at_ms, type_id)`, with no table row read.
    static let finishedByTypeAndStatus = """
        SELECT type_id, status, COUNT(*) FROM tasks
        WHERE completed_at_ms IS NOT NULL AND status IN ('completed', 'failed', 'cancelled')
        GROUP BY type_id, status
        """

    /// `minute (completed_at_ms / 60000), status, COUNT(*)` of the tasks completed or failed in [`?1`, `?2`).
    ///
    /// A range on the covering index `tasks_finished (status, completed_at_ms, type_id)` for each of the two
    /// statuses; only the final status is stored, so a failed attempt that was retried is not counted.
    static let finishedPerMinute = """
        SELECT completed_at_ms / 60000 AS minute, status, COUNT(*) FROM tasks
        WHERE status IN ('completed', 'failed') AND completed_at_ms >= ?1 AND completed_at_ms < ?2
        GROUP BY minute, status
        """
}
