import TaskManagerCore
import XCTest

@testable import TaskManagerStore

class CreateTaskTests: StoreBehaviourTestCase {
    func testCreateStoresPendingTaskWithCreatedHistory() async throws {
        let type = try await makeType("t")
        let result = try await store.createTask(
            NewTask(typeID: type.id, paramsJSON: #"{"a":1}"#, priority: 7, dedupeKey: "k", maxAttempts: 4, nowMs: 1_234))
        XCTAssertFalse(result.deduplicated)
        let task = result.task
        XCTAssertEqual(task.type, "t")
        XCTAssertEqual(task.typeID, type.id)
        XCTAssertEqual(task.status, .pending)
        XCTAssertEqual(task.paramsJSON, #"{"a":1}"#)
        XCTAssertEqual(task.priority, 7)
        XCTAssertEqual(task.maxAttempts, 4)
        XCTAssertEqual(task.attempts, 0)
        XCTAssertEqual(task.progress, 0)
        XCTAssertEqual(task.createdAtMs, 1_234)
        XCTAssertEqual(task.updatedAtMs, 1_234)
        XCTAssertEqual(task.claimedBy, "")
        XCTAssertEqual(task.claimedAtMs, 0)
        XCTAssertEqual(task.resultJSON, "")
        XCTAssertEqual(task.leaseExpiresAtMs, 0)
        XCTAssertFalse(task.cancelRequested)
        XCTAssertFalse(task.stalled)
        let lines = try await historyLines(task.id)
        XCTAssertEqual(lines, [["created", "", "Task created"]])
    }

    func testCreateStoresRunAtAndRetryBackoff() async throws {
        let type = try await makeType()
        let task = try await makeTask("k", typeID: type.id, runAtMs: 9_000,
                                      retryBackoff: RetryBackoff(baseMs: 250, capMs: 4_000))
        XCTAssertEqual(task.runAtMs, 9_000)
        let base = try await scalar("SELECT retry_backoff_base_ms FROM tasks WHERE id = \(task.id)")
        let cap = try await scalar("SELECT retry_backoff_cap_ms FROM tasks WHERE id = \(task.id)")
        XCTAssertEqual([base, cap], [250, 4_000])
    }

    func testANegativeRunAtIsStoredAsZero() async throws {
        let type = try await makeType()
        let task = try await makeTask("k", typeID: type.id, runAtMs: -5)
        XCTAssertEqual(task.runAtMs, 0)
    }

    func testSameDedupeKeyReturnsExistingTaskDeduplicated() async throws {
        let type = try await makeType()
        let first = try await store.createTask(
            NewTask(typeID: type.id, paramsJSON: "{}", priority: 0, dedupeKey: "same", maxAttempts: 3, nowMs: 1_000))
        let second = try await store.createTask(
            NewTask(typeID: type.id, paramsJSON: "{}", priority: 9, dedupeKey: "same", maxAttempts: 5, nowMs: 2_000))
        XCTAssertTrue(second.deduplicated)
        XCTAssertEqual(second.task, first.task)
        let listed = try await store.listTasks(TaskFilter())
        XCTAssertEqual(listed.total, 1)
        let lines = try await historyLines(first.task.id)
        XCTAssertEqual(lines.count, 1)
    }

    func testDedupeAppliesToFinishedTasks() async throws {
        let type = try await makeType()
        let task = try await makeTask("k", typeID: type.id)
        _ = try await claim(typeID: type.id)
        _ = try await store.completeTask(check(task.id, "w1", nowMs: 3_000), resultJSON: "{}")
        let again = try await store.createTask(
            NewTask(typeID: type.id, paramsJSON: "{}", priority: 0, dedupeKey: "k", maxAttempts: 3, nowMs: 4_000))
        XCTAssertTrue(again.deduplicated)
        XCTAssertEqual(again.task.id, task.id)
        XCTAssertEqual(again.task.status, .completed)
    }

    func testConcurrentCreatesWithSameKeyMakeOneTask() async throws {
        let type = try await makeType()
        let store = self.store!
        let results = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<10 {
                group.addTask {
                    try await store.createTask(
                        NewTask(typeID: type.id, paramsJSON: "{}", priority: 0, dedupeKey: "race", maxAttempts: 3, nowMs: 1)
                    ).deduplicated
                }
            }
            return try await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        XCTAssertEqual(results.filter { !$0 }.count, 1)
        let total = try await store.listTasks(TaskFilter()).total
        XCTAssertEqual(total, 1)
    }
}
