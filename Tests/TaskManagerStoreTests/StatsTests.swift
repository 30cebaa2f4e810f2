import TaskManagerCore
import XCTest

@testable import TaskManagerStore

/// The dashboard figures of `stats(nowMs:slowAfterMs:)`, read in one transaction.
class StatsTests: StoreBehaviourTestCase {
    /// A lease no test outlives, so no claim below takes over another's task.
    private let longLeaseMs: Int64 = 1_000_000_000_000

    /// Creates a task at `createdAtMs` and claims it (alone: its priority beats the other pending tasks) at `nowMs`.
    @discardableResult
    private func claimedTask(_ key: String, typeID: Int64, createdAtMs: Int64 = 1_000, at nowMs: Int64 = 2_000,
                             maxAttempts: Int32 = 3) async throws -> Task
    {
        try await makeTask(key, typeID: typeID, priority: 100, maxAttempts: maxAttempts, nowMs: createdAtMs)
        let claimed = try await claim(typeID: typeID, nowMs: nowMs, leaseMs: longLeaseMs)
        let task = try XCTUnwrap(claimed)
        XCTAssertEqual(task.dedupeKey, key)
        return task
    }

    private func figures(at nowMs: Int64, slowAfterMs: Int64 = 300_000) async throws -> GetStatsResponse {
        try await store.stats(nowMs: nowMs, slowAfterMs: slowAfterMs)
    }

    // MARK: - Counts

    func testAnEmptyDatabaseHasNoCountsNoListsAndSixtyEmptyMinutes() async throws {
        try await makeType("registered.but.unused")
        let stats = try await figures(at: 3_630_000)
        XCTAssertEqual(stats.timeMs, 3_630_000)
        XCTAssertEqual(stats.byStatus, [])
        XCTAssertEqual(stats.byType, [])
        XCTAssertEqual(stats.inProgress, [])
        XCTAssertEqual(stats.slow, [])
        XCTAssertEqual(stats.stalled, [])
        XCTAssertEqual(stats.lastHour.count, 60)
        XCTAssertEqual(stats.lastHour.first?.minuteStartMs, 60_000)
        XCTAssertEqual(stats.lastHour.last?.minuteStartMs, 3_600_000)
        XCTAssertTrue(stats.lastHour.allSatisfy { $0.completed == 0 && $0.failed == 0 })
    }

    func testCountsByStatusInStatusOrderAndByTypeInNameOrder() async throws {
        // Registered before "a.type", so a lower id: the order must come from the name.
        let b = try await makeType("b.type")
        let a = try await makeType("a.type")
        try await makeType("c.unused")
        for key in ["a-p1", "a-p2"] { try await makeTask(key, typeID: a.id) }
        try await claimedTask("a-c1", typeID: a.id)
        for key in ["a-d1", "a-d2", "a-d3"] {
            let task = try await claimedTask(key, typeID: a.id)
            try await complete(task.id, nowMs: 3_000)
        }
        try await makeTask("b-p1", typeID: b.id)
        try await claimedTask("b-c1", typeID: b.id)
        for key in ["b-f1", "b-f2"] {
            let task = try await claimedTask(key, typeID: b.id, maxAttempts: 1)
            try await fail(task.id, nowMs: 3_000)
        }
        let cancelled = try await makeTask("b-x1", typeID: b.id)
        _ = try await store.cancelTask(id: cancelled.id, reason: "", nowMs: 3_000)

        let stats = try await figures(at: 10_000)

        XCTAssertEqual(stats.byStatus, [
            StatusCount(status: .pending, count: 3), StatusCount(status: .claimed, count: 2),
            StatusCount(status: .completed, count: 3), StatusCount(status: .failed, count: 2),
            StatusCount(status: .cancelled, count: 1),
        ])
        XCTAssertEqual(stats.byType.map(\.type), ["a.type", "b.type"])
        let (aStats, bStats) = (stats.byType[0], stats.byType[1])
        let counts = { (type: TypeStats) in [type.pending, type.claimed, type.completed, type.failed, type.cancelled] }
        XCTAssertEqual(counts(aStats), [2, 1, 3, 0, 0])
        XCTAssertEqual(counts(bStats), [1, 1, 0, 2, 1])
    }

    func testOnlyStatusesThatHaveTasksAreCounted() async throws {
        let type = try await makeType()
        try await makeTask("a", typeID: type.id)
        try await claimedTask("b", typeID: type.id)
        let stats = try await figures(at: 10_000)
        XCTAssertEqual(stats.byStatus, [
            StatusCount(status: .pending, count: 1), StatusCount(status: .claimed, count: 1),
        ])
    }

