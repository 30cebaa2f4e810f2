import TaskManagerCore
import XCTest

/// Leases, heartbeats, the reaper, attempt numbers, retry backoff, delayed tasks, cancel, stalls and retention,
/// through the real server with a manual clock; `runMaintenance()` runs the background jobs once.
class LifecycleRPCTests: ServerBehaviourTestCase {
    override func setUp() async throws {
        try await super.setUp()
        try await startServer {
            $0.claimTimeoutSeconds = 60
            $0.stallAfterSeconds = 120
            $0.retryBackoffBaseMs = 10_000
            $0.retryBackoffCapMs = 60_000
            $0.retentionSeconds = 3600
        }
        try await registerType()
    }

    private func claimed() async throws -> Task {
        let task = try await claim("w1")
        return try XCTUnwrap(task)
    }

    // MARK: Leases

    func testAClaimGetsTheDefaultLeaseOrItsTypes() async throws {
        _ = try await createTask()
        let task = try await claimed()
        XCTAssertEqual(task.leaseExpiresAtMs, clock.nowMs() + 60_000)
        _ = try await client.registerTaskType(
            RegisterTaskTypeRequest(name: "long", version: "1", paramSchemaJSON: #"{"type":"object"}"#, settings: TaskTypeSettings(leaseSeconds: 3600)))
        _ = try await createTask("long")
        let long = try await claim("w1", pattern: "long")
        XCTAssertEqual(long?.leaseExpiresAtMs, clock.nowMs() + 3_600_000)
    }

    func testProgressAndHeartbeatRenewTheLease() async throws {
        _ = try await createTask()
        let task = try await claimed()
        clock.advance(seconds: 50)
        let progress = try await client.updateProgress(UpdateProgressRequest(id: task.id, workerID: "w1", progress: 10, attempt: 1))
        XCTAssertEqual(progress.leaseExpiresAtMs, clock.nowMs() + 60_000)
        XCTAssertFalse(progress.cancelRequested)
        clock.advance(seconds: 50)
        let beat = try await client.heartbeat(HeartbeatRequest(id: task.id, workerID: "w1", attempt: 1))
        XCTAssertEqual(beat.leaseExpiresAtMs, clock.nowMs() + 60_000)
        clock.advance(seconds: 50)
        await server.runMaintenance()
        let still = try await client.getTask(id: task.id)
        XCTAssertEqual(still.status, .claimed, "150 s after the claim, but the lease was renewed")
    }

    func testTheReaperReturnsAnExpiredTaskToPendingAndTheNextClaimCountsAnAttempt() async throws {
        _ = try await createTask()
        let task = try await claimed()
        clock.advance(seconds: 61)
        await server.runMaintenance()
        let reaped = try await client.getTask(id: task.id)
        XCTAssertEqual(reaped.status, .pending)
        XCTAssertEqual(reaped.claimedBy, "")
        let history = try await client.getTaskHistory(taskID: task.id)
        XCTAssertEqual(history.last?.statusChange, "lease_expired")
        XCTAssertEqual(history.last?.workerID, "w1")
        let again = try await claim("w2")
        XCTAssertEqual(again?.attempts, 2)
    }

    func testAnExpiredLeaseWithNoAttemptsLeftFailsTheTask() async throws {
        let created = try await client.createTask(CreateTaskRequest(type: "example.echo", maxAttempts: 1))
        let task = try XCTUnwrap(created.task)
        _ = try await claimed()
        clock.advance(seconds: 61)
        await server.runMaintenance()
        let failed = try await client.getTask(id: task.id)
        XCTAssertEqual(failed.status, .failed)
        XCTAssertEqual(failed.errorMessage, "lease expired")
    }

    func testAWorkerThatLostItsLeaseCannotTouchTheTask() async throws {
        _ = try await createTask()
        let task = try await claimed()
        clock.advance(seconds: 61)
        await server.runMaintenance()
        await assertError(.failedPrecondition, "Lease lost") {
            try await self.client.updateProgress(UpdateProgressRequest(id: task.id, workerID: "w1", progress: 50, attempt: 1))
        }
        _ = try await claim("w1")  // the same worker id claims it again: attempt 2
        for call in [
            { _ = try await self.client.completeTask(CompleteTaskRequest(id: task.id, workerID: "w1", attempt: 1)) },
            { _ = try await self.client.failTask(FailTaskRequest(id: task.id, workerID: "w1", error: "x", attempt: 1)) },
            { _ = try await self.client.heartbeat(HeartbeatRequest(id: task.id, workerID: "w1", attempt: 1)) },
        ] as [() async throws -> Void] {
            await assertError(.failedPrecondition, "Lease lost", call)
        }
        let current = try await client.completeTask(CompleteTaskRequest(id: task.id, workerID: "w1", attempt: 2))
        XCTAssertEqual(current.task?.status, .completed)
    }

    // MARK: Retries and delays

    func testAFailedAttemptWaitsItsExponentialBackoff() async throws {
        _ = try await createTask()
        var task = try await claimed()
        let first = try await client.failTask(FailTaskRequest(id: task.id, workerID: "w1", error: "x"))
        // Jitter 0: half of base * 2^0 = 5 s.
        XCTAssertEqual(first.task?.runAtMs, clock.nowMs() + 5_000)
        clock.advance(seconds: 4)
        let early = try await claim("w1")
        XCTAssertNil(early)
        clock.advance(seconds: 1)
        task = try await claimed()
        let second = try await client.failTask(FailTaskRequest(id: task.id, workerID: "w1", error: "x"))
        XCTAssertEqual(second.task?.runAtMs, clock.nowMs() + 10_000, "half of base * 2^1")
    }

    func testDelayedTasksAreNotClaimableBeforeTheyAreDue() async throws {
        let delayed = try await client.createTask(CreateTaskRequest(type: "example.echo", paramsJSON: #"{"n":1}"#, delayMs: 30_000))
        XCTAssertEqual(delayed.task?.runAtMs, clock.nowMs() + 30_000)
        let at = try await client.createTask(
            CreateTaskRequest(type: "example.echo", paramsJSON: #"{"n":2}"#, priority: 9, runAtMs: clock.nowMs() + 90_000))
        let none = try await claim("w1")
        XCTAssertNil(none)
        clock.advance(seconds: 30)
        let first = try await claim("w1")
        XCTAssertEqual(first?.id, delayed.task?.id)
        clock.advance(seconds: 60)
        let second = try await claim("w1")
        XCTAssertEqual(second?.id, at.task?.id)
        await assertError(.invalidArgument, "Give run_at_ms or delay_ms, not both") {
            try await self.client.createTask(CreateTaskRequest(type: "example.echo", paramsJSON: #"{"n":3}"#, runAtMs: 1, delayMs: 1))
        }
    }

    func testAHugeDelayIsTheFarFutureNotACrash() async throws {
        let created = try await client.createTask(CreateTaskRequest(type: "example.echo", delayMs: .max))
        XCTAssertEqual(created.task?.runAtMs, .max)
        let none = try await claim("w1")
        XCTAssertNil(none)
        let health = try await client.health()
        XCTAssertEqual(health.status, "healthy")
    }

    func testTheTypesMaxAttemptsAppliesWhenTheTaskSetsNone() async throws {
        _ = try await client.registerTaskType(
            RegisterTaskTypeRequest(name: "once", version: "1", paramSchemaJSON: #"{"type":"object"}"#, settings: TaskTypeSettings(maxAttempts: 1)))
        let task = try await createTask("once")
        XCTAssertEqual(task.maxAttempts, 1)
        let stored = try await client.getTaskType(name: "once")
        XCTAssertEqual(stored.settings.maxAttempts, 1)
    }

    // MARK: Cancel

    func testCancellingAPendingTaskCancelsItAtOnce() async throws {
        let task = try await createTask()
        let cancelled = try await client.cancelTask(id: task.id, reason: "not needed")
        XCTAssertEqual(cancelled.status, .cancelled)
        let none = try await claim("w1")
        XCTAssertNil(none)
        let history = try await client.getTaskHistory(taskID: task.id)
        XCTAssertEqual(history.last?.statusChange, "cancelled")
        XCTAssertEqual(history.last?.message, "Task cancelled: not needed")
        await assertError(.failedPrecondition, "Task is already finished") { try await self.client.cancelTask(id: task.id) }
        await assertError(.notFound, "Task not found") { try await self.client.cancelTask(id: 4242) }
    }

    func testCancellingAClaimedTaskTellsTheWorkerWhichThenEndsIt() async throws {
        _ = try await createTask()
        let task = try await claimed()
        let requested = try await client.cancelTask(id: task.id, reason: "user abort")
        XCTAssertEqual(requested.status, .claimed)
        XCTAssertTrue(requested.cancelRequested)
        let progress = try await client.updateProgress(UpdateProgressRequest(id: task.id, workerID: "w1", progress: 30))
        XCTAssertTrue(progress.cancelRequested)
        let beat = try await client.heartbeat(HeartbeatRequest(id: task.id, workerID: "w1"))
        XCTAssertTrue(beat.cancelRequested)
        let ended = try await client.failTask(FailTaskRequest(id: task.id, workerID: "w1", error: "cancelled by request"))
        XCTAssertFalse(ended.retried)
        XCTAssertEqual(ended.task?.status, .cancelled)
    }

    func testACancelRequestedTaskWhoseLeaseExpiresIsCancelled() async throws {
        _ = try await createTask()
        let task = try await claimed()
        _ = try await client.cancelTask(id: task.id)
        clock.advance(seconds: 61)
        await server.runMaintenance()
        let stored = try await client.getTask(id: task.id)
        XCTAssertEqual(stored.status, .cancelled)
    }

    // MARK: Stalls

    func testATaskWithoutProgressIsMarkedStalledUntilProgressMoves() async throws {
        _ = try await createTask()
        let task = try await claimed()
        _ = try await client.updateProgress(UpdateProgressRequest(id: task.id, workerID: "w1", progress: 20))
        clock.advance(seconds: 50)
        _ = try await client.heartbeat(HeartbeatRequest(id: task.id, workerID: "w1"))
        clock.advance(seconds: 50)
        _ = try await client.updateProgress(UpdateProgressRequest(id: task.id, workerID: "w1", progress: 20))
        clock.advance(seconds: 21)
        await server.runMaintenance()
        let stalled = try await client.getTask(id: task.id)
        XCTAssertTrue(stalled.stalled, "121 s at 20 %: heartbeats and same-value progress keep the lease, not the progress")
        XCTAssertEqual(stalled.stalledSinceMs, clock.nowMs())
        let listed = try await client.listTasks(ListTasksRequest(stalledOnly: true))
        XCTAssertEqual(listed.tasks.map(\.id), [task.id])
        let history = try await client.getTaskHistory(taskID: task.id)
        XCTAssertEqual(history.last?.statusChange, "stalled")
        XCTAssertEqual(history.last?.message, "No progress for 121 s")

        _ = try await client.updateProgress(UpdateProgressRequest(id: task.id, workerID: "w1", progress: 21))
        let moving = try await client.getTask(id: task.id)
        XCTAssertFalse(moving.stalled)
        let none = try await client.listTasks(ListTasksRequest(stalledOnly: true))
        XCTAssertEqual(none.total, 0)
    }

    // MARK: Retention

    func testRetentionDeletesOnlyFinishedTasksOlderThanTheCutoff() async throws {
        let old = try await createTask(params: #"{"n":1}"#)
        _ = try await claimed()
        _ = try await client.completeTask(CompleteTaskRequest(id: old.id, workerID: "w1"))
        let oldPending = try await createTask(params: #"{"n":2}"#)
        clock.advance(seconds: 3000)
        let recent = try await createTask(params: #"{"n":3}"#)
        _ = try await client.cancelTask(id: recent.id)
        clock.advance(seconds: 601)
        await server.runMaintenance()
        await assertError(.notFound, "Task not found") { try await self.client.getTask(id: old.id) }
        await assertError(.notFound, "Task not found") { try await self.client.getTaskHistory(taskID: old.id) }
        let kept = try await client.getTask(id: oldPending.id)
        XCTAssertEqual(kept.status, .pending)
        let recentKept = try await client.getTask(id: recent.id)
        XCTAssertEqual(recentKept.status, .cancelled)
    }
}
