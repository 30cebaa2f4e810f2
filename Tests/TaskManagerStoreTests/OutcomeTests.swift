import TaskManagerCore
import XCTest

@testable import TaskManagerStore

class OutcomeTests: StoreBehaviourTestCase {
    private func claimedTask(maxAttempts: Int32 = 3) async throws -> Task {
        let type = try await makeType()
        try await makeTask("a", typeID: type.id, maxAttempts: maxAttempts)
        let claimed = try await claim("w1", typeID: type.id)
        return try XCTUnwrap(claimed)
    }

    func testProgressStoresValueAndMessage() async throws {
        let task = try await claimedTask()
        let updated = try await progress(task.id, 55, message: "resizing", nowMs: 2_500)
        XCTAssertEqual(updated.progress, 55)
        XCTAssertEqual(updated.progressMessage, "resizing")
        XCTAssertEqual(updated.updatedAtMs, 2_500)
        XCTAssertEqual(updated.status, .claimed)

        let cleared = try await store.updateProgress(check(task.id, "w1", nowMs: 2_600), progress: 60, message: "")
        XCTAssertEqual(cleared.progressMessage, "")
        let lines = try await historyLines(task.id)
        XCTAssertEqual(Array(lines.suffix(2)), [
            ["progress_update", "w1", "Progress: 55% - resizing"],
            ["progress_update", "w1", "Progress: 60%"],
        ])
    }

    func testCompleteStoresResultAndKeepsProgress() async throws {
        let task = try await claimedTask()
        _ = try await store.updateProgress(check(task.id, "w1", nowMs: 2_500), progress: 80, message: "")
        let done = try await store.completeTask(check(task.id, "w1", nowMs: 3_000), resultJSON: #"{"ok":true}"#)
        XCTAssertEqual(done.status, .completed)
        XCTAssertEqual(done.resultJSON, #"{"ok":true}"#)
        XCTAssertEqual(done.completedAtMs, 3_000)
        XCTAssertEqual(done.updatedAtMs, 3_000)
        XCTAssertEqual(done.progress, 80)
        XCTAssertEqual(done.claimedBy, "w1")
        let lines = try await historyLines(task.id)
        XCTAssertEqual(lines.last, ["completed", "w1", "Task completed successfully"])
    }

    func testCompleteWithEmptyResultStoresNull() async throws {
        let task = try await claimedTask()
        _ = try await store.completeTask(check(task.id, "w1", nowMs: 3_000), resultJSON: "")
        let isNull = try await scalar("SELECT CASE WHEN result_json IS NULL THEN 1 ELSE 0 END FROM tasks WHERE id = \(task.id)")
        XCTAssertEqual(isNull, 1)
    }

    func testFailRetriesWhileAttemptsRemainThenFailsForGood() async throws {
        let task = try await claimedTask(maxAttempts: 2)
        _ = try await store.updateProgress(check(task.id, "w1", nowMs: 2_100), progress: 50, message: "half")

        let first = try await store.failTask(check(task.id, "w1", nowMs: 2_500), error: "boom", jitter: 0)
        XCTAssertTrue(first.retried)
        XCTAssertEqual(first.task.status, .pending)
        XCTAssertEqual(first.task.errorMessage, "boom")
        XCTAssertEqual(first.task.claimedBy, "")
        XCTAssertEqual(first.task.claimedAtMs, 0)
        XCTAssertEqual(first.task.progress, 0)
        XCTAssertEqual(first.task.progressMessage, "")
        XCTAssertEqual(first.task.attempts, 1)
        XCTAssertEqual(first.task.completedAtMs, 0)
        XCTAssertEqual(first.task.runAtMs, 2_500, "no backoff: due at once")

        _ = try await claim("w2", typeID: task.typeID, nowMs: 3_000)
        let second = try await store.failTask(check(task.id, "w2", nowMs: 3_500), error: "bang", jitter: 0)
        XCTAssertFalse(second.retried)
        XCTAssertEqual(second.task.status, .failed)
        XCTAssertEqual(second.task.errorMessage, "bang")
        XCTAssertEqual(second.task.completedAtMs, 3_500)
        XCTAssertEqual(second.task.claimedBy, "w2")
        XCTAssertEqual(second.task.attempts, 2)

        let lines = try await historyLines(task.id)
        XCTAssertEqual(lines, [
            ["created", "", "Task created"],
            ["claimed", "w1", "Task claimed by worker"],
            ["progress_update", "w1", "Progress: 50% - half"],
            ["retry", "w1", "Task failed: boom"],
            ["claimed", "w2", "Task claimed by worker"],
            ["failed", "w2", "Task failed: bang"],
        ])
        let none = try await claim("w3", typeID: task.typeID, nowMs: 4_000)
        XCTAssertNil(none)
    }
}
