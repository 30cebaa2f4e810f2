import PostgresNIO
import TaskManagerCore
import TaskManagerStore

extension PostgresTaskStore {
    /// The SELECT of every column `readType` expects, from `task_types tt`, with its usage count.
    static let selectType = """
        SELECT tt.id, tt.name, tt.version, tt.param_schema_json, tt.is_active, tt.created_at_ms, tt.updated_at_ms,
               (SELECT COUNT(*) FROM tasks t WHERE t.type_id = tt.id) AS usage_count,
               tt.lease_seconds, tt.max_attempts, tt.stall_after_seconds, tt.retry_backoff_base_ms, tt.retry_backoff_cap_ms
        FROM task_types tt
        """

    /// `selectType` with a usage count of 0: no count of the type's tasks.
    static let selectTypeWithoutUsage = selectType.replacingOccurrences(
        of: "(SELECT COUNT(*) FROM tasks t WHERE t.type_id = tt.id)", with: "0::bigint")

    public func registerTaskType(
        name: String, version: String, paramSchemaJSON: String, settings: TaskTypeSettings, nowMs: Int64
    ) async throws -> (taskType: TaskType, created: Bool) {
        try await transaction { db in
            // `xmax = 0` only on a row this statement inserted.
            let row = try await self.firstRow(db, """
                INSERT INTO task_types (name, version, param_schema_json, is_active, created_at_ms, updated_at_ms,
                                        lease_seconds, max_attempts, stall_after_seconds, retry_backoff_base_ms,
                                        retry_backoff_cap_ms)
                VALUES (\(name), \(version), \(paramSchemaJSON), TRUE, \(nowMs), \(nowMs),
                        \(Int64(settings.leaseSeconds)), \(Int64(settings.maxAttempts)),
                        \(Int64(settings.stallAfterSeconds)), \(Int64(settings.retryBackoffBaseMs)),
                        \(Int64(settings.retryBackoffCapMs)))
                ON CONFLICT (name) DO UPDATE SET
                    version = EXCLUDED.version, param_schema_json = EXCLUDED.param_schema_json, is_active = TRUE,
                    updated_at_ms = EXCLUDED.updated_at_ms, lease_seconds = EXCLUDED.lease_seconds,
                    max_attempts = EXCLUDED.max_attempts, stall_after_seconds = EXCLUDED.stall_after_seconds,
                    retry_backoff_base_ms = EXCLUDED.retry_backoff_base_ms,
                    retry_backoff_cap_ms = EXCLUDED.retry_backoff_cap_ms
                RETURNING (xmax = 0)
                """)
            guard let created = try row?.decode(Bool.self),
                  let type = try await self.fetchType(name: name, includingUsage: true, db) else { throw Self.vanished }
            return (type, created)
        }
    }

    public func taskType(named name: String, includingUsage: Bool) async throws -> TaskType? {
        guard !includingUsage else {
            return try await transaction { db in try await self.fetchType(name: name, includingUsage: true, db) }
        }
        // Every create looks its type up: one prepared statement, no transaction around it.
        var binds = PostgresBindings()
        binds.append(name)
        let query = PostgresQuery(unsafeSQL: TypeByNameStatement.sql, binds: binds)
        return try await Self.withDeadline(callTimeout, logger: logger) {
            try await self.statement(query, as: TypeByNameStatement.self).first.map(Self.readType)
        }
    }

    enum TypeByNameStatement: PostgresStatementKind {
        static let sql = selectTypeWithoutUsage + " WHERE tt.name = $1"
    }

    public func listTaskTypes(activeOnly: Bool) async throws -> [TaskType] {
        try await transaction { db in
            let filter = activeOnly ? " WHERE tt.is_active" : ""
            // Names in byte order, as SQLite's.
            return try await self.rows(db, PostgresQuery(unsafeSQL: Self.selectType + filter
                    + " ORDER BY usage_count DESC, tt.name COLLATE \"C\" ASC")).map(Self.readType)
        }
    }

    public func setTaskTypeActive(name: String, active: Bool, nowMs: Int64) async throws -> TaskType? {
        try await transaction { db in
            let row = try await self.firstRow(db, """
                UPDATE task_types SET is_active = \(active), updated_at_ms = \(nowMs) WHERE name = \(name) RETURNING id
                """)
            guard row != nil else { return nil }
            guard let type = try await self.fetchType(name: name, includingUsage: true, db) else { throw Self.vanished }
            return type
        }
    }

    /// The type with this name, or nil.
    private func fetchType(name: String, includingUsage: Bool, _ db: PostgresConnection) async throws -> TaskType? {
        var binds = PostgresBindings()
        binds.append(name)
        let sql = includingUsage ? Self.selectType + " WHERE tt.name = $1" : TypeByNameStatement.sql
        return try await firstRow(db, PostgresQuery(unsafeSQL: sql, binds: binds)).map(Self.readType)
    }

    /// The type in a row of `selectType`.
    static func readType(_ row: PostgresRow) throws -> TaskType {
        let row = row.makeRandomAccess()
        func int32(_ index: Int) throws -> Int32 { Int32(truncatingIfNeeded: try row[index].decode(Int64.self)) }
        var type = TaskType()
        type.id = try row[0].decode(Int64.self)
        type.name = try row[1].decode(String.self)
        type.version = try row[2].decode(String.self)
        type.paramSchemaJSON = try row[3].decode(String.self)
        type.isActive = try row[4].decode(Bool.self)
        type.createdAtMs = try row[5].decode(Int64.self)
        type.updatedAtMs = try row[6].decode(Int64.self)
        type.usageCount = try row[7].decode(Int64.self)
        type.settings = TaskTypeSettings(
            leaseSeconds: try int32(8), maxAttempts: try int32(9), stallAfterSeconds: try int32(10),
            retryBackoffBaseMs: try int32(11), retryBackoffCapMs: try int32(12))
        return type
    }
}
