import TaskManagerCore
import XCTest

@testable import TaskManagerStore

/// `deleteFinishedTasks` removes old completed, failed and cancelled tasks with their history, in batches.
class RetentionTests: StoreBehaviourTestCase {
    /// Finished at 3000: c1 completed, f1 failed, x1 cancelled. Finished at 9000: c2. Unfinished: cl, p.
    private func seed() async throws {
        let type = try await makeType()
        let c1 = try await makeTask("c1", typeID: type.id)
        _ = try await claim(typeID: type.id)
        try await complete(c1.id, nowMs: 3_000)
        let f1 = try await makeTask("f1", typeID: type.id, maxAttempts: 1)
        _ = try await claim(typeID: type.id)
        try await fail(f1.id, nowMs: 3_000)
        let x1 = try await makeTask("x1", typeID: type.id)
        _ = try await store.cancelTask(id: x1.id, reason: "", nowMs: 3_000)
        let c2 = try await makeTask("c2", typeID: type.id)
        _ = try await claim(typeID: type.id)
        try await complete(c2.id, nowMs: 9_000)
        try await makeTask("cl", typeID: type.id)
        _ = try await claim(typeID: type.id)
        try await makeTask("p", typeID: type.id)
    }

    private func remainingKeys() async throws -> Set<String> {
        Set(try await store.listTasks(TaskFilter(limit: 100)).tasks.map(\.dedupeKey))
    }

    private func historyRowCount() async throws -> Int64? {
        try await scalar("SELECT COUNT(*) FROM task_history")
    }

    func testDeletesOnlyFinishedTasksThatFinishedBeforeTheCutoff() async throws {
        try await seed()
        let deleted = try await store.deleteFinishedTasks(finishedBeforeMs: 9_000, limit: 100)
        XCTAssertEqual(deleted, 3)
        let keys = try await remainingKeys()
        XCTAssertEqual(keys, ["c2", "cl", "p"])
    }

    func testDeletesInBatchesOfTheLimit() async throws {
        try await seed()
        var batches: [Int] = []
        for _ in 0..<3 {
            batches.append(try await store.deleteFinishedTasks(finishedBeforeMs: 5_000, limit: 2))
        }
        XCTAssertEqual(batches, [2, 1, 0])
    }

    func testDeletesTheHistoryOfDeletedTasksOnly() async throws {
        try await seed()
        let keptTasks = try await store.listTasks(TaskFilter(limit: 100)).tasks
            .filter { ["c2", "cl", "p"].contains($0.dedupeKey) }
        var keptHistory: [Int64: [[String]]] = [:]
        for task in keptTasks {
            keptHistory[task.id] = try await historyLines(task.id)
        }

        _ = try await store.deleteFinishedTasks(finishedBeforeMs: 5_000, limit: 100)
        let rows = try await historyRowCount()
        XCTAssertEqual(rows, Int64(keptHistory.values.map(\.count).reduce(0, +)))
        for task in keptTasks {
            let lines = try await historyLines(task.id)
            XCTAssertEqual(lines, keptHistory[task.id])
        }
    }

    func testALimitOfZeroDeletesNothing() async throws {
        try await seed()
        let deleted = try await store.deleteFinishedTasks(finishedBeforeMs: 100_000, limit: 0)
        XCTAssertEqual(deleted, 0)
        let keys = try await remainingKeys()
        XCTAssertEqual(keys.count, 6)
    }
}
