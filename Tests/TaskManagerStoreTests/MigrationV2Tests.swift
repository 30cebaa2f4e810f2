import TaskManagerCore
import XCTest

@testable import TaskManagerStore

/// A version 1 file (built by running only migration 1), opened by the store, is migrated to version 2.
///
/// The v1 rows: type 1 `img.resize`; task 1 pending (created 1000); task 2 claimed by w1 (claimed at 2000,
/// updated at 2500 with progress 40); task 3 completed at 3000; five history rows.
final class MigrationV2Tests: StoreTestCase {
    private var v1Path: String { directory.appendingPathComponent("v1.sqlite").path }

    override func setUp() async throws {
        try await super.setUp()
        try makeVersion1File()
        store.close()
        store = try SQLiteTaskStore(path: v1Path)
    }

    private func makeVersion1File() throws {
        let connection = try SQLiteConnection(path: v1Path)
        try Migrations.apply(to: connection, upTo: 1)
        XCTAssertEqual(try Migrations.userVersion(of: connection), 1)
        try connection.execute("""
            INSERT INTO task_types (id, name, version, param_schema_json, is_active, created_at_ms, updated_at_ms)
            VALUES (1, 'img.resize', '1.0', '{}', 1, 500, 500);
            INSERT INTO tasks (id, type_id, status, params_json, dedupe_key, priority, progress, attempts,
                               max_attempts, created_at_ms, updated_at_ms)
            VALUES (1, 1, 'pending', '{"n":1}', 'k1', 5, 0, 0, 3, 1000, 1000);
            INSERT INTO tasks (id, type_id, status, params_json, dedupe_key, priority, progress, progress_message,
                               attempts, max_attempts, claimed_by, claimed_at_ms, created_at_ms, updated_at_ms)
            VALUES (2, 1, 'claimed', '{"n":2}', 'k2', 0, 40, 'half', 1, 3, 'w1', 2000, 1100, 2500);
            INSERT INTO tasks (id, type_id, status, params_json, dedupe_key, result_json, progress, attempts,
                               max_attempts, claimed_by, claimed_at_ms, completed_at_ms, created_at_ms,
                               updated_at_ms)
            VALUES (3, 1, 'completed', '{"n":3}', 'k3', '{"ok":true}', 100, 1, 3, 'w2', 2100, 3000, 1200, 3000);
            INSERT INTO task_history (task_id, status_change, worker_id, message, created_at_ms) VALUES
                (1, 'created', NULL, 'Task created', 1000),
                (2, 'created', NULL, 'Task created', 1100),
                (2, 'claimed', 'w1', 'Task claimed by worker', 2000),
                (3, 'created', NULL, 'Task created', 1200),
                (3, 'completed', 'w2', 'Task completed successfully', 3000);
            """)
    }

    private func count(_ sql: String) async throws -> Int64? {
        try await store.withConnection { db in try db.prepare(sql).firstRow { $0.int64(at: 0) } }
    }

    func testTheMigratedFileHasTheCurrentVersion() async throws {
        let version = try await store.withConnection { db in try Migrations.userVersion(of: db) }
        XCTAssertEqual(version, Migrations.currentVersion, "through version 2 and every later step")
    }

