import TaskManagerCore
import XCTest

@testable import TaskManagerStore

final class StaleClaimTests: StoreTestCase {
    func testStaleClaimIsReclaimedAsANewAttemptWithClaimTimeoutHistory() async throws {
        let type = try await makeType()
        let created = try await makeTask("a", typeID: type.id, maxAttempts: 3)
        _ = try await claim("w1", typeID: type.id, nowMs: 1_000)
        _ = try await store.updateProgress(id: created.id, workerID: "w1", progress: 30, message: "x", nowMs: 1_100)

        let notYet = try await claim("w2", typeID: type.id, nowMs: 2_000, staleBeforeMs: 1_000)
        XCTAssertNil(notYet, "claimed_at 1000 is not before 1000")

        let reclaimed = try await claim("w2", typeID: type.id, nowMs: 5_000, staleBeforeMs: 1_500)
        let task = try XCTUnwrap(reclaimed)
        XCTAssertEqual(task.id, created.id)
        XCTAssertEqual(task.claimedBy, "w2")
        XCTAssertEqual(task.claimedAtMs, 5_000)
        XCTAssertEqual(task.attempts, 2)
        XCTAssertEqual(task.progress, 0)
        XCTAssertEqual(task.progressMessage, "")
        let lines = try await historyLines(task.id)
        XCTAssertEqual(lines, [
            ["created", "", "Task created"],
            ["claimed", "w1", "Task claimed by worker"],
            ["progress_update", "w1", "Progress: 30% - x"],
            ["claim_timeout", "w1", "Claim by w1 timed out"],
            ["claimed", "w2", "Task claimed by worker"],
        ])
    }

    func testStaleClaimWithNoAttemptsLeftFailsWithLeaseExpired() async throws {
        let type = try await makeType()
        let created = try await makeTask("a", typeID: type.id, maxAttempts: 1)
        _ = try await claim("w1", typeID: type.id, nowMs: 1_000)

        let none = try await claim("w2", typeID: type.id, nowMs: 5_000, staleBeforeMs: 1_500)
        XCTAssertNil(none)
        let stored = try await store.task(id: created.id)
        let task = try XCTUnwrap(stored)
        XCTAssertEqual(task.status, .failed)
        XCTAssertEqual(task.errorMessage, "lease expired")
        XCTAssertEqual(task.completedAtMs, 5_000)
        XCTAssertEqual(task.claimedBy, "w1")
        XCTAssertEqual(task.claimedAtMs, 1_000)
        XCTAssertEqual(task.attempts, 1)
        let lines = try await historyLines(task.id)
        XCTAssertEqual(lines.last, ["failed", "w1", "Task failed: lease expired"])
    }

    func testExpiredClaimOfAnotherTypeIsLeftAlone() async throws {
        let a = try await makeType("a")
        let b = try await makeType("b")
        let other = try await makeTask("b1", typeID: b.id, maxAttempts: 1)
        _ = try await claim("w1", typeID: b.id, nowMs: 1_000)
        _ = try await claim("w2", typeID: a.id, nowMs: 5_000, staleBeforeMs: 1_500)
        let task = try await store.task(id: other.id)
        XCTAssertEqual(task?.status, .claimed)
    }

    func testCompletionIsAcceptedAfterTheLeaseWhileNotReclaimed() async throws {
        let type = try await makeType()
        let created = try await makeTask("a", typeID: type.id)
        _ = try await claim("w1", typeID: type.id, nowMs: 1_000)
        let done = try await store.completeTask(id: created.id, workerID: "w1", resultJSON: "{}", nowMs: 99_000)
        XCTAssertEqual(done.status, .completed)
    }
}
