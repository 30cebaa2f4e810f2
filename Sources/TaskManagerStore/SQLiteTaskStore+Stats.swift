import TaskManagerCore

extension SQLiteTaskStore {
    public func stats(nowMs: Int64, slowAfterMs: Int64) async throws -> GetStatsResponse {
        try await read { db in
            var response = GetStatsResponse()
            response.timeMs = nowMs
            (response.byStatus, response.byType) = try Self.counts(db, nowMs: nowMs)
            let limit = StatsSQL.listLimit
            response.inProgress = try db.prepare(StatsSQL.inProgress).rows([limit], TaskRow.read)
            // A threshold too large to subtract means no claim is old enough.
            let (claimedBefore, overflow) = nowMs.subtractingReportingOverflow(slowAfterMs)
            response.slow = try db.prepare(StatsSQL.slow)
                .rows([overflow ? Int64.min : claimedBefore, limit], TaskRow.read)
            response.stalled = try db.prepare(StatsSQL.stalled).rows([limit], TaskRow.read)
            response.lastHour = try Self.lastHour(db, nowMs: nowMs)
            return response
        }
    }

    /// The task counts per status (the statuses that have tasks, in `TaskStatus` order) and per type (by name).
    private static func counts(_ db: SQLiteConnection, nowMs: Int64) throws -> ([StatusCount], [TypeStats]) {
        let rows = try db.prepare(StatsSQL.countsByTypeAndStatus).rows { row in
            (typeID: row.int64(at: 0), type: row.string(at: 1) ?? "",
             status: row.string(at: 2).flatMap { TaskStatus(name: $0) }, count: row.int64(at: 3),
             oldestCreatedAtMs: row.int64(at: 4))
        }
        let claimed = try db.prepare(StatsSQL.claimedProgressByType).rows { row in
            (typeID: row.int64(at: 0), progressSum: row.int64(at: 1), count: row.int64(at: 2))
        }
        var averageProgress: [Int64: Double] = [:]
        for row in claimed where row.count > 0 {
            averageProgress[row.typeID] = Double(row.progressSum) / Double(row.count)
        }

        var totals: [TaskStatus: Int64] = [:]
        var byType: [TypeStats] = []
        // The rows come ordered by type name, so each type's rows are consecutive.
        for row in rows {
            guard let status = row.status else { continue }
            if byType.last?.type != row.type {
                var stats = TypeStats()
                stats.type = row.type
                stats.averageProgress = averageProgress[row.typeID] ?? 0
                byType.append(stats)
            }
            totals[status, default: 0] += row.count
            let last = byType.count - 1
            switch status {
            case .pending:
                byType[last].pending = row.count
                // A clock set back could date a task after now: an age is never negative.
                byType[last].oldestPendingAgeMs = max(0, nowMs - row.oldestCreatedAtMs)
            case .claimed: byType[last].claimed = row.count
            case .completed: byType[last].completed = row.count
            case .failed: byType[last].failed = row.count
            case .cancelled: byType[last].cancelled = row.count
            case .unspecified: break
            }
        }
        let byStatus = TaskStatus.allCases.compactMap { status in
            totals[status].map { StatusCount(status: status, count: $0) }
        }
        return (byStatus, byType)
    }

    /// 60 minutes of completed and failed counts, oldest first, ending with the minute that holds `nowMs`.
    private static func lastHour(_ db: SQLiteConnection, nowMs: Int64) throws -> [MinuteCount] {
        let minuteMs: Int64 = 60_000
        // Epoch times are positive, so truncating division is the floor, in Swift as in the SQL.
        let currentMinute = nowMs / minuteMs * minuteMs
        let firstMinute = currentMinute - 59 * minuteMs
        var minutes = (0..<60).map { MinuteCount(minuteStartMs: firstMinute + Int64($0) * minuteMs) }
        let rows = try db.prepare(StatsSQL.finishedPerMinute).rows([firstMinute, currentMinute + minuteMs]) {
            (minute: $0.int64(at: 0), status: $0.string(at: 1), count: $0.int64(at: 2))
        }
        for row in rows {
            // The range starts on a minute boundary, so every row's minute is one of the 60.
            let index = Int((row.minute * minuteMs - firstMinute) / minuteMs)
            guard minutes.indices.contains(index) else { continue }
            if row.status == TaskStatus.completed.name { minutes[index].completed = row.count }
            if row.status == TaskStatus.failed.name { minutes[index].failed = row.count }
        }
        return minutes
    }
}
