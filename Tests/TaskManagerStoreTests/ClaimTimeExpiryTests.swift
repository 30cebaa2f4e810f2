import TaskManagerCore
import XCTest

@testable import TaskManagerStore

/// A claim that meets an expired lease ends it exactly as the reaper does, then claims the task if it is pending.
class ClaimTimeExpiryTests: StoreBehaviourTestCase {
    func testExpiredLeaseIsReclaimedAsANewAttemptWithLeaseExpiredHistory() async throws {
        let type = try await makeType()
        let created = try await makeTask("a", typeID: type.id, maxAttempts: 3)
        _ = try await claim("w1", typeID: type.id, nowMs: 1_000, leaseMs: 1_000)
        try await progress(created.id, 30, message: "x", nowMs: 1_100, leaseMs: 1_000)

        let notYet = try await claim("w2", typeID: type.id, nowMs: 2_100)
        XCTAssertNil(notYet, "the lease renewed at 1100 ends at 2100, which is not before 2100")

        let reclaimed = try await claim("w2", typeID: type.id, nowMs: 5_000)
        let task = try XCTUnwrap(reclaimed)
        XCTAssertEqual(task.id, created.id)
        XCTAssertEqual(task.claimedBy, "w2")
        XCTAssertEqual(task.claimedAtMs, 5_000)
        XCTAssertEqual(task.attempts, 2)
        XCTAssertEqual(task.progress, 0)
        XCTAssertEqual(task.progressMessage, "")
        XCTAssertEqual(task.leaseExpiresAtMs, 5_000 + Self.defaultLeaseMs)
        let lines = try await historyLines(task.id)
        XCTAssertEqual(lines, [
            ["created", "", "Task created"],
            ["claimed", "w1", "Task claimed by worker"],
            ["progress_update", "w1", "Progress: 30% - x"],
            ["lease_expired", "w1", "Lease of w1 expired"],
            ["claimed", "w2", "Task claimed by worker"],
        ])
    }

    func testExpiredLeaseWithNoAttemptsLeftFailsWithLeaseExpired() async throws {
        let type = try await makeType()
        let created = try await makeTask("a", typeID: type.id, maxAttempts: 1)
        _ = try await claim("w1", typeID: type.id, nowMs: 1_000, leaseMs: 1_000)

        let none = try await claim("w2", typeID: type.id, nowMs: 5_000)
        XCTAssertNil(none)
        let task = try await stored(created.id)
        XCTAssertEqual(task.status, .failed)
        XCTAssertEqual(task.errorMessage, "lease expired")
        XCTAssertEqual(task.completedAtMs, 5_000)
        XCTAssertEqual(task.claimedBy, "w1")
        XCTAssertEqual(task.claimedAtMs, 1_000)
        XCTAssertEqual(task.attempts, 1)
        XCTAssertEqual(task.leaseExpiresAtMs, 0)
        let lines = try await historyLines(task.id)
        XCTAssertEqual(Array(lines.suffix(2)), [
            ["lease_expired", "w1", "Lease of w1 expired"],
            ["failed", "w1", "Task failed: lease expired"],
        ])
    }

    func testExpiredLeaseOfACancelRequestedTaskCancelsItInsteadOfReclaiming() async throws {
        let type = try await makeType()
        let created = try await makeTask("a", typeID: type.id, maxAttempts: 3)
        _ = try await claim("w1", typeID: type.id, nowMs: 1_000, leaseMs: 1_000)
        _ = try await store.cancelTask(id: created.id, reason: "stop", nowMs: 1_500)

        let none = try await claim("w2", typeID: type.id, nowMs: 5_000)
        XCTAssertNil(none)
        let task = try await stored(created.id)
        XCTAssertEqual(task.status, .cancelled)
        let lines = try await historyLines(task.id)
        XCTAssertEqual(lines.last, ["cancelled", "w1", "Task cancelled: lease expired"])
    }

    func testEndedLeaseGivesWayToTheNextClaimableTask() async throws {
        let type = try await makeType()
        let doomed = try await makeTask("doomed", typeID: type.id, priority: 9, maxAttempts: 1)
        _ = try await claim("w1", typeID: type.id, nowMs: 1_000, leaseMs: 1_000)
        try await makeTask("next", typeID: type.id, priority: 1)

        let task = try await claim("w2", typeID: type.id, nowMs: 5_000)
        XCTAssertEqual(task?.dedupeKey, "next")
        let failed = try await stored(doomed.id)
        XCTAssertEqual(failed.status, .failed)
    }

    func testExpiredLeaseOfAnotherTypeIsLeftAlone() async throws {
        let a = try await makeType("a")
        let b = try await makeType("b")
        let other = try await makeTask("b1", typeID: b.id, maxAttempts: 1)
        _ = try await claim("w1", typeID: b.id, nowMs: 1_000, leaseMs: 1_000)
        _ = try await claim("w2", typeID: a.id, nowMs: 5_000)
        let task = try await stored(other.id)
        XCTAssertEqual(task.status, .claimed)
    }

    func testCompletionIsAcceptedAfterTheLeaseWhileNotEnded() async throws {
        let type = try await makeType()
        let created = try await makeTask("a", typeID: type.id)
        _ = try await claim("w1", typeID: type.id, nowMs: 1_000, leaseMs: 1_000)
        let done = try await complete(created.id, "w1", attempt: 1, nowMs: 99_000)
        XCTAssertEqual(done.status, .completed)
    }
}
