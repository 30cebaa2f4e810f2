import TaskManagerCore
import XCTest

@testable import TaskManagerStore

/// Version 6 adds the creator of each task: a version 5 file keeps every task, with "" as the creator, and new
/// tasks keep the creator they were given, across a restart.
final class MigrationV6Tests: StoreTestCase {
    func testAVersion5FileGetsAnEmptyCreatorAndNewTasksKeepTheirs() async throws {
        let path = directory.appendingPathComponent("v5.sqlite").path
        let connection = try SQLiteConnection(path: path)
        try Migrations.apply(to: connection, upTo: 5)
        try connection.execute("""
            INSERT INTO task_types (id, name, version, param_schema_json, is_active, created_at_ms, updated_at_ms)
            VALUES (1, 'mail.send', '1.0', '{}', 1, 500, 500);
            INSERT INTO tasks (id, type_id, status, params_json, dedupe_key, priority, attempts, max_attempts,
                               created_at_ms, updated_at_ms, run_at_ms)
            VALUES (1, 1, 'pending', '{"n":1}', 'k1', 5, 0, 3, 1000, 1000, 0);
            """)
        store.close()
        store = try SQLiteTaskStore(path: path)
        XCTAssertEqual(try Migrations.userVersion(of: connection), 6)
        let old = try await store.task(id: 1)
        XCTAssertEqual(old?.createdBy, "")
        XCTAssertEqual(old?.paramsJSON, #"{"n":1}"#)

        let (created, _) = try await store.createTask(
            NewTask(typeID: 1, paramsJSON: #"{"n":2}"#, priority: 0, dedupeKey: "k2", maxAttempts: 3, nowMs: 2000, createdBy: "p1"))
        XCTAssertEqual(created.createdBy, "p1")
        store.close()
        store = try SQLiteTaskStore(path: path)
        let reread = try await store.task(id: created.id)
        XCTAssertEqual(reread?.createdBy, "p1")
    }
}
