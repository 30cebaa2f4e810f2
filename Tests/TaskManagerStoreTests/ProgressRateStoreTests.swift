import PostgresNIO
import TaskManagerCore
import XCTest

@testable import TaskManagerPostgres
@testable import TaskManagerStore

/// The progress rate and ETA the store keeps for a claimed task (see `ProgressRate`); the claim is at 2 000.
class ProgressRateStoreTests: StoreBehaviourTestCase {
    var task: Task!

    override func setUp() async throws {
        try await super.setUp()
        let type = try await makeType()
        task = try await makeTask("a", typeID: type.id)
        _ = try await claim("w1", typeID: type.id, nowMs: 2_000)
    }

    /// The stored `progress_rate` of the task's attempt, as SQLite types it and as a number: in its last event,
    /// which carries the attempt's state (in PostgreSQL: in the task's row, NULL as "null", else "real").
    private func storedRateColumn() async throws -> (type: String, value: Double?) {
        let id = task.id
        if let postgres = store as? PostgresTaskStore {
            return try await postgres.transaction { db in
                let row = try await postgres.firstRow(db, "SELECT progress_rate FROM tasks WHERE id = \(id)")
                let value = try row?.decode(Double?.self)
                return (value == nil ? "null" : "real", value)
            }
        }
        return try await (store as! SQLiteTaskStore).withConnection { db in
            try db.prepare("""
                SELECT typeof(progress_rate), progress_rate FROM task_history
                WHERE task_id = ? AND attempt IS NOT NULL ORDER BY id DESC LIMIT 1
                """).firstRow([id]) { (type: $0.string(at: 0) ?? "", value: TaskRow.progressRate($0, at: 1)) }
        } ?? ("missing", nil)
    }

    func testAClaimHasNoRateAndNoETA() async throws {
        let claimed = try await stored(task.id)
        XCTAssertEqual(claimed.status, .claimed)
        XCTAssertEqual(claimed.progressRate, 0)
        XCTAssertEqual(claimed.etaMs, 0)
        let column = try await storedRateColumn()
        XCTAssertEqual(column.type, "null")
    }

    func testTheFirstChangeGivesTheSpeedSinceTheClaim() async throws {
        let reported = try await progress(task.id, 10, nowMs: 12_000)
        XCTAssertEqual(reported.progressRate, 1, accuracy: 1e-9)
        XCTAssertEqual(reported.etaMs, 12_000 + 90_000)
        let column = try await storedRateColumn()
        XCTAssertEqual(column.type, "real")
        XCTAssertEqual(column.value ?? 0, 1, accuracy: 1e-9)
    }

    func testLaterChangesAverageTheSpeeds() async throws {
        try await progress(task.id, 10, nowMs: 12_000)
        let reported = try await progress(task.id, 30, nowMs: 22_000)
        // 1 %/s, then 2 %/s: 1.5 %/s; the remaining 70 % take 46 666.67 ms from the last change.
        XCTAssertEqual(reported.progressRate, 1.5, accuracy: 1e-9)
        XCTAssertEqual(reported.etaMs, 22_000 + 46_667)
    }

    func testTheRateAndETAMatchTheCoreComputation() async throws {
        let reports: [(Int32, Int64)] = [(3, 9_000), (7, 16_500), (12, 21_000), (13, 40_000), (29, 47_250)]
        var expected = ProgressRate.claimed(atMs: 2_000)
        for (value, time) in reports {
            try await progress(task.id, value, nowMs: time)
            expected = expected.adding(progress: value, atMs: time)
        }
        let read = try await stored(task.id)
        XCTAssertEqual(read.progressRate, expected.percentPerSecond(progress: 29), accuracy: 1e-9)
        // The stored rate keeps 15 significant digits, so the rounded ETA may differ by a millisecond.
        XCTAssertEqual(Double(read.etaMs), Double(expected.etaMs(progress: 29)), accuracy: 1)
        XCTAssertGreaterThan(read.etaMs, 47_250)
    }

    func testReportingTheSameProgressKeepsTheRateAndETA() async throws {
        let first = try await progress(task.id, 10, nowMs: 12_000)
        let again = try await progress(task.id, 10, message: "still ten", nowMs: 50_000)
        XCTAssertEqual(again.progressRate, first.progressRate)
        XCTAssertEqual(again.etaMs, first.etaMs, "the ETA counts from the last change of progress")
    }

