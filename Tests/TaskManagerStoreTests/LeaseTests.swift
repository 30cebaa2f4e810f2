import TaskManagerCore
import XCTest

@testable import TaskManagerStore

/// A claim grants a lease; progress and heartbeats renew it; finishing clears it.
class LeaseTests: StoreBehaviourTestCase {
    /// A claimed task of a type with `settings`, claimed at 2000 with a default lease of 5 s.
    private func claimedTask(_ settings: TaskTypeSettings = TaskTypeSettings()) async throws -> Task {
        let type = try await makeType(settings: settings)
        try await makeTask("a", typeID: type.id)
        let claimed = try await claim(typeID: type.id, nowMs: 2_000, leaseMs: 5_000)
        return try XCTUnwrap(claimed)
    }

    func testClaimGrantsTheDefaultLeaseWhenTheTypeSetsNone() async throws {
        let task = try await claimedTask()
        XCTAssertEqual(task.leaseExpiresAtMs, 7_000)
    }

    func testClaimGrantsTheTypesLeaseSecondsOverTheDefault() async throws {
        let task = try await claimedTask(TaskTypeSettings(leaseSeconds: 30))
        XCTAssertEqual(task.leaseExpiresAtMs, 32_000)
    }

    func testProgressRenewsTheLeaseFromItsTime() async throws {
        let task = try await claimedTask()
        let updated = try await progress(task.id, 10, nowMs: 4_000, leaseMs: 5_000)
        XCTAssertEqual(updated.leaseExpiresAtMs, 9_000)
    }

    func testProgressRenewsWithTheTypesLeaseSeconds() async throws {
        let task = try await claimedTask(TaskTypeSettings(leaseSeconds: 30))
        let updated = try await progress(task.id, 10, nowMs: 4_000, leaseMs: 5_000)
        XCTAssertEqual(updated.leaseExpiresAtMs, 34_000)
    }

    func testHeartbeatRenewsTheLeaseWithoutHistoryOrProgress() async throws {
        let task = try await claimedTask()
        try await progress(task.id, 40, message: "m", nowMs: 3_000, leaseMs: 5_000)
        let linesBefore = try await historyLines(task.id)

        let beat = try await store.heartbeat(check(task.id, attempt: 1, nowMs: 6_000, leaseMs: 5_000))
        XCTAssertEqual(beat.leaseExpiresAtMs, 11_000)
        XCTAssertEqual(beat.progress, 40)
        XCTAssertEqual(beat.progressMessage, "m")
        XCTAssertEqual(beat.status, .claimed)
        let linesAfter = try await historyLines(task.id)
        XCTAssertEqual(linesAfter, linesBefore)
    }

    func testHeartbeatRenewsWithTheTypesLeaseSeconds() async throws {
        let task = try await claimedTask(TaskTypeSettings(leaseSeconds: 30))
        let beat = try await store.heartbeat(check(task.id, nowMs: 6_000, leaseMs: 5_000))
        XCTAssertEqual(beat.leaseExpiresAtMs, 36_000)
    }

    func testCompletionClearsTheLease() async throws {
        let task = try await claimedTask()
        let done = try await complete(task.id, nowMs: 3_000)
        XCTAssertEqual(done.leaseExpiresAtMs, 0)
    }

    func testFailureClearsTheLease() async throws {
        let task = try await claimedTask()
        let retried = try await fail(task.id, nowMs: 3_000)
        XCTAssertEqual(retried.task.status, .pending)
        XCTAssertEqual(retried.task.leaseExpiresAtMs, 0)
    }
}
