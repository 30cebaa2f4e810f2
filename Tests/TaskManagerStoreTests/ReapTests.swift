import TaskManagerCore
import XCTest

@testable import TaskManagerStore

/// `reapExpiredLeases` ends every lease that expired: back to pending, failed, or cancelled.
class ReapTests: StoreBehaviourTestCase {
    /// A task claimed by w1 at 1000 with a lease ending at 2000.
    private func claimedTask(maxAttempts: Int32 = 3) async throws -> Task {
        let type = try await makeType()
        try await makeTask("a", typeID: type.id, maxAttempts: maxAttempts)
        let claimed = try await claim("w1", typeID: type.id, nowMs: 1_000, leaseMs: 1_000)
        return try XCTUnwrap(claimed)
    }

    func testLeaseIsNotReapedUntilAfterItsEnd() async throws {
        let task = try await claimedTask()
        let reaped = try await store.reapExpiredLeases(nowMs: 2_000)
        XCTAssertEqual(reaped, [])
        let stored = try await stored(task.id)
        XCTAssertEqual(stored, task)
    }

    func testReapReturnsAnExpiredTaskToPendingWithLeaseExpiredHistory() async throws {
        let task = try await claimedTask()
        try await progress(task.id, 40, message: "m", nowMs: 1_500, leaseMs: 1_000)

        let reaped = try await store.reapExpiredLeases(nowMs: 2_600)
        XCTAssertEqual(reaped.count, 1)
        let after = try XCTUnwrap(reaped.first)
        let stored = try await stored(task.id)
        XCTAssertEqual(after, stored)
        XCTAssertEqual(after.status, .pending)
        XCTAssertEqual(after.claimedBy, "")
        XCTAssertEqual(after.claimedAtMs, 0)
        XCTAssertEqual(after.progress, 0)
        XCTAssertEqual(after.progressMessage, "")
        XCTAssertEqual(after.leaseExpiresAtMs, 0)
        XCTAssertEqual(after.runAtMs, 2_600)
        XCTAssertEqual(after.attempts, 1)
        XCTAssertEqual(after.updatedAtMs, 2_600)
        let lines = try await historyLines(task.id)
        XCTAssertEqual(lines.last, ["lease_expired", "w1", "Lease of w1 expired"])
    }

    func testTheExpiredAttemptCountsOnTheNextClaim() async throws {
        let task = try await claimedTask()
        _ = try await store.reapExpiredLeases(nowMs: 3_000)
        let next = try await claim("w2", typeID: task.typeID, nowMs: 3_000)
        XCTAssertEqual(next?.id, task.id)
        XCTAssertEqual(next?.attempts, 2)
    }

    func testReapFailsATaskWithNoAttemptsLeft() async throws {
        let task = try await claimedTask(maxAttempts: 1)
        let reaped = try await store.reapExpiredLeases(nowMs: 3_000)
        let after = try XCTUnwrap(reaped.first)
        XCTAssertEqual(after.status, .failed)
        XCTAssertEqual(after.errorMessage, "lease expired")
        XCTAssertEqual(after.completedAtMs, 3_000)
        XCTAssertEqual(after.leaseExpiresAtMs, 0)
        let lines = try await historyLines(task.id)
        XCTAssertEqual(Array(lines.suffix(2)), [
            ["lease_expired", "w1", "Lease of w1 expired"],
            ["failed", "w1", "Task failed: lease expired"],
        ])
    }

    func testReapCancelsACancelRequestedTask() async throws {
        let task = try await claimedTask()
        _ = try await store.cancelTask(id: task.id, reason: "stop", nowMs: 1_500)
        let reaped = try await store.reapExpiredLeases(nowMs: 3_000)
        let after = try XCTUnwrap(reaped.first)
        XCTAssertEqual(after.status, .cancelled)
        XCTAssertEqual(after.completedAtMs, 3_000)
        XCTAssertEqual(after.leaseExpiresAtMs, 0)
        let lines = try await historyLines(task.id)
        XCTAssertEqual(lines.last, ["cancelled", "w1", "Task cancelled: lease expired"])
        let none = try await claim("w2", typeID: task.typeID, nowMs: 4_000)
        XCTAssertNil(none)
    }

    func testReapClearsAStall() async throws {
        let task = try await claimedTask()
        _ = try await store.markStalledTasks(nowMs: 1_900, defaultStallAfterMs: 500)
        let reaped = try await store.reapExpiredLeases(nowMs: 3_000)
        XCTAssertEqual(reaped.first?.stalledSinceMs, 0)
        XCTAssertEqual(reaped.first?.stalled, false)
        XCTAssertEqual(reaped.first?.id, task.id)
    }

    func testReapEndsEveryExpiredLeaseOfAnyTypeAndLeavesLiveOnesAlone() async throws {
        let a = try await makeType("a")
        let b = try await makeType("b")
        let early = try await makeTask("early", typeID: a.id)
        _ = try await claim("w1", typeID: a.id, nowMs: 1_000, leaseMs: 1_000)
        let later = try await makeTask("later", typeID: b.id)
        _ = try await claim("w2", typeID: b.id, nowMs: 1_000, leaseMs: 1_500)
        let live = try await makeTask("live", typeID: a.id)
        _ = try await claim("w3", typeID: a.id, nowMs: 1_000, leaseMs: 9_000)

        let reaped = try await store.reapExpiredLeases(nowMs: 3_000)
        XCTAssertEqual(reaped.map(\.id), [early.id, later.id])
        let untouched = try await stored(live.id)
        XCTAssertEqual(untouched.status, .claimed)
        XCTAssertEqual(untouched.claimedBy, "w3")
    }
}
