import ArgumentParser
import TaskManagerCore

/// `taskmanager stats`: the dashboard: counts by status and type, tasks in progress, slow and stalled, last hour.
struct StatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats", abstract: "Show the dashboard: task counts, running, slow and stalled tasks.")

    @Option(help: "A claimed task below 100% is slow after this many minutes (server default 5).")
    var slowAfterMinutes: Int32?

    @OptionGroup var options: ClientOptions

    func validate() throws {
        if let slowAfterMinutes, slowAfterMinutes < 0 {
            throw ValidationError("--slow-after-minutes must not be negative")
        }
    }

    func run() async throws {
        let request = GetStatsRequest(slowAfterMinutes: slowAfterMinutes ?? 0)
        let json = options.json
        try await options.withClient { client in
            let stats = try await client.call("GetStats", request, as: GetStatsResponse.self)
            if json { return JSONOutput.print(JSONOutput.stats(stats)) }
            let slowAfter = request.slowAfterMinutes == 0 ? 5 : request.slowAfterMinutes
            print(HumanOutput.stats(stats, slowAfterMinutes: slowAfter))
        }
    }
}

extension HumanOutput {
    /// The status line, the per-type table, the in-progress, slow and stalled tables, and the last hour's totals.
    static func stats(_ stats: GetStatsResponse, slowAfterMinutes: Int32) -> String {
        let counts = stats.byStatus.map { "\($0.count) \($0.status.name)" }
        var sections = ["Tasks: " + (counts.isEmpty ? "none" : counts.joined(separator: ", "))]
        if !stats.byType.isEmpty {
            var table = TableFormatter(headers: [
                "TYPE", "PENDING", "CLAIMED", "COMPLETED", "FAILED", "CANCELLED", "OLDEST PENDING", "AVG PROGRESS",
            ])
            for type in stats.byType {
                table.append([
                    type.type, String(type.pending), String(type.claimed), String(type.completed), String(type.failed),
                    String(type.cancelled), type.pending == 0 ? "-" : duration(type.oldestPendingAgeMs),
                    type.claimed == 0 ? "-" : "\((type.averageProgress * 10).rounded() / 10)%",
                ])
            }
            sections.append(table.render())
        }
        sections.append(claimedTable("In progress", stats.inProgress, nowMs: stats.timeMs, eta: true))
        sections.append(claimedTable("Slow (claimed over \(slowAfterMinutes) min, below 100%)", stats.slow,
                                     nowMs: stats.timeMs))
        sections.append(claimedTable("Stalled", stats.stalled, nowMs: stats.timeMs))
        let completed = stats.lastHour.reduce(0) { $0 + $1.completed }
        let failed = stats.lastHour.reduce(0) { $0 + $1.failed }
        sections.append("Last hour: \(completed) completed, \(failed) failed")
        return sections.joined(separator: "\n\n")
    }

    /// `title (n)` over a table of claimed tasks, or `title: none`.
    private static func claimedTable(_ title: String, _ tasks: [Task], nowMs: Int64, eta: Bool = false) -> String {
        guard !tasks.isEmpty else { return "\(title): none" }
        let headers = ["ID", "TYPE", "PROGRESS", "WORKER", "CLAIMED", "RUNNING"] + (eta ? ["ETA"] : [])
        var table = TableFormatter(headers: headers)
        for task in tasks {
            table.append([
                String(task.id), task.type, progress(task), task.claimedBy.isEmpty ? "-" : task.claimedBy,
                time(task.claimedAtMs), duration(nowMs - task.claimedAtMs),
            ] + (eta ? [time(task.etaMs)] : []))
        }
        return "\(title) (\(tasks.count))\n" + table.render()
    }

    /// A length of time in its two largest units: `45s`, `7m 5s`, `2h 3m`, `3d 4h`.
    static func duration(_ ms: Int64) -> String {
        let seconds = max(ms, 0) / 1000
        let (days, hours, minutes) = (seconds / 86_400, seconds / 3600 % 24, seconds / 60 % 60)
        if days > 0 { return "\(days)d \(hours)h" }
        if hours > 0 { return "\(hours)h \(minutes)m" }
        if minutes > 0 { return "\(minutes)m \(seconds % 60)s" }
        return "\(seconds)s"
    }
}

extension JSONOutput {
    static func stats(_ stats: GetStatsResponse) -> JSONValue {
        .object([
            "time_ms": .integer(stats.timeMs),
            "by_status": .array(stats.byStatus.map {
                .object(["status": .string($0.status.name), "count": .integer($0.count)])
            }),
            "by_type": .array(stats.byType.map(typeStats)),
            "in_progress": .array(stats.inProgress.map(task)),
            "slow": .array(stats.slow.map(task)),
            "stalled": .array(stats.stalled.map(task)),
            "last_hour": .array(stats.lastHour.map {
                .object([
                    "minute_start_ms": .integer($0.minuteStartMs), "completed": .integer($0.completed),
                    "failed": .integer($0.failed),
                ])
            }),
        ])
    }

    static func typeStats(_ stats: TypeStats) -> JSONValue {
        .object([
            "type": .string(stats.type),
            "pending": .integer(stats.pending),
            "claimed": .integer(stats.claimed),
            "completed": .integer(stats.completed),
            "failed": .integer(stats.failed),
            "cancelled": .integer(stats.cancelled),
            "oldest_pending_age_ms": .integer(stats.oldestPendingAgeMs),
            "average_progress": .number(stats.averageProgress),
        ])
    }
}
