import TaskManagerCore

/// The schema, as an ordered list of steps; the number of applied steps is kept in `PRAGMA user_version`.
///
/// Rule: never edit or reorder a step that has shipped; append a new one. Step `n` (0-based) takes the
/// database from version `n` to `n + 1`.
enum Migrations {
    /// One schema step.
    struct Step {
        /// The SQL of the step: one or more statements.
        var sql: String
        /// Whether the step runs with foreign keys off, as a table rebuild must: SQLite's "12-step" procedure
        /// (https://www.sqlite.org/lang_altertable.html#otheralter). Such a step is followed, before commit, by
        /// `PRAGMA foreign_key_check`, and foreign keys are turned back on after it.
        var foreignKeysOff: Bool = false
    }

    /// Every step, oldest first.
    static let steps: [Step] = [
        Step(sql: schemaV1),
        Step(sql: schemaV2, foreignKeysOff: true),
        Step(sql: schemaV3),
        Step(sql: schemaV4),
        Step(sql: schemaV5),
        Step(sql: schemaV6),
    ]

    /// The version a fully migrated database has.
    static var currentVersion: Int64 { Int64(steps.count) }

    /// Applies the missing steps up to `target`, each in its own write transaction together with its version bump.
    ///
    /// - Parameter target: the version to stop at; tests pass an older one to build old files.
    /// - Throws: `TaskManagerError` `FAILED_PRECONDITION` when the file was written by a newer schema, `INTERNAL`
    ///   when a step leaves a foreign key broken; `SQLiteError` when a step fails (that step is rolled back;
    ///   earlier ones stay).
    static func apply(to connection: SQLiteConnection, upTo target: Int64 = currentVersion) throws {
        while true {
            // A peek outside the transaction, only to decide how to run the next step: "PRAGMA foreign_keys ...
            // is a no-op within a transaction; foreign key constraint enforcement may only be enabled or disabled
            // when there is no pending BEGIN or SAVEPOINT." The version is read again under the write lock.
            let peeked = try userVersion(of: connection)
            let foreignKeysOff = peeked >= 0 && peeked < target && peeked < currentVersion
                && steps[Int(peeked)].foreignKeysOff
            if foreignKeysOff { try connection.execute("PRAGMA foreign_keys = OFF") }
            defer {
                // Turning foreign keys on outside a transaction cannot fail short of misuse; nothing to report.
                if foreignKeysOff { try? connection.execute("PRAGMA foreign_keys = ON") }
            }
            let applied = try connection.inTransaction(.immediate) { () throws -> Bool in
                // Read inside the write lock, so two processes opening the same file apply each step once.
                let version = try userVersion(of: connection)
                guard version <= currentVersion else {
                    throw TaskManagerError(
                        .failedPrecondition, "Database schema version \(version) is newer than supported (\(currentVersion))")
                }
                guard version >= 0 else {
                    throw TaskManagerError(.failedPrecondition, "Database schema version \(version) is not supported")
                }
                guard version < target else { return false }
                // Another process moved on since the peek: go round again with the right foreign key setting.
                guard version == peeked else { return true }
                let step = steps[Int(version)]
                try connection.execute(step.sql)
                if step.foreignKeysOff {
                    try checkForeignKeys(connection)
                }
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

    /// Throws when any row breaks a foreign key ("PRAGMA foreign_key_check" returns one row per violation).
    private static func checkForeignKeys(_ connection: SQLiteConnection) throws {
        let broken = try connection.prepare("PRAGMA foreign_key_check").firstRow { _ in true } ?? false
        if broken {
            throw TaskManagerError(.internal, "Storage error (schema migration broke a foreign key)")
        }
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

    /// Version 2: leases, retry backoff, delayed and cancelled tasks, stalls, retention; per-type settings.
    ///
    /// `tasks` is rebuilt because its status CHECK must allow 'cancelled' and SQLite cannot alter a CHECK. Steps
    /// (lang_altertable.html#otheralter): foreign keys are off (the runner's job); create `tasks_new`; copy; drop
    /// `tasks`; rename; recreate the indexes; the runner then runs `PRAGMA foreign_key_check` before commit.
    /// `task_history` keeps its rows: with foreign keys off, "DROP TABLE" does not cascade, and the rename does not
    /// touch `task_history`'s `REFERENCES tasks`, which names the new table once it is renamed.
    private static let schemaV2 = """
        ALTER TABLE task_types ADD COLUMN lease_seconds INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE task_types ADD COLUMN max_attempts INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE task_types ADD COLUMN stall_after_seconds INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE task_types ADD COLUMN retry_backoff_base_ms INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE task_types ADD COLUMN retry_backoff_cap_ms INTEGER NOT NULL DEFAULT 0;

        CREATE TABLE tasks_new (
            id INTEGER PRIMARY KEY,
            type_id INTEGER NOT NULL REFERENCES task_types(id) ON DELETE CASCADE,
            status TEXT NOT NULL CHECK (status IN ('pending', 'claimed', 'completed', 'failed', 'cancelled')),
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
            updated_at_ms INTEGER NOT NULL,
            -- While claimed: when the lease ends unless renewed.
            lease_expires_at_ms INTEGER,
            -- The attempt whose lease ended by expiry: its worker's later calls get "Lease lost".
            lease_expired_attempt INTEGER,
            -- Not claimable before this time.
            run_at_ms INTEGER NOT NULL DEFAULT 0,
            cancel_requested INTEGER NOT NULL DEFAULT 0,
            cancel_reason TEXT,
            stalled_since_ms INTEGER,
            -- While claimed: when progress last changed (or the claim began); the stall clock.
            progress_changed_at_ms INTEGER,
            retry_backoff_base_ms INTEGER NOT NULL DEFAULT 0,
            retry_backoff_cap_ms INTEGER NOT NULL DEFAULT 0
        );

        -- Claims made before leases existed get a 5-minute lease from their claim time.
        INSERT INTO tasks_new (
            id, type_id, status, params_json, dedupe_key, result_json, error_message, priority, progress,
            progress_message, attempts, max_attempts, claimed_by, claimed_at_ms, completed_at_ms, created_at_ms,
            updated_at_ms, lease_expires_at_ms, progress_changed_at_ms)
        SELECT
            id, type_id, status, params_json, dedupe_key, result_json, error_message, priority, progress,
            progress_message, attempts, max_attempts, claimed_by, claimed_at_ms, completed_at_ms, created_at_ms,
            updated_at_ms,
            CASE WHEN status = 'claimed' THEN COALESCE(claimed_at_ms, updated_at_ms) + 300000 END,
            CASE WHEN status = 'claimed' THEN updated_at_ms END
        FROM tasks;

        DROP TABLE tasks;
        ALTER TABLE tasks_new RENAME TO tasks;

        -- The indexes of version 1, but (status, claimed_at_ms): leases replaced the claim-age scan.
        CREATE INDEX tasks_claim ON tasks (type_id, status, priority DESC, created_at_ms, id);
        CREATE INDEX tasks_created ON tasks (created_at_ms DESC, id DESC);
        CREATE INDEX tasks_status_created ON tasks (status, created_at_ms DESC, id DESC);
        CREATE INDEX tasks_claimed_by ON tasks (claimed_by);
        -- The reaper: claimed tasks whose lease ended.
        CREATE INDEX tasks_status_lease ON tasks (status, lease_expires_at_ms);
        -- The stall scan: claimed tasks whose progress has not changed since a time.
        CREATE INDEX tasks_status_progress_changed ON tasks (status, progress_changed_at_ms);
        -- Retention: finished tasks that finished before a time.
        CREATE INDEX tasks_status_completed ON tasks (status, completed_at_ms);
        """

    /// Version 3: the progress rate of a claimed task's current attempt, for its ETA (see `ProgressRate`).
    ///
    /// Only the rate is new: the last progress point is (`progress`, `progress_changed_at_ms`), which exist. Existing
    /// rows get NULL (unknown), so a claim migrated while running shows no ETA until its progress next changes.
    private static let schemaV3 = """
        -- While claimed: the moving average of the progress speed in percent per second; NULL = unknown.
        ALTER TABLE tasks ADD COLUMN progress_rate REAL;
        """

    /// Version 4: fewer index writes per call. Every index whose key a call changes costs that call a delete and an
    /// insert, and with seven indexes a lifecycle (create, claim, three progress reports, complete) made 42 index
    /// writes. `(status, lease_expires_at_ms)` changed on every progress report (each renews the lease), as did
    /// `(status, progress_changed_at_ms)`; `(status, completed_at_ms)` changed on every status change.
    ///
    /// - The lease index holds only claimed tasks: a claim adds its task, the end of a claim removes it, and a
    ///   renewal moves it within a small index. The reaper and the claim's expired-lease branch name it
    ///   (`INDEXED BY`), as the planner would otherwise prefer `(status = ?)` over a range on the lease.
    /// - The stall scan reads the claimed tasks (a partial index of them, or `(status, ...)`): one row per running
    ///   task per maintenance pass, instead of an index rewritten on every progress change.
    /// - The finished index holds only tasks with a completion time: one insert when a task finishes. Queries
    ///   with a range on `completed_at_ms` imply its condition, so retention and the per-minute figures use it.
    private static let schemaV4 = """
        DROP INDEX tasks_status_lease;
        DROP INDEX tasks_status_progress_changed;
        DROP INDEX tasks_status_completed;
        CREATE INDEX tasks_leases ON tasks (lease_expires_at_ms) WHERE status = 'claimed';
        CREATE INDEX tasks_finished ON tasks (status, completed_at_ms) WHERE completed_at_ms IS NOT NULL;
        """

    /// Version 5: the store keeps live tasks in memory (`LiveTasks`) over an event log. Progress reports,
    /// heartbeats, stalls and cancel requests no longer rewrite the task row: each appends one `task_history` row
    /// that carries the attempt's state, which recovery reads back (`attempt` NULL = a row without it, such as
    /// every row written before this version). Rows that are not history (heartbeats, and every row while history
    /// is off) have `visible = 0` and are deleted when their task finishes.
    ///
    /// Claims are decided in memory, so the claim, lease and claimed-by indexes go; the finished index gains the
    /// type, so that the dashboard's counts of finished tasks read the index alone. Existing rows keep their
    /// values: a claim made before this version is recovered from its task row.
    private static let schemaV5 = """
        ALTER TABLE task_history ADD COLUMN visible INTEGER NOT NULL DEFAULT 1;
        ALTER TABLE task_history ADD COLUMN attempt INTEGER;
        ALTER TABLE task_history ADD COLUMN progress INTEGER;
        ALTER TABLE task_history ADD COLUMN progress_message TEXT;
        ALTER TABLE task_history ADD COLUMN lease_expires_at_ms INTEGER;
        ALTER TABLE task_history ADD COLUMN progress_changed_at_ms INTEGER;
        ALTER TABLE task_history ADD COLUMN progress_rate REAL;
        ALTER TABLE task_history ADD COLUMN stalled_since_ms INTEGER;
        ALTER TABLE task_history ADD COLUMN cancel_requested INTEGER;
        ALTER TABLE task_history ADD COLUMN cancel_reason TEXT;
        DROP INDEX tasks_claim;
        DROP INDEX tasks_leases;
        DROP INDEX tasks_claimed_by;
        DROP INDEX tasks_finished;
        CREATE INDEX tasks_finished ON tasks (status, completed_at_ms, type_id) WHERE completed_at_ms IS NOT NULL;
        """

    /// Version 6: the name of the API key that created each task (`--keys-file`), so that a producer key may cancel
    /// only its own tasks. Tasks created before this version, or without keys, have "".
    private static let schemaV6 = """
        ALTER TABLE tasks ADD COLUMN created_by TEXT NOT NULL DEFAULT '';
        """
}
