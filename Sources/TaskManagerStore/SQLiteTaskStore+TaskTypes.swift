import TaskManagerCore

extension SQLiteTaskStore {
    public func registerTaskType(
        name: String, version: String, paramSchemaJSON: String, settings: TaskTypeSettings, nowMs: Int64
    ) async throws -> (taskType: TaskType, created: Bool) {
        try await write { db in
            let existing = try db.prepare("SELECT id FROM task_types WHERE name = ?").firstRow([name]) { $0.int64(at: 0) }
            let settingValues: [(any SQLiteBindable)?] = [
                settings.leaseSeconds, settings.maxAttempts, settings.stallAfterSeconds, settings.retryBackoffBaseMs,
                settings.retryBackoffCapMs,
            ]
            if let id = existing {
                try db.prepare("""
                    UPDATE task_types SET version = ?, param_schema_json = ?, is_active = 1, updated_at_ms = ?,
                                          lease_seconds = ?, max_attempts = ?, stall_after_seconds = ?,
                                          retry_backoff_base_ms = ?, retry_backoff_cap_ms = ?
                    WHERE id = ?
                    """).run([version, paramSchemaJSON, nowMs] + settingValues + [id])
            } else {
                try db.prepare("""
                    INSERT INTO task_types (name, version, param_schema_json, is_active, created_at_ms, updated_at_ms,
                                            lease_seconds, max_attempts, stall_after_seconds, retry_backoff_base_ms,
                                            retry_backoff_cap_ms)
                    VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?)
                    """).run([name, version, paramSchemaJSON, nowMs, nowMs] + settingValues)
            }
            guard let type = try TaskTypeRow.fetch(name: name, in: db) else { throw Self.vanished }
            self.live.withLock { live in
                live.setType(type)
                live.changed = true
            }
            return (type, existing == nil)
        }
    }

    public func taskType(named name: String, includingUsage: Bool) async throws -> TaskType? {
        // Without its usage count (which reads every task of the type) a type is all in memory.
        guard includingUsage else { return typeInMemory(named: name) }
        return try await read { db in try TaskTypeRow.fetch(name: name, includingUsage: true, in: db) }
    }

    public func taskTypeNow(named name: String) throws -> ImmediateRead<TaskType?> {
        .value(typeInMemory(named: name))
    }

    private func typeInMemory(named name: String) -> TaskType? {
        live.withLock { live in live.typeIDs[ExactText(name)].flatMap { live.types[$0]?.type } }
    }

    public func listTaskTypes(activeOnly: Bool) async throws -> [TaskType] {
        try await read { db in
            let filter = activeOnly ? " WHERE tt.is_active = 1" : ""
            return try db.prepare(TaskTypeRow.select + filter + " ORDER BY usage_count DESC, tt.name ASC")
                .rows([], TaskTypeRow.read)
        }
    }

    public func setTaskTypeActive(name: String, active: Bool, nowMs: Int64) async throws -> TaskType? {
        try await write { db in
            try db.prepare("UPDATE task_types SET is_active = ?, updated_at_ms = ? WHERE name = ?")
                .run([active, nowMs, name])
            guard db.changes > 0 else { return nil }
            guard let type = try TaskTypeRow.fetch(name: name, in: db) else { throw Self.vanished }
            self.live.withLock { live in
                live.setType(type)
                live.changed = true
            }
            return type
        }
    }
}
