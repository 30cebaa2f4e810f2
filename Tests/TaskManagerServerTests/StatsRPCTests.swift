import TaskManagerClient
import TaskManagerCore
import TaskManagerProtocol
import XCTest

/// `GetStats` through the real server and client, with a manual clock.
class StatsRPCTests: ServerBehaviourTestCase {
    override func setUp() async throws {
        try await super.setUp()
        try await startServer {
            // No lease ends in these tests; a task without progress for 6 minutes is stalled.
            $0.claimTimeoutSeconds = 3600
            $0.stallAfterSeconds = 360
        }
        try await registerType("example.echo")
        try await registerType("import.csv")
    }

    private func getStats(slowAfterMinutes: Int32 = 0) async throws -> GetStatsResponse {
        try await client.call("GetStats", GetStatsRequest(slowAfterMinutes: slowAfterMinutes), as: GetStatsResponse.self)
    }

    /// Claims the next task matching `pattern` as `worker` and checks it is `expected`.
    private func claim(_ expected: Task, as worker: String, pattern: String) async throws {
        let task = try await claim(worker, pattern: pattern)
        XCTAssertEqual(task?.id, expected.id)
    }

    func testTheWholeDashboardAfterSomeWork() async throws {
        let start = clock.nowMs()
        let a = try await createTask("example.echo", params: #"{"n":1}"#)
        let b = try await createTask("example.echo", params: #"{"n":2}"#)
        let c = try await createTask("example.echo", params: #"{"n":3}"#)
        let created = try await client.createTask(CreateTaskRequest(type: "import.csv", paramsJSON: #"{"n":4}"#, maxAttempts: 1))
        let d = try XCTUnwrap(created.task)
        _ = try await createTask("import.csv", params: #"{"n":5}"#)

        try await claim(a, as: "w1", pattern: "example.echo")
        _ = try await client.updateProgress(UpdateProgressRequest(id: a.id, workerID: "w1", progress: 30))
        clock.advance(seconds: 120)
        try await claim(b, as: "w2", pattern: "example.echo")
        _ = try await client.completeTask(CompleteTaskRequest(id: b.id, workerID: "w2"))
        try await claim(d, as: "w4", pattern: "import.csv")
        _ = try await client.failTask(FailTaskRequest(id: d.id, workerID: "w4", error: "bad row"))
        clock.advance(seconds: 60)
        try await claim(c, as: "w3", pattern: "example.echo")
        _ = try await client.updateProgress(UpdateProgressRequest(id: c.id, workerID: "w3", progress: 80))
        clock.advance(seconds: 240)
        // 7 minutes in: `a` has had no progress for 420 s (stalled), `c` for 240 s.
        await server.runMaintenance()

        let stats = try await getStats()

        let now = start + 420_000
        XCTAssertEqual(stats.timeMs, now)
        XCTAssertEqual(stats.byStatus, [
            StatusCount(status: .pending, count: 1), StatusCount(status: .claimed, count: 2),
            StatusCount(status: .completed, count: 1), StatusCount(status: .failed, count: 1),
        ])
        var echo = TypeStats()
        echo.type = "example.echo"
        echo.claimed = 2
        echo.completed = 1
        echo.averageProgress = 55
        var csv = TypeStats()
        csv.type = "import.csv"
        csv.pending = 1
        csv.failed = 1
        csv.oldestPendingAgeMs = 420_000
        XCTAssertEqual(stats.byType, [echo, csv])

        let storedA = try await client.getTask(id: a.id)
        let storedC = try await client.getTask(id: c.id)
        XCTAssertEqual(stats.inProgress, [storedC, storedA])
        // Slow after the default 5 minutes: only `a` (claimed 7 minutes ago; `c` 4).
        XCTAssertEqual(stats.slow, [storedA])
        XCTAssertEqual(stats.stalled, [storedA])
        XCTAssertEqual(storedA.stalledSinceMs, now)

        // The clock started on a minute boundary: `b` and `d` finished 5 minutes before the current minute.
        var lastHour = (0..<60).map { MinuteCount(minuteStartMs: now / 60_000 * 60_000 - Int64(59 - $0) * 60_000) }
        lastHour[54].completed = 1
        lastHour[54].failed = 1
        XCTAssertEqual(lastHour[54].minuteStartMs, start + 120_000)
        XCTAssertEqual(stats.lastHour, lastHour)

        let longer = try await self.getStats(slowAfterMinutes: 8)
        XCTAssertEqual(longer.slow, [])
    }

    func testANegativeSlowThresholdIsRefused() async throws {
        await assertError(.invalidArgument, "slow_after_minutes must not be negative") {
            try await self.getStats(slowAfterMinutes: -1)
        }
    }
}
