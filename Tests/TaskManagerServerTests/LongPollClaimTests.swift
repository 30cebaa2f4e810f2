import TaskManagerClient
import TaskManagerCore
import XCTest

/// ClaimTask with wait_ms: answered as soon as a matching task becomes claimable, or empty after the wait.
class LongPollClaimTests: ServerBehaviourTestCase {
    override func setUp() async throws {
        try await super.setUp()
        try await startServer {
            $0.claimTimeoutSeconds = 60
            $0.retryBackoffBaseMs = 0
        }
        try await registerType()
    }

    private func longPoll(_ client: TaskManagerClient, waitMs: UInt32 = 10_000) -> _Concurrency.Task<(Task?, Duration), any Error> {
        _Concurrency.Task {
            let start = ContinuousClock.now
            let task = try await client.claimTask(ClaimTaskRequest(workerID: "poller", typePattern: "%", waitMs: waitMs))
            return (task, ContinuousClock.now - start)
        }
    }

    func testAWaitingClaimIsAnsweredAsSoonAsATaskIsCreated() async throws {
        let waiting = longPoll(try await connect())
        try await _Concurrency.Task.sleep(for: .milliseconds(100))
        let created = try await createTask()
        let (task, elapsed) = try await waiting.value
        XCTAssertEqual(task?.id, created.id)
        XCTAssertLessThan(elapsed, .seconds(5))
    }

    func testAWaitingClaimWakesWhenALeaseExpires() async throws {
        let created = try await createTask()
        _ = try await claim("w1")
        let waiting = longPoll(try await connect())
        try await _Concurrency.Task.sleep(for: .milliseconds(100))
        clock.advance(seconds: 61)
        await server.runMaintenance()
        let (task, elapsed) = try await waiting.value
        XCTAssertEqual(task?.id, created.id)
        XCTAssertEqual(task?.attempts, 2)
        XCTAssertLessThan(elapsed, .seconds(5))
    }

    func testAWaitingClaimWakesWhenAFailedTaskIsRetried() async throws {
        let created = try await createTask()
        _ = try await claim("w1")
        let waiting = longPoll(try await connect())
        try await _Concurrency.Task.sleep(for: .milliseconds(100))
        _ = try await client.failTask(FailTaskRequest(id: created.id, workerID: "w1", error: "again"))
        let (task, _) = try await waiting.value
        XCTAssertEqual(task?.id, created.id)
    }

    func testAWaitingClaimTakesADelayedTaskWhenItFallsDue() async throws {
        let delayed = try await client.createTask(CreateTaskRequest(type: "example.echo", delayMs: 300))
        let waiting = longPoll(try await connect())
        try await _Concurrency.Task.sleep(for: .milliseconds(100))
        clock.advance(seconds: 1)
        let (task, elapsed) = try await waiting.value
        XCTAssertEqual(task?.id, delayed.task?.id)
        XCTAssertLessThan(elapsed, .seconds(5), "woken by the due time, not by the end of the wait")
    }

    func testAWaitingClaimReturnsNothingWhenItsWaitEnds() async throws {
        let (task, elapsed) = try await longPoll(client, waitMs: 300).value
        XCTAssertNil(task)
        XCTAssertGreaterThanOrEqual(elapsed, .milliseconds(300))
        XCTAssertLessThan(elapsed, .seconds(5))
    }

    func testAWaitingClaimDoesNotHoldUpOtherCallsOnItsConnection() async throws {
        let waiting = longPoll(client, waitMs: 2_000)
        let health = try await client.health()
        XCTAssertEqual(health.status, "healthy")
        waiting.cancel()
        _ = try? await waiting.value
    }

    func testNoWakeUpIsLostWhenTasksArriveWhileClaimsStartWaiting() async throws {
        let poller = try await connect()
        for round in 0..<40 {
            let waiting = longPoll(poller)
            // No pause: the create races the claim's look for a task and its start of waiting.
            let created = try await createTask(params: #"{"round":\#(round)}"#)
            let (task, elapsed) = try await waiting.value
            XCTAssertEqual(task?.id, created.id)
            XCTAssertLessThan(elapsed, .seconds(5), "round \(round) waited for its full wait")
        }
    }
}
