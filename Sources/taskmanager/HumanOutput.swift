import Foundation
import TaskManagerCore

/// The readable forms of the responses: aligned `Label: value` blocks and tables.
enum HumanOutput {
    /// Every field of a task; the lease, cancel, stall and run-at lines only when they are set.
    static func taskDetails(_ task: Task) -> String {
        var pairs = [
            ("ID", String(task.id)),
            ("Type", "\(task.type) (type id \(task.typeID))"),
            ("Status", task.status.name),
            ("Progress", progress(task)),
            ("Priority", String(task.priority)),
            ("Attempts", "\(task.attempts) of \(task.maxAttempts)"),
            ("Claimed by", orDash(task.claimedBy)),
            ("Claimed at", time(task.claimedAtMs)),
        ]
        if task.leaseExpiresAtMs != 0 { pairs.append(("Lease expires", time(task.leaseExpiresAtMs))) }
        if task.cancelRequested { pairs.append(("Cancel requested", "yes")) }
        if !task.cancelReason.isEmpty { pairs.append(("Cancel reason", task.cancelReason)) }
        if task.stalled { pairs.append(("Stalled since", time(task.stalledSinceMs))) }
        if task.runAtMs != 0 { pairs.append(("Run at", time(task.runAtMs))) }
        pairs += [
            ("Created at", time(task.createdAtMs)),
            ("Updated at", time(task.updatedAtMs)),
            ("Completed at", time(task.completedAtMs)),
            ("Dedupe key", orDash(task.dedupeKey)),
            ("Params", orDash(task.paramsJSON)),
            ("Result", orDash(task.resultJSON)),
            ("Error", orDash(task.errorMessage)),
        ]
        return fields(pairs)
    }

    static func taskTypeDetails(_ type: TaskType) -> String {
        fields([
            ("ID", String(type.id)),
            ("Name", type.name),
            ("Version", type.version),
            ("Active", type.isActive ? "yes" : "no"),
            ("Tasks", String(type.usageCount)),
            ("Created at", time(type.createdAtMs)),
            ("Updated at", time(type.updatedAtMs)),
            ("Schema", orDash(type.paramSchemaJSON)),
        ] + settingFields(type.settings))
    }

    /// The settings a type overrides, one line each; the unset (0) ones are left out.
    static func settingFields(_ settings: TaskTypeSettings) -> [(String, String)] {
        let all: [(String, Int32, String)] = [
            ("Lease", settings.leaseSeconds, " s"), ("Max attempts", settings.maxAttempts, ""),
            ("Stall after", settings.stallAfterSeconds, " s"), ("Retry backoff base", settings.retryBackoffBaseMs, " ms"),
            ("Retry backoff cap", settings.retryBackoffCapMs, " ms"),
        ]
        return all.filter { $0.1 != 0 }.map { ($0.0, "\($0.1)\($0.2)") }
    }

    /// `lease=60s max_attempts=5 ...` for a table cell; `-` when the type overrides nothing.
    static func settingsSummary(_ settings: TaskTypeSettings) -> String {
        let all: [(String, Int32, String)] = [
            ("lease", settings.leaseSeconds, "s"), ("max_attempts", settings.maxAttempts, ""),
            ("stall_after", settings.stallAfterSeconds, "s"), ("backoff_base", settings.retryBackoffBaseMs, "ms"),
            ("backoff_cap", settings.retryBackoffCapMs, "ms"),
        ]
        let parts = all.filter { $0.1 != 0 }.map { "\($0.0)=\($0.1)\($0.2)" }
        return parts.isEmpty ? "-" : parts.joined(separator: " ")
    }

    static func health(_ health: HealthResponse) -> String {
        fields([
            ("Status", health.status),
            ("Database", health.database),
            ("Version", health.version),
            ("Server time", time(health.timeMs)),
        ])
    }

    static func taskTable(_ tasks: [Task]) -> String {
        var table = TableFormatter(headers: ["ID", "TYPE", "STATUS", "PROGRESS", "PRIORITY", "ATTEMPTS", "WORKER", "CREATED"])
        for task in tasks {
            table.append([
                String(task.id), task.type, status(task), "\(task.progress)%", String(task.priority),
                "\(task.attempts)/\(task.maxAttempts)", orDash(task.claimedBy), time(task.createdAtMs),
            ])
        }
        return table.render()
    }

    static func taskTypeTable(_ types: [TaskType]) -> String {
        var table = TableFormatter(headers: ["ID", "NAME", "VERSION", "ACTIVE", "TASKS", "UPDATED", "SETTINGS"])
        for type in types {
            table.append([
                String(type.id), type.name, type.version, type.isActive ? "yes" : "no", String(type.usageCount),
                time(type.updatedAtMs), settingsSummary(type.settings),
            ])
        }
        return table.render()
    }

    static func historyTable(_ entries: [HistoryEntry]) -> String {
        var table = TableFormatter(headers: ["TIME", "CHANGE", "WORKER", "MESSAGE"])
        for entry in entries {
            table.append([time(entry.createdAtMs), entry.statusChange, orDash(entry.workerID), entry.message])
        }
        return table.render()
    }

    /// The status name, with `(stalled)` and `(cancel requested)` for a claimed task so marked.
    static func status(_ task: Task) -> String {
        guard task.status == .claimed else { return task.status.name }
        return task.status.name + (task.stalled ? " (stalled)" : "") + (task.cancelRequested ? " (cancel requested)" : "")
    }

    /// `45% - Step 2/4`, or `45%` without a message.
    static func progress(_ task: Task) -> String {
        task.progressMessage.isEmpty ? "\(task.progress)%" : "\(task.progress)% - \(task.progressMessage)"
    }

    /// ISO-8601 in UTC, or `-` for 0 (unset).
    static func time(_ ms: Int64) -> String {
        guard ms != 0 else { return "-" }
        return Date(timeIntervalSince1970: Double(ms) / 1000).formatted(.iso8601)
    }

    /// `Label: value` lines with the values aligned.
    static func fields(_ pairs: [(String, String)]) -> String {
        let width = (pairs.map(\.0.count).max() ?? 0) + 1
        return pairs.map { label, value in "\(label):".rightPadded(to: width) + "  " + value }.joined(separator: "\n")
    }

    private static func orDash(_ text: String) -> String {
        text.isEmpty ? "-" : text
    }
}
