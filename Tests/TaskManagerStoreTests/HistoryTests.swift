import TaskManagerCore
import XCTest

@testable import TaskManagerStore

class HistoryTests: StoreBehaviourTestCase {
    func testHistoryIsOldestFirstWithTimesAndTexts() async throws {
        let type = try await makeType()
        let task = try await makeTask("a", typeID: type.id, nowMs: 1_000)
        _ = try await claim("w1", typeID: type.id, nowMs: 2_000)
        _ = try await store.updateProgress(check(task.id, "w1", nowMs: 3_000), progress: 10, message: "")
        _ = try await store.updateProgress(check(task.id, "w1", nowMs: 4_000), progress: 90, message: "almost")
        _ = try await store.completeTask(check(task.id, "w1", nowMs: 5_000), resultJSON: "{}")

        let history = try await store.history(taskID: task.id)
        let entries = try XCTUnwrap(history)
        XCTAssertEqual(entries.map(\.statusChange), ["created", "claimed", "progress_update", "progress_update", "completed"])
        XCTAssertEqual(entries.map(\.workerID), ["", "w1", "w1", "w1", "w1"])
        XCTAssertEqual(entries.map(\.message), [
            "Task created", "Task claimed by worker", "Progress: 10%", "Progress: 90% - almost", "Task completed successfully",
        ])
        XCTAssertEqual(entries.map(\.createdAtMs), [1_000, 2_000, 3_000, 4_000, 5_000])
        XCTAssertEqual(entries.map(\.taskID), Array(repeating: task.id, count: 5))
        XCTAssertEqual(entries.map(\.id), entries.map(\.id).sorted())
    }

    func testHistoryOfUnknownTaskIsNil() async throws {
        let history = try await store.history(taskID: 42)
        XCTAssertNil(history)
    }

    func testNoHistoryIsWrittenWhenRecordingIsOff() async throws {
        try await reopen(recordHistory: false)
        let type = try await makeType()
        let task = try await makeTask("a", typeID: type.id)
        _ = try await claim("w1", typeID: type.id)
        _ = try await store.updateProgress(check(task.id, "w1", nowMs: 2_100), progress: 5, message: "")
        _ = try await store.failTask(check(task.id, "w1", nowMs: 2_200), error: "e", jitter: 0)

        let history = try await store.history(taskID: task.id)
        XCTAssertEqual(history, [])
        // While the task lives, its claimed attempts left rows that durability needs; they go when it finishes.
        _ = try await claim("w2", typeID: type.id, nowMs: 2_300)
        try await complete(task.id, "w2", nowMs: 2_400)
        let rows = try await scalar("SELECT COUNT(*) FROM task_history")
        XCTAssertEqual(rows, 0)
        let finished = try await store.history(taskID: task.id)
        XCTAssertEqual(finished, [])
    }
}
