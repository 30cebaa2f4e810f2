import TaskManagerCore
import XCTest

@testable import TaskManagerStore

/// Progress, heartbeat, complete and fail all check, in order: the task exists, is claimed, and is claimed by the
/// caller (the attempt checks are in `LeaseLostTests`).
class WorkerCheckTests: StoreBehaviourTestCase {
    func testUnknownTaskThrowsTaskNotFound() async throws {
        await assertEveryWorkerCallThrows(.taskNotFound, check(999, nowMs: 1))
    }

    func testPendingTaskThrowsTaskNotClaimed() async throws {
        let type = try await makeType()
        let task = try await makeTask("a", typeID: type.id)
        await assertEveryWorkerCallThrows(.taskNotClaimed, check(task.id, nowMs: 1))
    }

    func testFinishedTaskThrowsTaskNotClaimedEvenForAnotherWorker() async throws {
        let type = try await makeType()
        let task = try await makeTask("a", typeID: type.id)
        _ = try await claim("w1", typeID: type.id)
        try await complete(task.id, "w1", nowMs: 3_000)
        await assertEveryWorkerCallThrows(.taskNotClaimed, check(task.id, "w2", nowMs: 4_000))
    }

    func testTaskOfAnotherWorkerThrowsClaimedByAnotherWorker() async throws {
        let type = try await makeType()
        let task = try await makeTask("a", typeID: type.id)
        let claimed = try await claim("w1", typeID: type.id)
        await assertEveryWorkerCallThrows(.claimedByAnotherWorker, check(task.id, "w2", nowMs: 2_100))
        let unchanged = try await stored(task.id)
        XCTAssertEqual(unchanged, claimed)
    }
}