    func testEveryReadOfTheTaskCarriesTheETA() async throws {
        let reported = try await progress(task.id, 20, nowMs: 12_000)
        let fetched = try await stored(task.id)
        let listed = try await store.listTasks(TaskFilter()).tasks.first { $0.id == task.id }
        for read in [fetched, listed] {
            XCTAssertEqual(read?.etaMs, reported.etaMs)
            XCTAssertEqual(read?.progressRate, reported.progressRate)
        }
        XCTAssertEqual(reported.etaMs, 12_000 + 40_000)
    }

    func testBackwardsProgressResetsTheRate() async throws {
        try await progress(task.id, 50, nowMs: 12_000)
        let back = try await progress(task.id, 20, nowMs: 22_000)
        XCTAssertEqual(back.progressRate, 0)
        XCTAssertEqual(back.etaMs, 0)
        let column = try await storedRateColumn()
        XCTAssertEqual(column.type, "null")
        // The next change measures from the reset point: 10 % in 5 s.
        let next = try await progress(task.id, 30, nowMs: 27_000)
        XCTAssertEqual(next.progressRate, 2, accuracy: 1e-9)
        XCTAssertEqual(next.etaMs, 27_000 + 35_000)
    }

    func testAHundredPercentHasNoETA() async throws {
        try await progress(task.id, 50, nowMs: 12_000)
        let full = try await progress(task.id, 100, nowMs: 22_000)
        XCTAssertEqual(full.etaMs, 0)
        XCTAssertEqual(full.progressRate, 0)
    }

    func testANewClaimStartsTheRateOver() async throws {
        try await progress(task.id, 40, nowMs: 12_000)
        let retried = try await fail(task.id, nowMs: 13_000)
        XCTAssertTrue(retried.retried)
        XCTAssertEqual(retried.task.etaMs, 0, "a pending task has no ETA")
        XCTAssertEqual(retried.task.progressRate, 0)

        let again = try await claim("w2", typeID: task.typeID, nowMs: 20_000)
        XCTAssertEqual(again?.id, task.id)
        XCTAssertEqual(again?.progressRate, 0)
        XCTAssertEqual(again?.etaMs, 0)
        let column = try await storedRateColumn()
        XCTAssertEqual(column.type, "null")
        // Measured from the new claim, not from the old attempt's last point.
        let first = try await progress(task.id, 10, worker: "w2", nowMs: 25_000)
        XCTAssertEqual(first.progressRate, 2, accuracy: 1e-9)
        XCTAssertEqual(first.etaMs, 25_000 + 45_000)
    }

    func testAFinishedTaskHasNoETA() async throws {
        try await progress(task.id, 50, nowMs: 12_000)
        let done = try await complete(task.id, nowMs: 13_000)
        XCTAssertEqual(done.status, .completed)
        XCTAssertEqual(done.progress, 50)
        XCTAssertEqual(done.etaMs, 0)
        XCTAssertEqual(done.progressRate, 0)
    }

    func testAPendingTaskHasNoETA() async throws {
        let other = try await makeTask("b", typeID: task.typeID)
        let pending = try await stored(other.id)
        XCTAssertEqual(pending.status, .pending)
        XCTAssertEqual(pending.etaMs, 0)
        XCTAssertEqual(pending.progressRate, 0)
    }
}

/// A version 2 file (built by running migrations 1 and 2), opened by the store, is migrated to version 3.
///
/// The v2 rows: type 1 `img.resize`; task 1 pending; task 2 claimed by w1 at 2 000 with progress 40 since 2 500;
/// task 3 completed at 3 000; four history rows.
final class MigrationV3Tests: StoreTestCase {
    private var v2Path: String { directory.appendingPathComponent("v2.sqlite").path }

