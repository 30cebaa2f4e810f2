import TaskManagerCore
import XCTest

@testable import TaskManagerStore

final class HistoryTests: StoreTestCase {
    func testHistoryIsOldestFirstWithTimesAndTexts() async throws {
        let type = try await makeType()
        let task = try await makeTask("a", typeID: type.id, nowMs: 1_000)
        _ = try await claim("w1", typeID: type.id, nowMs: 2_000)
        _ = try await store.updateProgress(id: task.id, workerID: "w1", progress: 10, message: "", nowMs: 3_000)
        _ = try await store.updateProgress(id: task.id, workerID: "w1", progress: 90, message: "almost", nowMs: 4_000)
        _ = try await store.completeTask(id: task.id, workerID: "w1", resultJSON: "{}", nowMs: 5_000)

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
        store.close()
        store = try SQLiteTaskStore(path: path, recordHistory: false)
        let type = try await makeType()
        let task = try await makeTask("a", typeID: type.id)
        _ = try await claim("w1", typeID: type.id)
        _ = try await store.updateProgress(id: task.id, workerID: "w1", progress: 5, message: "", nowMs: 2_100)
        _ = try await store.failTask(id: task.id, workerID: "w1", error: "e", nowMs: 2_200)

        let history = try await store.history(taskID: task.id)
        XCTAssertEqual(history, [])
        let rows = try await store.withConnection { db in
            try db.prepare("SELECT COUNT(*) FROM task_history").firstRow { $0.int64(at: 0) }
        }
        XCTAssertEqual(rows, 0)
    }
}
