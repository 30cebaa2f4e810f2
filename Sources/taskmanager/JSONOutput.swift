import TaskManagerCore

/// The `--json` forms of the responses: objects with the proto's snake_case field names.
///
/// JSON held in strings (`params_json`, `result_json`, `param_schema_json`) is embedded as a value under the name
/// without `_json`: null when empty, the raw string when it does not parse.
enum JSONOutput {
    static func task(_ task: Task) -> JSONValue {
        .object([
            "id": .integer(task.id),
            "type": .string(task.type),
            "type_id": .integer(task.typeID),
            "status": .string(task.status.name),
            "progress": .integer(Int64(task.progress)),
            "progress_message": .string(task.progressMessage),
            "priority": .integer(Int64(task.priority)),
            "attempts": .integer(Int64(task.attempts)),
            "max_attempts": .integer(Int64(task.maxAttempts)),
            "claimed_by": .string(task.claimedBy),
            "claimed_at_ms": .integer(task.claimedAtMs),
            "created_at_ms": .integer(task.createdAtMs),
            "updated_at_ms": .integer(task.updatedAtMs),
            "completed_at_ms": .integer(task.completedAtMs),
            "params": embedded(task.paramsJSON),
            "result": embedded(task.resultJSON),
            "error_message": .string(task.errorMessage),
            "dedupe_key": .string(task.dedupeKey),
            "lease_expires_at_ms": .integer(task.leaseExpiresAtMs),
            "cancel_requested": .bool(task.cancelRequested),
            "cancel_reason": .string(task.cancelReason),
            "stalled": .bool(task.stalled),
            "stalled_since_ms": .integer(task.stalledSinceMs),
            "run_at_ms": .integer(task.runAtMs),
            "eta_ms": .integer(task.etaMs),
            "progress_rate": .number(task.progressRate),
        ])
    }

    static func taskType(_ type: TaskType) -> JSONValue {
        .object([
            "id": .integer(type.id),
            "name": .string(type.name),
            "version": .string(type.version),
            "param_schema": embedded(type.paramSchemaJSON),
            "is_active": .bool(type.isActive),
            "usage_count": .integer(type.usageCount),
            "created_at_ms": .integer(type.createdAtMs),
            "updated_at_ms": .integer(type.updatedAtMs),
            "settings": settings(type.settings),
        ])
    }

    static func settings(_ settings: TaskTypeSettings) -> JSONValue {
        .object([
            "lease_seconds": .integer(Int64(settings.leaseSeconds)),
            "max_attempts": .integer(Int64(settings.maxAttempts)),
            "stall_after_seconds": .integer(Int64(settings.stallAfterSeconds)),
            "retry_backoff_base_ms": .integer(Int64(settings.retryBackoffBaseMs)),
            "retry_backoff_cap_ms": .integer(Int64(settings.retryBackoffCapMs)),
        ])
    }

    static func historyEntry(_ entry: HistoryEntry) -> JSONValue {
        .object([
            "id": .integer(entry.id),
            "task_id": .integer(entry.taskID),
            "status_change": .string(entry.statusChange),
            "worker_id": .string(entry.workerID),
            "message": .string(entry.message),
            "created_at_ms": .integer(entry.createdAtMs),
        ])
    }

    static func health(_ health: HealthResponse) -> JSONValue {
        .object([
            "status": .string(health.status),
            "database": .string(health.database),
            "version": .string(health.version),
            "time_ms": .integer(health.timeMs),
        ])
    }

    static func listTasks(_ response: ListTasksResponse) -> JSONValue {
        .object([
            "tasks": .array(response.tasks.map(task)),
            "count": .integer(Int64(response.count)),
            "total": .integer(response.total),
            "limit": .integer(Int64(response.limit)),
            "offset": .integer(Int64(response.offset)),
        ])
    }

    static func optionalTask(_ value: Task?) -> JSONValue {
        value.map(task) ?? .null
    }

    /// Prints `value` as one line of canonical JSON.
    static func print(_ value: JSONValue) {
        Swift.print(value.canonicalText)
    }

    private static func embedded(_ text: String) -> JSONValue {
        if text.isEmpty { return .null }
        return (try? JSONValue.parse(text)) ?? .string(text)
    }
}