    override func setUp() async throws {
        try await super.setUp()
        let connection = try SQLiteConnection(path: v2Path)
        try Migrations.apply(to: connection, upTo: 2)
        XCTAssertEqual(try Migrations.userVersion(of: connection), 2)
        try connection.execute("""
            INSERT INTO task_types (id, name, version, param_schema_json, is_active, created_at_ms, updated_at_ms,
                                    lease_seconds)
            VALUES (1, 'img.resize', '1.0', '{}', 1, 500, 500, 600);
            INSERT INTO tasks (id, type_id, status, params_json, dedupe_key, priority, attempts, max_attempts,
                               created_at_ms, updated_at_ms)
            VALUES (1, 1, 'pending', '{"n":1}', 'k1', 5, 0, 3, 1000, 1000);
            INSERT INTO tasks (id, type_id, status, params_json, dedupe_key, progress, progress_message, attempts,
                               max_attempts, claimed_by, claimed_at_ms, created_at_ms, updated_at_ms,
                               lease_expires_at_ms, progress_changed_at_ms)
            VALUES (2, 1, 'claimed', '{"n":2}', 'k2', 40, 'half', 1, 3, 'w1', 2000, 1100, 2500, 602500, 2500);
            INSERT INTO tasks (id, type_id, status, params_json, dedupe_key, result_json, progress, attempts,
                               max_attempts, claimed_by, claimed_at_ms, completed_at_ms, created_at_ms,
                               updated_at_ms)
            VALUES (3, 1, 'completed', '{"n":3}', 'k3', '{"ok":true}', 100, 1, 3, 'w2', 2100, 3000, 1200, 3000);
            INSERT INTO task_history (task_id, status_change, worker_id, message, created_at_ms) VALUES
                (1, 'created', NULL, 'Task created', 1000),
                (2, 'created', NULL, 'Task created', 1100),
                (2, 'claimed', 'w1', 'Task claimed by worker', 2000),
                (3, 'created', NULL, 'Task created', 1200);
            """)
        store.close()
        store = try SQLiteTaskStore(path: v2Path)
    }

    func testTheMigratedFileHasTheCurrentVersion() async throws {
        let version = try await store.withConnection { db in try Migrations.userVersion(of: db) }
        XCTAssertEqual(version, Migrations.currentVersion)
    }

    func testRowsAndHistoryAreKept() async throws {
        let tasks = try await store.listTasks(TaskFilter()).tasks
        XCTAssertEqual(tasks.map(\.id), [3, 2, 1])
        let claimed = try await stored(2)
        XCTAssertEqual(claimed.status, .claimed)
        XCTAssertEqual(claimed.claimedBy, "w1")
        XCTAssertEqual(claimed.progress, 40)
        XCTAssertEqual(claimed.progressMessage, "half")
        XCTAssertEqual(claimed.leaseExpiresAtMs, 602_500)
        let completed = try await stored(3)
        XCTAssertEqual(completed.resultJSON, #"{"ok":true}"#)
        XCTAssertEqual(completed.completedAtMs, 3_000)
        let history = try await historyLines(2)
        XCTAssertEqual(history, [["created", "", "Task created"], ["claimed", "w1", "Task claimed by worker"]])
    }

    func testARunningClaimHasNoRateUntilItsProgressChanges() async throws {
        let claimed = try await stored(2)
        XCTAssertEqual(claimed.etaMs, 0)
        XCTAssertEqual(claimed.progressRate, 0)
        // From (40 %, 2 500) to (60 %, 12 500): 2 %/s; the remaining 40 % take 20 s.
        let moved = try await progress(2, 60, nowMs: 12_500)
        XCTAssertEqual(moved.progressRate, 2, accuracy: 1e-9)
        XCTAssertEqual(moved.etaMs, 12_500 + 20_000)
    }

    func testTheSchemaMatchesAFreshDatabase() async throws {
        let schema = "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY type, name"
        let migrated = try await store.withConnection { db in
            try db.prepare(schema).rows { [$0.string(at: 0) ?? "", $0.string(at: 1) ?? "", $0.string(at: 2) ?? ""] }
        }
        store.close()
        store = try SQLiteTaskStore(path: path)
        let fresh = try await store.withConnection { db in
            try db.prepare(schema).rows { [$0.string(at: 0) ?? "", $0.string(at: 1) ?? "", $0.string(at: 2) ?? ""] }
        }
        XCTAssertEqual(migrated, fresh)
    }
}
