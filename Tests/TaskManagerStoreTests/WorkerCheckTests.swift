import TaskManagerCore
import XCTest

@testable import TaskManagerStore

/// Progress, complete and fail all check, in order: the task exists, is claimed, and is claimed by the caller.
final class WorkerCheckTests: StoreTestCase {
    func testUnknownTaskThrowsTaskNotFound() async throws {
        await assertThrows(.taskNotFound) {
            try await store.updateProgress(id: 999, workerID: "w1", progress: 1, message: "", nowMs: 1)
        }
        await assertThrows(.taskNotFound) { try await store.completeTask(id: 999, workerID: "w1", resultJSON: "", nowMs: 1) }
        await assertThrows(.taskNotFound) { try await store.failTask(id: 999, workerID: "w1", error: "e", nowMs: 1) }
    }

    func testPendingTaskThrowsTaskNotClaimed() async throws {
        let type = try await makeType()
        let task = try await makeTask("a", typeID: type.id)
        await assertThrows(.taskNotClaimed) {
            try await store.updateProgress(id: task.id, workerID: "w1", progress: 1, message: "", nowMs: 1)
        }
        await assertThrows(.taskNotClaimed) {
            try await store.completeTask(id: task.id, workerID: "w1", resultJSON: "", nowMs: 1)
        }
        await assertThrows(.taskNotClaimed) { try await store.failTask(id: task.id, workerID: "w1", error: "e", nowMs: 1) }
    }

    func testFinishedTaskThrowsTaskNotClaimedEvenForAnotherWorker() async throws {
        let type = try await makeType()
        let task = try await makeTask("a", typeID: type.id)
        _ = try await claim("w1", typeID: type.id)
        _ = try await store.completeTask(id: task.id, workerID: "w1", resultJSON: "{}", nowMs: 3_000)
        await assertThrows(.taskNotClaimed) {
            try await store.completeTask(id: task.id, workerID: "w2", resultJSON: "", nowMs: 4_000)
        }
    }

    func testTaskOfAnotherWorkerThrowsClaimedByAnotherWorker() async throws {
        let type = try await makeType()
        let task = try await makeTask("a", typeID: type.id)
        _ = try await claim("w1", typeID: type.id)
        await assertThrows(.claimedByAnotherWorker) {
            try await store.updateProgress(id: task.id, workerID: "w2", progress: 1, message: "", nowMs: 1)
        }
        await assertThrows(.claimedByAnotherWorker) {
            try await store.completeTask(id: task.id, workerID: "w2", resultJSON: "", nowMs: 1)
        }
        await assertThrows(.claimedByAnotherWorker) {
            try await store.failTask(id: task.id, workerID: "w2", error: "e", nowMs: 1)
        }
        let unchanged = try await store.task(id: task.id)
        XCTAssertEqual(unchanged?.status, .claimed)
        XCTAssertEqual(unchanged?.claimedBy, "w1")
    }
}
