import TaskManagerCore
import XCTest

@testable import TaskManagerStore

/// A version 4 file with tasks in every state, opened by the store, is migrated to version 5 (live tasks in
/// memory over an event log) and every task, claim, progress and history entry is kept.
///
/// The v4 rows (type 1 `mail.send`, lease 0 = the default, stall 0): 1 pending; 2 pending, delayed to 90 000;
/// 3 pending after a retry (attempt 1 failed "boom"); 4 claimed by w1 at 2 000, attempt 1, progress 40 "half"
/// at 3 000 with rate 2 %/s, lease to 70 000; 5 claimed by w2, stalled since 4 000, cancel requested "stop";
/// 6 completed; 7 failed; 8 cancelled; history rows for each.
final class MigrationV5Tests: StoreTestCase {
    private var v4Path: String { directory.appendingPathComponent("v4.sqlite").path }
    /// Every task of the v4 file as the v4 schema reads it, before the store opened it.
    private var before: [Task] = []
    private var historyBefore: [HistoryEntry] = []

    override func setUp() async throws {
        try await super.setUp()
        let connection = try SQLiteConnection(path: v4Path)
        try Migrations.apply(to: connection, upTo: 4)
        XCTAssertEqual(try Migrations.userVersion(of: connection), 4)
        try connection.execute(Self.rows)
        // Version 4 has no creator column (version 6 adds it, as "" for older tasks).
        let v4Select = TaskRow.select.replacingOccurrences(of: ", t.created_by", with: ", '' AS created_by")
        before = try connection.prepare(v4Select + " ORDER BY t.id").rows([], TaskRow.read)
        historyBefore = try connection.prepare("""
            SELECT id, task_id, status_change, worker_id, message, created_at_ms FROM task_history ORDER BY id
            """).rows([], SQLiteTaskStore.readEntry)
        store.close()
        store = try SQLiteTaskStore(path: v4Path)
    }

    private static let rows = """
        INSERT INTO task_types (id, name, version, param_schema_json, is_active, created_at_ms, updated_at_ms)
        VALUES (1, 'mail.send', '1.0', '{}', 1, 500, 500);
        INSERT INTO tasks (id, type_id, status, params_json, dedupe_key, priority, attempts, max_attempts, created_at_ms,
                           updated_at_ms, run_at_ms)
        VALUES (1, 1, 'pending', '{"n":1}', 'k1', 5, 0, 3, 1000, 1000, 0),
               (2, 1, 'pending', '{"n":2}', 'k2', 9, 0, 3, 1001, 1001, 90000);
        INSERT INTO tasks (id, type_id, status, params_json, dedupe_key, error_message, attempts, max_attempts,
                           created_at_ms, updated_at_ms, run_at_ms, retry_backoff_base_ms, retry_backoff_cap_ms)
        VALUES (3, 1, 'pending', '{"n":3}', 'k3', 'boom', 1, 3, 1002, 2500, 2600, 100, 1000);
        INSERT INTO tasks (id, type_id, status, params_json, dedupe_key, progress, progress_message, attempts,
                           max_attempts, claimed_by, claimed_at_ms, created_at_ms, updated_at_ms, lease_expires_at_ms,
                           progress_changed_at_ms, progress_rate)
        VALUES (4, 1, 'claimed', '{"n":4}', 'k4', 40, 'half', 1, 3, 'w1', 2000, 1003, 3000, 70000, 3000, 2.0);
        INSERT INTO tasks (id, type_id, status, params_json, dedupe_key, progress, attempts, max_attempts, claimed_by,
                           claimed_at_ms, created_at_ms, updated_at_ms, lease_expires_at_ms, progress_changed_at_ms,
                           stalled_since_ms, cancel_requested, cancel_reason)
        VALUES (5, 1, 'claimed', '{"n":5}', 'k5', 10, 2, 3, 'w2', 2100, 1004, 4500, 80000, 2200, 4000, 1, 'stop');
        INSERT INTO tasks (id, type_id, status, params_json, dedupe_key, result_json, progress, attempts, max_attempts,
                           claimed_by, claimed_at_ms, completed_at_ms, created_at_ms, updated_at_ms)
        VALUES (6, 1, 'completed', '{"n":6}', 'k6', '{"ok":true}', 100, 1, 3, 'w3', 2200, 3300, 1005, 3300);
        INSERT INTO tasks (id, type_id, status, params_json, dedupe_key, error_message, attempts, max_attempts,
                           claimed_by, claimed_at_ms, completed_at_ms, created_at_ms, updated_at_ms)
        VALUES (7, 1, 'failed', '{"n":7}', 'k7', 'bad', 3, 3, 'w3', 2300, 3400, 1006, 3400);
        INSERT INTO tasks (id, type_id, status, params_json, dedupe_key, cancel_reason, attempts, max_attempts,
                           completed_at_ms, created_at_ms, updated_at_ms)
        VALUES (8, 1, 'cancelled', '{"n":8}', 'k8', 'no', 0, 3, 3500, 1007, 3500);
        INSERT INTO task_history (task_id, status_change, worker_id, message, created_at_ms) VALUES
            (1, 'created', NULL, 'Task created', 1000),
            (3, 'retry', 'w9', 'Task failed: boom', 2500),
            (4, 'claimed', 'w1', 'Task claimed by worker', 2000),
            (4, 'progress_update', 'w1', 'Progress: 40% - half', 3000),
            (5, 'stalled', 'w2', 'No progress for 1 s', 4000),
            (5, 'cancel_requested', NULL, 'Cancel requested: stop', 4500),
            (6, 'completed', 'w3', 'Task completed successfully', 3300),
            (7, 'failed', 'w3', 'Task failed: bad', 3400),
            (8, 'cancelled', NULL, 'Task cancelled: no', 3500);
        """