    func testOldestPendingAgeIsThatOfTheOldestPendingTaskDueOrNot() async throws {
        let a = try await makeType("a.type")
        let b = try await makeType("b.type")
        // Older, but claimed: not pending.
        try await claimedTask("a-claimed", typeID: a.id, createdAtMs: 500)
        // The oldest pending one is delayed past now: it still waits.
        try await makeTask("a-delayed", typeID: a.id, nowMs: 1_000, runAtMs: 50_000)
        try await makeTask("a-due", typeID: a.id, nowMs: 3_000)
        try await claimedTask("b-claimed", typeID: b.id)

        let stats = try await figures(at: 10_000)

        XCTAssertEqual(stats.byType.map(\.oldestPendingAgeMs), [9_000, 0])
    }

    func testAverageProgressIsOverClaimedTasksOnly() async throws {
        let a = try await makeType("a.type")
        let b = try await makeType("b.type")
        let first = try await claimedTask("a-1", typeID: a.id)
        let second = try await claimedTask("a-2", typeID: a.id)
        try await progress(first.id, 20, nowMs: 3_000)
        try await progress(second.id, 55, nowMs: 3_000)
        let done = try await claimedTask("a-done", typeID: a.id)
        try await progress(done.id, 100, nowMs: 3_000)
        try await complete(done.id, nowMs: 4_000)
        try await makeTask("a-pending", typeID: a.id)
        try await makeTask("b-pending", typeID: b.id)

        let stats = try await figures(at: 10_000)

        XCTAssertEqual(stats.byType.map(\.averageProgress), [37.5, 0])
    }

    // MARK: - Lists

    func testInProgressListsClaimedTasksMostRecentlyClaimedFirstAsFullRows() async throws {
        let type = try await makeType()
        let first = try await claimedTask("first", typeID: type.id, at: 2_000)
        let second = try await claimedTask("second", typeID: type.id, at: 3_000)
        // Claimed at the same time as `second`, with a higher id: first among the two.
        let third = try await claimedTask("third", typeID: type.id, at: 3_000)
        try await progress(first.id, 40, message: "Step 2/5", nowMs: 4_000)
        let done = try await claimedTask("done", typeID: type.id, at: 5_000)
        try await complete(done.id, nowMs: 6_000)
        try await makeTask("pending", typeID: type.id)

        let stats = try await figures(at: 10_000)

        XCTAssertEqual(stats.inProgress.map(\.id), [third.id, second.id, first.id])
        let row = try XCTUnwrap(stats.inProgress.last)
        let stored = try await stored(first.id)
        XCTAssertEqual(row, stored)
        XCTAssertEqual(row.type, "test.type")
        XCTAssertEqual(row.progress, 40)
        XCTAssertEqual(row.progressMessage, "Step 2/5")
        XCTAssertEqual(row.claimedBy, "w1")
    }

    func testSlowTasksAreClaimedLongerThanTheThresholdBelow100PercentLongestFirst() async throws {
        let type = try await makeType()
        let atThreshold = try await claimedTask("at-threshold", typeID: type.id, at: 2_000)
        let longest = try await claimedTask("longest", typeID: type.id, at: 1_000)
        let finishedWork = try await claimedTask("at-100", typeID: type.id, at: 1_500)
        try await progress(finishedWork.id, 100, nowMs: 1_600)
        let later = try await claimedTask("later", typeID: type.id, at: 2_001)

        // Claimed exactly `slowAfterMs` ago is not slow yet; one millisecond more is.
        let atBoundary = try await figures(at: 302_000, slowAfterMs: 300_000)
        XCTAssertEqual(atBoundary.slow.map(\.id), [longest.id])
        let past = try await figures(at: 302_001, slowAfterMs: 300_000)
        XCTAssertEqual(past.slow.map(\.id), [longest.id, atThreshold.id])
        let all = try await figures(at: 302_002, slowAfterMs: 300_000)
        XCTAssertEqual(all.slow.map(\.id), [longest.id, atThreshold.id, later.id])
    }

    func testAHugeSlowThresholdMakesNothingSlow() async throws {
        let type = try await makeType()
        try await claimedTask("a", typeID: type.id, at: 1_000)
        let stats = try await figures(at: 10_000, slowAfterMs: .max)
        XCTAssertEqual(stats.slow, [])
    }

    func testStalledListsStalledClaimedTasksLongestStalledFirst() async throws {
        let type = try await makeType()
        let first = try await claimedTask("first", typeID: type.id, at: 2_000)
        let second = try await claimedTask("second", typeID: type.id, at: 1_000)
        let third = try await claimedTask("third", typeID: type.id, at: 3_000)
        try await claimedTask("moving", typeID: type.id, at: 3_500)
        for nowMs: Int64 in [11_000, 12_000, 13_000] {
            _ = try await store.markStalledTasks(nowMs: nowMs, defaultStallAfterMs: 10_000)
        }
        // `moving` is claimed, but not for the stall time yet.
        let stalledNow = try await figures(at: 13_000)
        XCTAssertEqual(stalledNow.stalled.map(\.id), [second.id, first.id, third.id])
        XCTAssertEqual(stalledNow.stalled.map(\.stalledSinceMs), [11_000, 12_000, 13_000])
        XCTAssertTrue(stalledNow.stalled.allSatisfy(\.stalled))

        try await progress(first.id, 10, nowMs: 14_000)
        let afterProgress = try await figures(at: 14_000)
        XCTAssertEqual(afterProgress.stalled.map(\.id), [second.id, third.id])
    }

