import PostgresNIO
import TaskManagerCore
import TaskManagerStore

extension PostgresTaskStore {
    /// How many tasks each list (in progress, slow, stalled) holds at most, as SQLite's.
    static let statsListLimit: Int64 = 100

    public func stats(nowMs: Int64, slowAfterMs: Int64) async throws -> GetStatsResponse {
        try await transaction { db in
            // One snapshot for every figure.
            try await db.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: self.logger)
            var response = GetStatsResponse()
            response.timeMs = nowMs
            var byType: [String: TypeStats] = [:]
            let counts = try await self.rows(db, """
                SELECT tt.name, t.status, COUNT(*)::bigint, MIN(t.created_at_ms), COALESCE(AVG(t.progress), 0)::float8
                FROM tasks t JOIN task_types tt ON tt.id = t.type_id GROUP BY tt.name, t.status
                """)
            for row in counts {
                let (name, statusName, count, oldest, progress) = try row.decode((String, String, Int64, Int64?, Double).self)
                var stats = byType[name] ?? TypeStats(type: name)
                switch TaskStatus(name: statusName) {
                case .pending:
                    stats.pending = count
                    // A clock set back could date a task after now: an age is never negative.
                    stats.oldestPendingAgeMs = max(0, nowMs - (oldest ?? nowMs))
                case .claimed:
                    stats.claimed = count
                    stats.averageProgress = progress
                case .completed: stats.completed = count
                case .failed: stats.failed = count
                case .cancelled: stats.cancelled = count
                default: continue
                }
                byType[name] = stats
            }
            response.byType = byType.values.sorted { $0.type < $1.type }
            response.byStatus = TaskStatus.allCases.compactMap { status in
                let total = response.byType.reduce(Int64(0)) { sum, stats in
                    switch status {
                    case .pending: sum + stats.pending
                    case .claimed: sum + stats.claimed
                    case .completed: sum + stats.completed
                    case .failed: sum + stats.failed
                    case .cancelled: sum + stats.cancelled
                    default: sum
                    }
                }
                return total > 0 ? StatusCount(status: status, count: total) : nil
            }
            let claimed = PostgresTaskRow.select + " WHERE t.status = 'claimed'"
            response.inProgress = try await self.rows(db, PostgresQuery(unsafeSQL: claimed
                + " ORDER BY t.claimed_at_ms DESC, t.id DESC LIMIT \(Self.statsListLimit)")).map(PostgresTaskRow.read)
            // A threshold too large to subtract means no claim is old enough.
            let (claimedBefore, overflow) = nowMs.subtractingReportingOverflow(slowAfterMs)
            if !overflow {
                var binds = PostgresBindings()
                binds.append(claimedBefore)
                response.slow = try await self.rows(db, PostgresQuery(unsafeSQL: claimed
                    + " AND t.claimed_at_ms < $1 AND t.progress < 100 ORDER BY t.claimed_at_ms, t.id LIMIT \(Self.statsListLimit)",
                    binds: binds)).map(PostgresTaskRow.read)
            }
            response.stalled = try await self.rows(db, PostgresQuery(unsafeSQL: claimed
                + " AND t.stalled_since_ms IS NOT NULL ORDER BY t.stalled_since_ms, t.id LIMIT \(Self.statsListLimit)"))
                .map(PostgresTaskRow.read)
            response.lastHour = try await self.lastHour(db, nowMs: nowMs)
            return response
        }
    }

    /// 60 minutes of completed and failed counts, oldest first, ending with the minute that holds `nowMs`.
    private func lastHour(_ db: PostgresConnection, nowMs: Int64) async throws -> [MinuteCount] {
        let minuteMs: Int64 = 60_000
        let currentMinute = nowMs / minuteMs * minuteMs
        let firstMinute = currentMinute - 59 * minuteMs
        var minutes = (0..<60).map { MinuteCount(minuteStartMs: firstMinute + Int64($0) * minuteMs) }
        let rows = try await self.rows(db, """
            SELECT (completed_at_ms / 60000)::bigint AS minute, status, COUNT(*)::bigint FROM tasks
            WHERE status IN ('completed', 'failed') AND completed_at_ms >= \(firstMinute)
              AND completed_at_ms < \(currentMinute + minuteMs)
            GROUP BY minute, status
            """)
        for row in rows {
            let (minute, status, count) = try row.decode((Int64, String, Int64).self)
            let index = Int((minute * minuteMs - firstMinute) / minuteMs)
            guard minutes.indices.contains(index) else { continue }
            if status == TaskStatus.completed.name { minutes[index].completed = count }
            if status == TaskStatus.failed.name { minutes[index].failed = count }
        }
        return minutes
    }
}