    func testEveryTaskReadsAsItDidBeforeTheMigration() async throws {
        for task in before {
            let read = try await stored(task.id)
            XCTAssertEqual(read, task, "task \(task.id)")
        }
        XCTAssertEqual(before.map(\.status), [.pending, .pending, .pending, .claimed, .claimed, .completed, .failed, .cancelled])
        let listed = try await store.listTasks(TaskFilter(limit: 100))
        XCTAssertEqual(listed.total, 8)
        XCTAssertEqual(listed.tasks.sorted { $0.id < $1.id }, before)
    }

    func testEveryHistoryEntryIsKept() async throws {
        var after: [HistoryEntry] = []
        for id in 1...8 {
            let entries = try await store.history(taskID: Int64(id))
            after += try XCTUnwrap(entries)
        }
        XCTAssertEqual(after.sorted { $0.id < $1.id }, historyBefore)
    }

    func testMigratedClaimsGoOnWithTheirWorkersAttemptsAndProgress() async throws {
        let reported = try await progress(4, 60, worker: "w1", message: "more", attempt: 1, nowMs: 13_000)
        // The rate keeps its state across the migration: 2 %/s averaged with (60 - 40) / 10 s = 2 %/s.
        XCTAssertEqual(reported.progressRate, 2, accuracy: 1e-9)
        XCTAssertEqual(reported.leaseExpiresAtMs, 13_000 + Self.defaultLeaseMs)
        await assertThrows(.claimedByAnotherWorker) { try await progress(4, 70, worker: "w2", nowMs: 13_100) }
        await assertThrows(.leaseLost) { try await progress(5, 70, worker: "w2", attempt: 1, nowMs: 13_100) }
        // Task 5's cancel request holds: its worker's failure cancels it.
        let failed = try await fail(5, "w2", attempt: 2, nowMs: 13_200)
        XCTAssertEqual(failed.task.status, .cancelled)
    }

    func testMigratedPendingTasksAreClaimedInOrderAndWhenDue() async throws {
        let first = try await claim("w5", typeID: 1, nowMs: 5_000)
        XCTAssertEqual(first?.id, 1, "priority 5; task 2 (priority 9) is not due before 90 000")
        let second = try await claim("w5", typeID: 1, nowMs: 5_000)
        XCTAssertEqual(second?.id, 3)
        XCTAssertEqual(second?.attempts, 2)
        let none = try await claim("w5", typeID: 1, nowMs: 5_000)
        XCTAssertNil(none)
        let delayed = try await claim("w5", typeID: 1, nowMs: 90_000)
        XCTAssertEqual(delayed?.id, 2)
    }

    func testTheMigratedClaimsLeasesEndOnTime() async throws {
        let none = try await store.reapExpiredLeases(nowMs: 70_000)
        XCTAssertEqual(none, [], "the lease ends at 70 000, which is not before 70 000")
        let reaped = try await store.reapExpiredLeases(nowMs: 80_001)
        XCTAssertEqual(reaped.map(\.id), [4, 5])
        XCTAssertEqual(reaped.map(\.status), [.pending, .cancelled])
    }

    func testTheMigratedFileSurvivesAnotherRestart() async throws {
        try await progress(4, 55, worker: "w1", attempt: 1, nowMs: 6_000)
        store.close()
        store = try SQLiteTaskStore(path: v4Path)
        let task = try await stored(4)
        XCTAssertEqual(task.progress, 55)
        XCTAssertEqual(task.progressMessage, "")
        XCTAssertEqual(task.leaseExpiresAtMs, 6_000 + Self.defaultLeaseMs)
    }
}
