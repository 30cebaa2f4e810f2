import TaskManagerCore
import XCTest

@testable import TaskManagerStore

/// A pending task is cancelled at once; a claimed one is asked to stop and ends when its worker fails it.
class CancelTests: StoreBehaviourTestCase {
    private var typeID: Int64 = 0

    override func setUp() async throws {
        try await super.setUp()
        typeID = try await makeType().id
    }

    /// A task claimed by w1 at 2000.
    private func claimedTask(maxAttempts: Int32 = 3) async throws -> Task {
        try await makeTask("a", typeID: typeID, maxAttempts: maxAttempts)
        let claimed = try await claim("w1", typeID: typeID, nowMs: 2_000)
        return try XCTUnwrap(claimed)
    }

    func testCancellingAPendingTaskCancelsItAtOnce() async throws {
        let task = try await makeTask("a", typeID: typeID)
        let cancelled = try await store.cancelTask(id: task.id, reason: "not needed", nowMs: 1_500)
        XCTAssertEqual(cancelled.status, .cancelled)
        XCTAssertEqual(cancelled.completedAtMs, 1_500)
        XCTAssertEqual(cancelled.updatedAtMs, 1_500)
        XCTAssertEqual(cancelled.cancelReason, "not needed")
        let lines = try await historyLines(task.id)
        XCTAssertEqual(lines.last, ["cancelled", "", "Task cancelled: not needed"])
        let none = try await claim(typeID: typeID, nowMs: 2_000)
        XCTAssertNil(none)
    }

    func testCancellingAPendingTaskWithoutAReasonSaysSo() async throws {
        let task = try await makeTask("a", typeID: typeID)
        _ = try await store.cancelTask(id: task.id, reason: "", nowMs: 1_500)
        let lines = try await historyLines(task.id)
        XCTAssertEqual(lines.last, ["cancelled", "", "Task cancelled"])
    }

    func testCancellingAClaimedTaskRequestsCancel() async throws {
        let task = try await claimedTask()
        let requested = try await store.cancelTask(id: task.id, reason: "stop", nowMs: 2_500)
        XCTAssertEqual(requested.status, .claimed)
        XCTAssertEqual(requested.claimedBy, "w1")
        XCTAssertTrue(requested.cancelRequested)
        XCTAssertEqual(requested.cancelReason, "stop")
        let lines = try await historyLines(task.id)
        XCTAssertEqual(lines.last, ["cancel_requested", "", "Cancel requested: stop"])
    }

    func testCancellingAClaimedTaskWithoutAReasonSaysSo() async throws {
        let task = try await claimedTask()
        _ = try await store.cancelTask(id: task.id, reason: "", nowMs: 2_500)
        let lines = try await historyLines(task.id)
        XCTAssertEqual(lines.last, ["cancel_requested", "", "Cancel requested"])
    }

    func testASecondCancelOfAClaimedTaskChangesNothing() async throws {
        let task = try await claimedTask()
        let first = try await store.cancelTask(id: task.id, reason: "stop", nowMs: 2_500)
        let linesBefore = try await historyLines(task.id)
        let second = try await store.cancelTask(id: task.id, reason: "other", nowMs: 2_600)
        XCTAssertEqual(second, first)
        let linesAfter = try await historyLines(task.id)
        XCTAssertEqual(linesAfter, linesBefore)
    }

    func testFailingACancelRequestedTaskCancelsItWithoutRetry() async throws {
        let task = try await claimedTask(maxAttempts: 3)
        _ = try await store.cancelTask(id: task.id, reason: "stop", nowMs: 2_500)
        let result = try await fail(task.id, error: "stopped", nowMs: 3_000)
        XCTAssertFalse(result.retried)
        XCTAssertEqual(result.task.status, .cancelled)
        XCTAssertEqual(result.task.errorMessage, "stopped")
        XCTAssertEqual(result.task.completedAtMs, 3_000)
        XCTAssertEqual(result.task.leaseExpiresAtMs, 0)
        let lines = try await historyLines(task.id)
        XCTAssertEqual(lines.last, ["cancelled", "w1", "Task cancelled: stop"])
        let none = try await claim("w2", typeID: typeID, nowMs: 4_000)
        XCTAssertNil(none)
    }

    func testFailingATaskCancelledWithoutAReasonSaysRequested() async throws {
        let task = try await claimedTask()
        _ = try await store.cancelTask(id: task.id, reason: "", nowMs: 2_500)
        _ = try await fail(task.id, nowMs: 3_000)
        let lines = try await historyLines(task.id)
        XCTAssertEqual(lines.last, ["cancelled", "w1", "Task cancelled: requested"])
    }

    func testCompletingACancelRequestedTaskCompletesIt() async throws {
        let task = try await claimedTask()
        _ = try await store.cancelTask(id: task.id, reason: "stop", nowMs: 2_500)
        let done = try await complete(task.id, result: #"{"ok":1}"#, nowMs: 3_000)
        XCTAssertEqual(done.status, .completed)
        XCTAssertEqual(done.resultJSON, #"{"ok":1}"#)
        let lines = try await historyLines(task.id)
        XCTAssertEqual(lines.last, ["completed", "w1", "Task completed successfully"])
    }

    func testCancellingAFinishedTaskThrowsTaskFinished() async throws {
        let completed = try await claimedTask()
        try await complete(completed.id, nowMs: 3_000)
        let failed = try await makeTask("f", typeID: typeID, maxAttempts: 1)
        _ = try await claim(typeID: typeID, nowMs: 3_000)
        try await fail(failed.id, nowMs: 3_100)
        let cancelled = try await makeTask("c", typeID: typeID)
        _ = try await store.cancelTask(id: cancelled.id, reason: "", nowMs: 3_200)

        for id in [completed.id, failed.id, cancelled.id] {
            let before = try await stored(id)
            await assertThrows(.taskFinished) { try await store.cancelTask(id: id, reason: "late", nowMs: 4_000) }
            let after = try await stored(id)
            XCTAssertEqual(after, before)
        }
    }

    func testCancellingAnUnknownTaskThrowsTaskNotFound() async throws {
        await assertThrows(.taskNotFound) { try await store.cancelTask(id: 999, reason: "", nowMs: 1_000) }
    }
}
