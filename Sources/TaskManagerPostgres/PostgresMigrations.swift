import PostgresNIO
import TaskManagerCore

/// The PostgreSQL schema, as an ordered list of steps; the number of applied steps is kept in `schema_version`.
///
/// Rule: never edit or reorder a step that has shipped; append a new one. Each step runs in its own transaction
/// with its version bump, under a transaction-level advisory lock, so that servers starting together apply each
/// step once and none sees a half-migrated schema.
enum PostgresMigrations {
    /// Every step, oldest first; a step is a list of statements (the extended protocol takes one at a time).
    static let steps: [[String]] = [schemaV1]

    /// The version a fully migrated database has.
    static var currentVersion: Int64 { Int64(steps.count) }

    /// The advisory lock key of migrations (any constant shared by all instances: "TaskMgr1" in ASCII).
    static let lockKey: Int64 = 0x5461_736B_4D67_7231

    /// Applies the missing steps up to `target`.
    ///
    /// - Throws: `TaskManagerError` `FAILED_PRECONDITION` when the database was migrated by a newer server.
    static func apply(_ store: PostgresTaskStore, upTo target: Int64 = currentVersion) async throws {
        while true {
            let applied = try await store.transaction { db in
                try await db.query("SELECT pg_advisory_xact_lock(\(lockKey))", logger: store.logger)
                try await db.query("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)", logger: store.logger)
                let row = try await store.firstRow(db, "SELECT version FROM schema_version")
                let version = try row.map { try $0.decode(Int64.self) }
                if version == nil {
                    try await db.query("INSERT INTO schema_version (version) VALUES (0)", logger: store.logger)
                }
                let current = version ?? 0
                guard current <= currentVersion else {
                    throw TaskManagerError(
                        .failedPrecondition, "Database schema version \(current) is newer than supported (\(currentVersion))")
                }
                guard current < target else { return false }
                for statement in steps[Int(current)] {
                    try await db.query(PostgresQuery(unsafeSQL: statement), logger: store.logger)
                }
                try await db.query("UPDATE schema_version SET version = \(current + 1)", logger: store.logger)
                return true
            }
            if !applied { return }
        }
    }

    /// The schema of SQLite's version 6, written back as one table per kind of row: the task row is the whole
    /// state of a task (no event log), and history rows are history only.
    private static let schemaV1 = [
        """
        CREATE TABLE task_types (
            id BIGSERIAL PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            version TEXT NOT NULL,
            param_schema_json TEXT NOT NULL,
            is_active BOOLEAN NOT NULL DEFAULT TRUE,
            created_at_ms BIGINT NOT NULL,
            updated_at_ms BIGINT NOT NULL,
            lease_seconds BIGINT NOT NULL DEFAULT 0,
            max_attempts BIGINT NOT NULL DEFAULT 0,
            stall_after_seconds BIGINT NOT NULL DEFAULT 0,
            retry_backoff_base_ms BIGINT NOT NULL DEFAULT 0,
            retry_backoff_cap_ms BIGINT NOT NULL DEFAULT 0
        )
        """,
        """
        CREATE TABLE tasks (
            id BIGSERIAL PRIMARY KEY,
            type_id BIGINT NOT NULL REFERENCES task_types(id) ON DELETE CASCADE,
            status TEXT NOT NULL CHECK (status IN ('pending', 'claimed', 'completed', 'failed', 'cancelled')),
            params_json TEXT NOT NULL,
            dedupe_key TEXT NOT NULL UNIQUE,
            result_json TEXT,
            error_message TEXT,
            priority BIGINT NOT NULL DEFAULT 0,
            progress BIGINT NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
            progress_message TEXT,
            attempts BIGINT NOT NULL DEFAULT 0,
            max_attempts BIGINT NOT NULL,
            claimed_by TEXT,
            claimed_at_ms BIGINT,
            completed_at_ms BIGINT,
            created_at_ms BIGINT NOT NULL,
            updated_at_ms BIGINT NOT NULL,
            lease_expires_at_ms BIGINT,
            lease_expired_attempt BIGINT,
            run_at_ms BIGINT NOT NULL DEFAULT 0,
            cancel_requested BOOLEAN NOT NULL DEFAULT FALSE,
            cancel_reason TEXT,
            stalled_since_ms BIGINT,
            progress_changed_at_ms BIGINT,
            progress_rate DOUBLE PRECISION,
            retry_backoff_base_ms BIGINT NOT NULL DEFAULT 0,
            retry_backoff_cap_ms BIGINT NOT NULL DEFAULT 0,
            created_by TEXT NOT NULL DEFAULT ''
        )
        """,
        // Claims in the default order, pending tasks only, with no sort step.
        "CREATE INDEX tasks_claim ON tasks (type_id, priority DESC, created_at_ms, id) WHERE status = 'pending'",
        // The reaper and the claims' expired-lease branch.
        "CREATE INDEX tasks_leases ON tasks (lease_expires_at_ms) WHERE status = 'claimed'",
        // Listings, newest first, with and without a status filter.
        "CREATE INDEX tasks_created ON tasks (created_at_ms DESC, id DESC)",
        "CREATE INDEX tasks_status_created ON tasks (status, created_at_ms DESC, id DESC)",
        // Retention and the dashboard's finished counts.
        "CREATE INDEX tasks_finished ON tasks (status, completed_at_ms, type_id) WHERE completed_at_ms IS NOT NULL",
        """
        CREATE TABLE task_history (
            id BIGSERIAL PRIMARY KEY,
            task_id BIGINT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
            status_change TEXT NOT NULL,
            worker_id TEXT,
            message TEXT NOT NULL DEFAULT '',
            created_at_ms BIGINT NOT NULL
        )
        """,
        "CREATE INDEX task_history_task ON task_history (task_id, id)",
    ]
}
