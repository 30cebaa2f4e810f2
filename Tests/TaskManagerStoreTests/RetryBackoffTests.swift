import TaskManagerCore
import XCTest

@testable import TaskManagerStore

/// A failed attempt that is retried waits out the task's backoff: `min(cap, base * 2^(n-1))`, of which the upper
/// half is scaled by the jitter.
class RetryBackoffTests: StoreBehaviourTestCase {
    private var typeID: Int64 = 0
    private var taskID: Int64 = 0

    /// One task with 5 attempts, a 1 s base and a 3 s cap.
    override func setUp() async throws {
        try await super.setUp()
        typeID = try await makeType().id
        taskID = try await makeTask("a", typeID: typeID, maxAttempts: 5,
                                    retryBackoff: RetryBackoff(baseMs: 1_000, capMs: 3_000)).id
    }

    /// Claims the task at `nowMs` and fails it 100 ms later; returns when it becomes due again.
    private func claimAndFail(at nowMs: Int64, jitter: Double) async throws -> Int64 {
        let claimed = try await claim(typeID: typeID, nowMs: nowMs)
        XCTAssertEqual(claimed?.id, taskID)
        let failed = try await fail(taskID, jitter: jitter, nowMs: nowMs + 100)
        XCTAssertTrue(failed.retried)
        return failed.task.runAtMs
    }

    func testJitterZeroWaitsHalfTheDelay() async throws {
        let due = try await claimAndFail(at: 2_000, jitter: 0)
        XCTAssertEqual(due, 2_100 + 500)
    }

    func testJitterNearOneWaitsAlmostTheWholeDelay() async throws {
        let due = try await claimAndFail(at: 2_000, jitter: 0.999)
        XCTAssertEqual(due, 2_100 + 999)
    }

    func testTheDelayDoublesWithEachAttemptUpToTheCap() async throws {
        var now: Int64 = 2_000
        var waits: [Int64] = []
        for _ in 0..<4 {
            let due = try await claimAndFail(at: now, jitter: 0)
            waits.append(due - (now + 100))
            now = due
        }
        // Full delays 1000, 2000, 4000 → cap 3000, 3000; jitter 0 waits half of each.
        XCTAssertEqual(waits, [500, 1_000, 1_500, 1_500])
    }

    func testARetryIsNotClaimableBeforeItIsDueAndClaimableFrom() async throws {
        let due = try await claimAndFail(at: 2_000, jitter: 0)
        let early = try await claim("w2", typeID: typeID, nowMs: due - 1)
        XCTAssertNil(early)
        let onTime = try await claim("w2", typeID: typeID, nowMs: due)
        XCTAssertEqual(onTime?.id, taskID)
        XCTAssertEqual(onTime?.attempts, 2)
    }

    func testATaskWithoutBackoffIsDueAtOnce() async throws {
        let plain = try await makeTask("plain", typeID: typeID, priority: 9)
        _ = try await claim(typeID: typeID, nowMs: 2_000)
        let failed = try await fail(plain.id, nowMs: 2_100)
        XCTAssertEqual(failed.task.runAtMs, 2_100)
    }
}
