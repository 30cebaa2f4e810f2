import TaskManagerCore
import XCTest

@testable import TaskManagerStore

/// A worker that names its attempt gets "Lease lost" once that attempt is no longer the task's live claim.
class LeaseLostTests: StoreBehaviourTestCase {
    /// A task claimed by w1 at 1000 (attempt 1) with a lease ending at 2000.
    private func claimedTask(maxAttempts: Int32 = 3) async throws -> Task {
        let type = try await makeType()
        try await makeTask("a", typeID: type.id, maxAttempts: maxAttempts)
        let claimed = try await claim("w1", typeID: type.id, nowMs: 1_000, leaseMs: 1_000)
        return try XCTUnwrap(claimed)
    }

    func testAnOlderAttemptNumberLosesTheLease() async throws {
        let task = try await claimedTask()
        let reclaimed = try await claim("w2", typeID: task.typeID, nowMs: 5_000)
        XCTAssertEqual(reclaimed?.attempts, 2)
        await assertEveryWorkerCallThrows(.leaseLost, check(task.id, "w1", attempt: 1, nowMs: 5_100))
    }

    func testTheLiveAttemptNumberPassesTheCheck() async throws {
        let task = try await claimedTask()
        _ = try await claim("w2", typeID: task.typeID, nowMs: 5_000)
        try await progress(task.id, 10, worker: "w2", attempt: 2, nowMs: 5_100)
        _ = try await store.heartbeat(check(task.id, "w2", attempt: 2, nowMs: 5_200))
        let done = try await complete(task.id, "w2", attempt: 2, nowMs: 5_300)
        XCTAssertEqual(done.status, .completed)
    }

    func testTheSameAttemptLosesTheLeaseOnceItExpired() async throws {
        let task = try await claimedTask()
        _ = try await store.reapExpiredLeases(nowMs: 3_000)
        await assertEveryWorkerCallThrows(.leaseLost, check(task.id, "w1", attempt: 1, nowMs: 3_100))
    }

    func testTheSameAttemptLosesTheLeaseWhenExpiryFailedTheTask() async throws {
        let task = try await claimedTask(maxAttempts: 1)
        _ = try await store.reapExpiredLeases(nowMs: 3_000)
        await assertEveryWorkerCallThrows(.leaseLost, check(task.id, "w1", attempt: 1, nowMs: 3_100))
    }

    func testANewerAttemptNumberLosesTheLease() async throws {
        let task = try await claimedTask()
        await assertEveryWorkerCallThrows(.leaseLost, check(task.id, "w1", attempt: 2, nowMs: 1_100))
    }

    func testAnUnknownTaskIsNotFoundBeforeTheAttemptIsChecked() async throws {
        await assertEveryWorkerCallThrows(.taskNotFound, check(999, "w1", attempt: 1, nowMs: 1_100))
    }

    func testAttemptZeroKeepsTheOldChecksAfterExpiry() async throws {
        let task = try await claimedTask()
        _ = try await store.reapExpiredLeases(nowMs: 3_000)
        await assertEveryWorkerCallThrows(.taskNotClaimed, check(task.id, "w1", nowMs: 3_100))
        _ = try await claim("w2", typeID: task.typeID, nowMs: 4_000)
        await assertEveryWorkerCallThrows(.claimedByAnotherWorker, check(task.id, "w1", nowMs: 4_100))
    }

    func testFinishedTaskOfTheLiveAttemptIsNotClaimedRatherThanLost() async throws {
        let task = try await claimedTask()
        try await complete(task.id, attempt: 1, nowMs: 1_500)
        await assertEveryWorkerCallThrows(.taskNotClaimed, check(task.id, "w1", attempt: 1, nowMs: 1_600))
    }
}
