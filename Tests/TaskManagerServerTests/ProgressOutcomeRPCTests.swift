import TaskManagerCore
import XCTest

class ProgressOutcomeRPCTests: ServerBehaviourTestCase {
    var task: Task!

    override func setUp() async throws {
        try await super.setUp()
        try await startServer()
        try await registerType()
        task = try await createTask()
        _ = try await claim("w1")
    }

    func testProgressIsStoredWithItsMessageAndTime() async throws {
        clock.advance(seconds: 5)
        let response = try await client.updateProgress(UpdateProgressRequest(id: task.id, workerID: "w1", progress: 45, message: "Step 2/4"))
        XCTAssertEqual(response.id, task.id)
        XCTAssertEqual(response.progress, 45)
        let stored = try await client.getTask(id: task.id)
        XCTAssertEqual(stored.progress, 45)
        XCTAssertEqual(stored.progressMessage, "Step 2/4")
        XCTAssertEqual(stored.updatedAtMs, clock.nowMs())
    }

    func testProgressOutsideZeroToHundredIsRefused() async throws {
        for bad: Int32 in [-1, 101] {
            await assertError(.invalidArgument, "Progress must be between 0 and 100") {
                try await self.client.updateProgress(UpdateProgressRequest(id: self.task.id, workerID: "w1", progress: bad))
            }
        }
        _ = try await client.updateProgress(UpdateProgressRequest(id: task.id, workerID: "w1", progress: 0))
        _ = try await client.updateProgress(UpdateProgressRequest(id: task.id, workerID: "w1", progress: 100))
    }

    func testOnlyTheClaimingWorkerMayReport() async throws {
        await assertError(.permissionDenied, "Task is claimed by another worker") {
            try await self.client.updateProgress(UpdateProgressRequest(id: self.task.id, workerID: "w2", progress: 10))
        }
        await assertError(.invalidArgument, "Worker ID is required") {
            try await self.client.updateProgress(UpdateProgressRequest(id: self.task.id, workerID: "", progress: 10))
        }
        await assertError(.notFound, "Task not found") {
            try await self.client.updateProgress(UpdateProgressRequest(id: 12345, workerID: "w1", progress: 10))
        }
        let stored = try await client.getTask(id: task.id)
        XCTAssertEqual(stored.progress, 0, "refused calls change nothing")
    }

    func testCompleteStoresResultKeepsProgressAndEndsTheClaim() async throws {
        _ = try await client.updateProgress(UpdateProgressRequest(id: task.id, workerID: "w1", progress: 80))
        clock.advance(seconds: 2)
        let doneMaybe = try await client.completeTask(CompleteTaskRequest(id: task.id, workerID: "w1", resultJSON: #"{"echoed": "hi"}"#)).task
        let done = try XCTUnwrap(doneMaybe)
        XCTAssertEqual(done.status, .completed)
        XCTAssertEqual(done.resultJSON, #"{"echoed":"hi"}"#)
        XCTAssertEqual(done.completedAtMs, clock.nowMs())
        XCTAssertEqual(done.progress, 80)
        await assertError(.failedPrecondition, "Task is not in claimed state") {
            try await self.client.updateProgress(UpdateProgressRequest(id: self.task.id, workerID: "w1", progress: 90))
        }
        await assertError(.failedPrecondition, "Task is not in claimed state") {
            try await self.client.completeTask(CompleteTaskRequest(id: self.task.id, workerID: "w1"))
        }
    }

    func testCompleteRefusesAResultThatIsNotJSON() async throws {
        await assertError(.invalidArgument, "Invalid JSON in result_json") {
            try await self.client.completeTask(CompleteTaskRequest(id: self.task.id, workerID: "w1", resultJSON: "{oops"))
        }
    }

    func testFailRetriesWhileAttemptsRemainThenFailsForGood() async throws {
        let first = try await client.failTask(FailTaskRequest(id: task.id, workerID: "w1", error: "timeout"))
        XCTAssertTrue(first.retried)
        XCTAssertEqual(first.task?.status, .pending)
        XCTAssertEqual(first.task?.claimedBy, "")
        clock.advance(seconds: 600)
        _ = try await claim("w1")
        _ = try await client.failTask(FailTaskRequest(id: task.id, workerID: "w1", error: "timeout"))
        clock.advance(seconds: 600)
        _ = try await claim("w1")
        let last = try await client.failTask(FailTaskRequest(id: task.id, workerID: "w1", error: "still broken"))
        XCTAssertFalse(last.retried)
        XCTAssertEqual(last.task?.status, .failed)
        XCTAssertEqual(last.task?.attempts, 3)
        XCTAssertEqual(last.task?.errorMessage, "still broken")
        XCTAssertEqual(last.task?.completedAtMs, clock.nowMs())
        let nothing = try await claim("w1")
        XCTAssertNil(nothing, "a failed task is not claimable")
    }

    func testFailChecksStateAndOwner() async throws {
        await assertError(.permissionDenied, "Task is claimed by another worker") {
            try await self.client.failTask(FailTaskRequest(id: self.task.id, workerID: "w2", error: "x"))
        }
        await assertError(.notFound, "Task not found") {
            try await self.client.failTask(FailTaskRequest(id: 777, workerID: "w1", error: "x"))
        }
    }

    func testHistoryRecordsEveryTransitionWithTheOriginalTexts() async throws {
        _ = try await client.updateProgress(UpdateProgressRequest(id: task.id, workerID: "w1", progress: 25))
        _ = try await client.updateProgress(UpdateProgressRequest(id: task.id, workerID: "w1", progress: 50, message: "Step 2/4"))
        _ = try await client.failTask(FailTaskRequest(id: task.id, workerID: "w1", error: "disk full"))
        clock.advance(seconds: 600)
        _ = try await claim("w2")
        _ = try await client.completeTask(CompleteTaskRequest(id: task.id, workerID: "w2"))
        let history = try await client.getTaskHistory(taskID: task.id)
        XCTAssertEqual(history.map(\.statusChange), ["created", "claimed", "progress_update", "progress_update", "retry", "claimed", "completed"])
        XCTAssertEqual(
            history.map(\.message),
            ["Task created", "Task claimed by worker", "Progress: 25%", "Progress: 50% - Step 2/4", "Task failed: disk full",
             "Task claimed by worker", "Task completed successfully"])
        XCTAssertEqual(history.map(\.workerID), ["", "w1", "w1", "w1", "w1", "w2", "w2"])
        XCTAssertEqual(history.map(\.id), history.map(\.id).sorted(), "oldest first")
        await assertError(.notFound, "Task not found") { try await self.client.getTaskHistory(taskID: 4242) }
    }

    func testGetUnknownTaskIsNotFound() async throws {
        await assertError(.notFound, "Task not found") { try await self.client.getTask(id: 4242) }
    }
}

final class NoHistoryTests: ServerTestCase {
    func testNoHistoryWritesNoEntries() async throws {
        try await startServer { $0.recordHistory = false }
        try await registerType()
        let task = try await createTask()
        _ = try await claim()
        let history = try await client.getTaskHistory(taskID: task.id)
        XCTAssertEqual(history, [])
    }
}
