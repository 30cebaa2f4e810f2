import TaskManagerCore

/// The schema, as an ordered list of steps; the number of applied steps is kept in `PRAGMA user_version`.
///
/// Rule: never edit or reorder a step that has shipped; append a new one. Step `n` (0-based) takes the
/// database from version `n` to `n + 1`.
enum Migrations {
    /// The SQL of each step, oldest first.
    static let steps: [String] = [schemaV1]

    /// The version a fully migrated database has.
    static var currentVersion: Int64 { Int64(steps.count) }

    /// Applies the missing steps, each in its own write transaction together with its version bump.
    ///
    /// - Throws: `TaskManagerError` `FAILED_PRECONDITION` when the file was written by a newer schema,
    ///   `SQLiteError` when a step fails (that step is rolled back; earlier ones stay).
    static func apply(to connection: SQLiteConnection) throws {
        while true {
            let applied = try connection.inTransaction(.immediate) { () throws -> Bool in
                // Read inside the write lock, so two processes opening the same file apply each step once.
                let version = try userVersion(of: connection)
                guard version <= currentVersion else {
                    throw TaskManagerError(
                        .failedPrecondition, "Database schema version \(version) is newer than supported (\(currentVersion))")
                }
                guard version < currentVersion else { return false }
                try connection.execute(steps[Int(version)])
                try connection.execute("PRAGMA user_version = \(version + 1)")
                return true
            }
            if !applied { return }
        }
    }

    /// The schema version recorded in the file.
    static func userVersion(of connection: SQLiteConnection) throws -> Int64 {
        try connection.prepare("PRAGMA user_version").firstRow { $0.int64(at: 0) } ?? 0
    }

    private static let schemaV1 = """
        CREATE TABLE task_types (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            version TEXT NOT NULL,
            param_schema_json TEXT NOT NULL,
            is_active INTEGER NOT NULL DEFAULT 1,
            created_at_ms INTEGER NOT NULL,
            updated_at_ms INTEGER NOT NULL
        );

        CREATE TABLE tasks (
            id INTEGER PRIMARY KEY,
            type_id INTEGER NOT NULL REFERENCES task_types(id) ON DELETE CASCADE,
            status TEXT NOT NULL CHECK (status IN ('pending', 'claimed', 'completed', 'failed')),
            params_json TEXT NOT NULL,
            dedupe_key TEXT NOT NULL UNIQUE,
            result_json TEXT,
            error_message TEXT,
            priority INTEGER NOT NULL DEFAULT 0,
            progress INTEGER NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
            progress_message TEXT,
            attempts INTEGER NOT NULL DEFAULT 0,
            max_attempts INTEGER NOT NULL,
            claimed_by TEXT,
            claimed_at_ms INTEGER,
            completed_at_ms INTEGER,
            created_at_ms INTEGER NOT NULL,
            updated_at_ms INTEGER NOT NULL
        );

        -- Claim of pending tasks of one type in the default order (priority DESC, created_at, id), with no sort step.
        CREATE INDEX tasks_claim ON tasks (type_id, status, priority DESC, created_at_ms, id);
        -- Scan for stale claims.
        CREATE INDEX tasks_status_claimed_at ON tasks (status, claimed_at_ms);
        -- Listings, newest first, with and without a status filter.
        CREATE INDEX tasks_created ON tasks (created_at_ms DESC, id DESC);
        CREATE INDEX tasks_status_created ON tasks (status, created_at_ms DESC, id DESC);
        CREATE INDEX tasks_claimed_by ON tasks (claimed_by);

        CREATE TABLE task_history (
            id INTEGER PRIMARY KEY,
            task_id INTEGER NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
            status_change TEXT NOT NULL,
            worker_id TEXT,
            message TEXT NOT NULL DEFAULT '',
            created_at_ms INTEGER NOT NULL
        );

        CREATE INDEX task_history_task ON task_history (task_id, id);
        """
}