    func testEachListHoldsAtMost100Tasks() async throws {
        let type = try await makeType()
        // 105 claimed tasks, claimed (and stalled) at 1...105 ms: built in one statement.
        try await sql("""
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 105)
            INSERT INTO tasks (type_id, status, params_json, dedupe_key, max_attempts, attempts, claimed_by,
                               claimed_at_ms, lease_expires_at_ms, progress_changed_at_ms, stalled_since_ms,
                               created_at_ms, updated_at_ms)
            SELECT \(type.id), 'claimed', '{}', 'k' || i, 3, 1, 'w1', i, 1000000000, i, i, 0, i FROM n
            """)
        try await reopen()
        let stats = try await figures(at: 1_000_000, slowAfterMs: 1_000)
        XCTAssertEqual(stats.inProgress.map(\.claimedAtMs), Array((6...105).reversed()))
        XCTAssertEqual(stats.slow.map(\.claimedAtMs), Array(1...100))
        XCTAssertEqual(stats.stalled.map(\.stalledSinceMs), Array(1...100))
        XCTAssertEqual(stats.byStatus, [StatusCount(status: .claimed, count: 105)])
    }

    // MARK: - Last hour

    func testLastHourCountsFinishedTasksPerMinuteOldestFirst() async throws {
        let type = try await makeType()
        let minute: Int64 = 60_000
        let currentMinute: Int64 = 200_000 * minute
        let now = currentMinute + 30_000
        let firstMinute = currentMinute - 59 * minute
        let completions: [(String, Int64)] = [
            ("now", now), ("1-minute-ago", now - minute), ("59-minutes-ago", now - 59 * minute),
            ("first-instant", firstMinute), ("61-minutes-ago", now - 61 * minute), ("just-before", firstMinute - 1),
        ]
        for (key, at) in completions {
            let task = try await claimedTask(key, typeID: type.id)
            try await complete(task.id, nowMs: at)
        }
        for (key, at) in [("failed-now", now - 1), ("failed-1-minute-ago", now - minute)] {
            let task = try await claimedTask(key, typeID: type.id, maxAttempts: 1)
            try await fail(task.id, nowMs: at)
        }
        // Back to pending for another attempt: only the final status is counted.
        let retried = try await claimedTask("retried", typeID: type.id, maxAttempts: 3)
        let retry = try await fail(retried.id, nowMs: now)
        XCTAssertTrue(retry.retried)

        let stats = try await figures(at: now)

        XCTAssertEqual(stats.lastHour.map(\.minuteStartMs), (0..<60).map { firstMinute + Int64($0) * minute })
        var expected = (0..<60).map { MinuteCount(minuteStartMs: firstMinute + Int64($0) * minute) }
        expected[0].completed = 2
        expected[58].completed = 1
        expected[58].failed = 1
        expected[59].completed = 1
        expected[59].failed = 1
        XCTAssertEqual(stats.lastHour, expected)
    }
}

/// The query plans of SQLite's statistics.
final class StatsQueryPlanTests: StoreTestCase {
    private func plan(_ sql: String) async throws -> [String] {
        try await store.withConnection { db in try db.queryPlan(sql) }
    }

    private func assertNoFullScan(_ plan: [String], file: StaticString = #filePath, line: UInt = #line) {
        let scans = plan.filter { $0.contains("SCAN tasks") || $0.contains("SCAN t ") || $0.hasSuffix("SCAN t") }
        XCTAssertEqual(scans, [], "\n" + plan.joined(separator: "\n"), file: file, line: line)
    }

    func testLastHourIsARangeOnTheCompletedIndex() async throws {
        let plan = try await plan(StatsSQL.finishedPerMinute)
        assertNoFullScan(plan)
        XCTAssertTrue(
            plan.contains {
                $0.contains("COVERING INDEX tasks_finished (status=? AND completed_at_ms>? AND completed_at_ms<?)")
            }, plan.joined(separator: "\n"))
    }

    func testTheFinishedCountsReadTheFinishedIndexOnly() async throws {
        // Live tasks are counted in memory; this query reads every finished task, from the covering index.
        let plan = try await plan(StatsSQL.finishedByTypeAndStatus)
        XCTAssertTrue(plan.contains { $0.contains("COVERING INDEX tasks_finished") }, plan.joined(separator: "\n"))
        assertNoFullScan(plan)
    }
}
