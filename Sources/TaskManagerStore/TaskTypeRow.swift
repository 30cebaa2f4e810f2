import TaskManagerCore

/// How a `TaskType` is read from `task_types`, with its usage count.
enum TaskTypeRow {
    /// The SELECT of every column `read` expects, from `task_types tt`; append WHERE/ORDER BY.
    static let select = select(usage: "(SELECT COUNT(*) FROM tasks t WHERE t.type_id = tt.id)")

    /// `select` with a usage count of 0: no scan of the type's tasks.
    static let selectWithoutUsage = select(usage: "0")

    private static func select(usage: String) -> String {
        """
        SELECT tt.id, tt.name, tt.version, tt.param_schema_json, tt.is_active, tt.created_at_ms, tt.updated_at_ms,
               \(usage) AS usage_count,
               tt.lease_seconds, tt.max_attempts, tt.stall_after_seconds, tt.retry_backoff_base_ms,
               tt.retry_backoff_cap_ms
        FROM task_types tt
        """
    }

    /// The type in the current row of a statement made from `select`.
    static func read(_ row: SQLiteStatement) -> TaskType {
        var type = TaskType()
        type.id = row.int64(at: 0)
        type.name = row.string(at: 1) ?? ""
        type.version = row.string(at: 2) ?? ""
        type.paramSchemaJSON = row.string(at: 3) ?? ""
        type.isActive = row.bool(at: 4)
        type.createdAtMs = row.int64(at: 5)
        type.updatedAtMs = row.int64(at: 6)
        type.usageCount = row.int64(at: 7)
        type.settings = TaskTypeSettings(
            leaseSeconds: row.int32(at: 8), maxAttempts: row.int32(at: 9), stallAfterSeconds: row.int32(at: 10),
            retryBackoffBaseMs: row.int32(at: 11), retryBackoffCapMs: row.int32(at: 12))
        return type
    }

    /// The type with this name (with its usage count unless told otherwise), or nil.
    static func fetch(name: String, includingUsage: Bool = true, in db: SQLiteConnection) throws -> TaskType? {
        try db.prepare((includingUsage ? select : selectWithoutUsage) + " WHERE tt.name = ?").firstRow([name], read)
    }
}
