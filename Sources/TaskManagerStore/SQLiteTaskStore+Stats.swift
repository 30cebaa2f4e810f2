import TaskManagerCore

extension SQLiteTaskStore {
    public func stats(nowMs: Int64, slowAfterMs: Int64) async throws -> GetStatsResponse {
        // Finished tasks are counted in SQLite; live ones, and the lists (all claimed), come from memory.
        let (names, finished, lastHour) = try await read { db in
            let names = Dictionary(uniqueKeysWithValues: try db.prepare("SELECT id, name FROM task_types").rows {
                ($0.int64(at: 0), $0.string(at: 1) ?? "")
            })
            let finished = try db.prepare(StatsSQL.finishedByTypeAndStatus).rows { row in
                (typeID: row.int64(at: 0), status: row.string(at: 1).flatMap { TaskStatus(name: $0) }, count: row.int64(at: 2))
            }
            return (names, finished, try Self.lastHour(db, nowMs: nowMs))
        }
        var response = GetStatsResponse()
        response.timeMs = nowMs
        response.lastHour = lastHour
        live.withLock { live in
            // One pass over the live tasks (under the lock the writer needs too, so nothing but reads of the
            // tasks themselves): the counts and the oldest pending task per type.
            var counts: [Int64: TypeStats] = [:]
            for queue in live.queueCounts {
                var stats = TypeStats()
                stats.pending = Int64(queue.pending)
                stats.claimed = Int64(queue.claimed)
                counts[queue.typeID] = stats
            }
            // Types are few: a short array searched linearly is cheaper per task than a dictionary.
            var oldest: [(typeID: Int64, createdAtMs: Int64)] = []
            for task in live.tasks.values where !task.isClaimed {
                if let index = oldest.firstIndex(where: { $0.typeID == task.typeID }) {
                    oldest[index].createdAtMs = min(oldest[index].createdAtMs, task.createdAtMs)
                } else {
                    oldest.append((task.typeID, task.createdAtMs))
                }
            }
            for (typeID, createdAtMs) in oldest {
                // A clock set back could date a task after now: an age is never negative.
                counts[typeID]?.oldestPendingAgeMs = max(0, nowMs - createdAtMs)
            }
            var progressSums: [Int64: Int64] = [:]
            for (id, claim) in live.claims {
                if let typeID = live.tasks[id]?.typeID { progressSums[typeID, default: 0] += Int64(claim.progress) }
            }
            for row in finished {
                guard let status = row.status else { continue }
                var stats = counts[row.typeID] ?? TypeStats()
                switch status {
                case .completed: stats.completed += row.count
                case .failed: stats.failed += row.count
                case .cancelled: stats.cancelled += row.count
                default: break
                }
                counts[row.typeID] = stats
            }
            var totals: [TaskStatus: Int64] = [:]
            response.byType = counts.compactMap { typeID, stats -> TypeStats? in
                var stats = stats
                stats.type = names[typeID] ?? live.types[typeID]?.name ?? ""
                if stats.claimed > 0 { stats.averageProgress = Double(progressSums[typeID] ?? 0) / Double(stats.claimed) }
                for (status, count) in [(TaskStatus.pending, stats.pending), (.claimed, stats.claimed),
                                        (.completed, stats.completed), (.failed, stats.failed), (.cancelled, stats.cancelled)]
                where count > 0 {
                    totals[status, default: 0] += count
                }
                return stats
            }.sorted { $0.type < $1.type }
            response.byStatus = TaskStatus.allCases.compactMap { status in
                totals[status].map { StatusCount(status: status, count: $0) }
            }
            let claimed = live.claims.compactMap { id, claim in live.tasks[id].map { live.makeTask($0, claim) } }
            let limit = StatsSQL.listLimit
            response.inProgress = Array(claimed.sorted { ($0.claimedAtMs, $0.id) > ($1.claimedAtMs, $1.id) }.prefix(limit))
            // A threshold too large to subtract means no claim is old enough.
            let (claimedBefore, overflow) = nowMs.subtractingReportingOverflow(slowAfterMs)
            response.slow = Array(claimed.filter { !overflow && $0.claimedAtMs < claimedBefore && $0.progress < 100 }
                .sorted { ($0.claimedAtMs, $0.id) < ($1.claimedAtMs, $1.id) }.prefix(limit))
            response.stalled = Array(claimed.filter(\.stalled)
                .sorted { ($0.stalledSinceMs, $0.id) < ($1.stalledSinceMs, $1.id) }.prefix(limit))
        }
        return response
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