    func testTasksKeepTheirColumns() async throws {
        let pending = try await stored(1)
        XCTAssertEqual(pending.status, .pending)
        XCTAssertEqual(pending.paramsJSON, #"{"n":1}"#)
        XCTAssertEqual(pending.priority, 5)
        XCTAssertEqual(pending.runAtMs, 0)
        XCTAssertEqual(pending.leaseExpiresAtMs, 0)
        XCTAssertFalse(pending.cancelRequested)

        let completed = try await stored(3)
        XCTAssertEqual(completed.status, .completed)
        XCTAssertEqual(completed.resultJSON, #"{"ok":true}"#)
        XCTAssertEqual(completed.completedAtMs, 3_000)
        XCTAssertEqual(completed.claimedBy, "w2")
    }

    func testAClaimGetsAFiveMinuteLeaseFromItsClaimTime() async throws {
        let claimed = try await stored(2)
        XCTAssertEqual(claimed.status, .claimed)
        XCTAssertEqual(claimed.claimedBy, "w1")
        XCTAssertEqual(claimed.progress, 40)
        XCTAssertEqual(claimed.progressMessage, "half")
        XCTAssertEqual(claimed.leaseExpiresAtMs, 2_000 + 300_000)
        XCTAssertFalse(claimed.stalled)
    }

    func testAClaimsStallClockStartsAtItsLastUpdate() async throws {
        let early = try await store.markStalledTasks(nowMs: 12_499, defaultStallAfterMs: 10_000)
        XCTAssertEqual(early, [])
        let marked = try await store.markStalledTasks(nowMs: 12_500, defaultStallAfterMs: 10_000)
        XCTAssertEqual(marked.map(\.id), [2])
    }

    func testHistoryIsKept() async throws {
        let lines = try await historyLines(2)
        XCTAssertEqual(lines, [["created", "", "Task created"], ["claimed", "w1", "Task claimed by worker"]])
        let rows = try await count("SELECT COUNT(*) FROM task_history")
        XCTAssertEqual(rows, 5)
    }

    func testHistoryStillCascadesWhenItsTaskIsDeleted() async throws {
        try await sql("DELETE FROM tasks WHERE id = 3")
        let orphans = try await count("SELECT COUNT(*) FROM task_history WHERE task_id = 3")
        XCTAssertEqual(orphans, 0)
        let others = try await count("SELECT COUNT(*) FROM task_history")
        XCTAssertEqual(others, 3)
    }

    func testTypesCascadeToTheirTasks() async throws {
        try await sql("DELETE FROM task_types WHERE id = 1")
        let tasks = try await count("SELECT COUNT(*) FROM tasks")
        XCTAssertEqual(tasks, 0)
    }

    func testForeignKeysAreOnAndUnbroken() async throws {
        let enabled = try await count("PRAGMA foreign_keys")
        XCTAssertEqual(enabled, 1)
        let broken = try await store.withConnection { db in
            try db.prepare("PRAGMA foreign_key_check").rows { _ in true }
        }
        XCTAssertEqual(broken, [])
    }

    func testTypesGetDefaultSettings() async throws {
        let type = try await store.taskType(named: "img.resize")
        XCTAssertEqual(type?.settings, TaskTypeSettings())
    }

    func testAPendingTaskCanBeCancelled() async throws {
        let cancelled = try await store.cancelTask(id: 1, reason: "", nowMs: 4_000)
        XCTAssertEqual(cancelled.status, .cancelled)
    }

    func testAMigratedClaimCanBeCompletedByItsWorker() async throws {
        let done = try await complete(2, "w1", attempt: 1, nowMs: 4_000)
        XCTAssertEqual(done.status, .completed)
    }

    func testEveryIndexIsThere() async throws {
        let names = try await store.withConnection { db in
            try db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'tasks' AND sql IS NOT NULL")
                .rows { $0.string(at: 0) ?? "" }
        }
        XCTAssertEqual(Set(names), ["tasks_created", "tasks_status_created", "tasks_finished"])
    }

    func testTheSchemaMatchesAFreshDatabase() async throws {
        let schema = "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY type, name"
        let migrated = try await store.withConnection { db in
            try db.prepare(schema).rows { [$0.string(at: 0) ?? "", $0.string(at: 1) ?? ""] }
        }
        store.close()
        store = try SQLiteTaskStore(path: path)
        let fresh = try await store.withConnection { db in
            try db.prepare(schema).rows { [$0.string(at: 0) ?? "", $0.string(at: 1) ?? ""] }
        }
        XCTAssertEqual(migrated, fresh)
    }
}
