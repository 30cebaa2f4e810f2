import TaskManagerCore
import XCTest

class ClaimRPCTests: ServerBehaviourTestCase {
    override func setUp() async throws {
        try await super.setUp()
        try await startServer { $0.claimTimeoutSeconds = 300 }
        try await registerType("example.echo")
        try await registerType("other.kind")
    }

    func testClaimMarksTheTaskClaimedAndCountsTheAttempt() async throws {
        let created = try await createTask()
        let claimedMaybe = try await claim("w1")
        let claimed = try XCTUnwrap(claimedMaybe)
        XCTAssertEqual(claimed.id, created.id)
        XCTAssertEqual(claimed.status, .claimed)
        XCTAssertEqual(claimed.claimedBy, "w1")
        XCTAssertEqual(claimed.claimedAtMs, clock.nowMs())
        XCTAssertEqual(claimed.attempts, 1)
    }

    func testNothingToClaimIsAnEmptyResponseNotAnError() async throws {
        let none = try await claim("w1")
        XCTAssertNil(none)
    }

    func testDefaultOrderIsPriorityThenOldestThenID() async throws {
        let low = try await createTask(params: #"{"n":1}"#, priority: 0)
        clock.advance(seconds: 1)
        let highNewer = try await createTask(params: #"{"n":2}"#, priority: 5)
        clock.advance(seconds: -2)
        let lowOlder = try await createTask(params: #"{"n":3}"#, priority: 0)
        // Back to the present: every task is due (each became due when it was created).
        clock.advance(seconds: 10)
        var order: [Int64] = []
        while let task = try await claim("w1") { order.append(task.id) }
        XCTAssertEqual(order, [highNewer.id, lowOlder.id, low.id])
    }

    func testSortByAndSortOrderAsInTheOriginal() async throws {
        let a = try await createTask(params: #"{"n":1}"#, priority: 1)
        clock.advance(seconds: 1)
        let b = try await createTask(params: #"{"n":2}"#, priority: 3)
        clock.advance(seconds: 1)
        let c = try await createTask(params: #"{"n":3}"#, priority: 2)
        let lifo = try await claim("w1", sortBy: "created_at", sortOrder: "desc")
        XCTAssertEqual(lifo?.id, c.id)
        let lowestPriority = try await claim("w1", sortBy: "priority")
        XCTAssertEqual(lowestPriority?.id, a.id)
        let rest = try await claim("w1", sortBy: "id", sortOrder: "DESC")
        XCTAssertEqual(rest?.id, b.id)
    }

    func testTiesAreBrokenByIDAscending() async throws {
        let first = try await createTask(params: #"{"n":1}"#, priority: 2)
        _ = try await createTask(params: #"{"n":2}"#, priority: 2)
        let byPriority = try await claim("w1", sortBy: "priority", sortOrder: "DESC")
        XCTAssertEqual(byPriority?.id, first.id)
    }

    func testInvalidSortIsRefused() async throws {
        await assertError(.invalidArgument, "Invalid sort_by field. Allowed values: created_at, priority, id, attempts") {
            try await self.claim("w1", sortBy: "name")
        }
        await assertError(.invalidArgument, "Invalid sort_order. Allowed values: ASC, DESC") {
            try await self.claim("w1", sortBy: "id", sortOrder: "sideways")
        }
    }

    func testTypeIDAndPatternSelectTheType() async throws {
        let echo = try await createTask("example.echo")
        let other = try await createTask("other.kind")
        let otherType = try await client.getTaskType(name: "other.kind")
        let byID = try await client.claimTask(ClaimTaskRequest(workerID: "w1", taskTypeID: otherType.id))
        XCTAssertEqual(byID?.id, other.id)
        let byPattern = try await claim("w1", pattern: "example.%")
        XCTAssertEqual(byPattern?.id, echo.id)
    }

    func testWorkerIDAndATypeSelectorAreRequired() async throws {
        await assertError(.invalidArgument, "Worker ID is required") { try await self.claim(" ") }
        await assertError(.invalidArgument, "task_type_id or type_pattern is required") {
            try await self.client.claimTask(ClaimTaskRequest(workerID: "w1"))
        }
    }

    func testAStaleClaimIsClaimableAgainAsANewAttempt() async throws {
        let task = try await createTask()
        _ = try await claim("w1")
        _ = try await client.updateProgress(UpdateProgressRequest(id: task.id, workerID: "w1", progress: 40))
        let nothing = try await claim("w2")
        XCTAssertNil(nothing, "a fresh claim is not claimable")
        clock.advance(seconds: 301)
        let againMaybe = try await claim("w2")
        let again = try XCTUnwrap(againMaybe)
        XCTAssertEqual(again.id, task.id)
        XCTAssertEqual(again.claimedBy, "w2")
        XCTAssertEqual(again.attempts, 2)
        XCTAssertEqual(again.progress, 0, "a new attempt starts from zero")
        await assertError(.permissionDenied, "Task is claimed by another worker") {
            try await self.client.completeTask(CompleteTaskRequest(id: task.id, workerID: "w1"))
        }
        let history = try await client.getTaskHistory(taskID: task.id).map(\.statusChange)
        XCTAssertEqual(history, ["created", "claimed", "progress_update", "lease_expired", "claimed"])
    }

    func testAStaleClaimWithNoAttemptsLeftIsFailed() async throws {
        let taskMaybe = try await client.createTask(CreateTaskRequest(type: "example.echo", maxAttempts: 1)).task
        let task = try XCTUnwrap(taskMaybe)
        _ = try await claim("w1")
        clock.advance(seconds: 301)
        let nothing = try await claim("w2")
        XCTAssertNil(nothing)
        let failed = try await client.getTask(id: task.id)
        XCTAssertEqual(failed.status, .failed)
        XCTAssertEqual(failed.errorMessage, "lease expired")
    }
}
