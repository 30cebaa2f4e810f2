import TaskManagerCore
import XCTest

@testable import TaskManagerStore

/// A claimed task whose progress has not changed for the stall time is marked stalled, once, until it moves.
class StallTests: StoreBehaviourTestCase {
    /// The stall time of types that set none, in these tests.
    private let defaultStallMs: Int64 = 10_000

    /// A task of a type with `settings`, claimed by w1 at 2000.
    @discardableResult
    private func claimedTask(_ key: String = "a", settings: TaskTypeSettings = TaskTypeSettings()) async throws
        -> Task
    {
        let type = try await makeType("type-\(key)", settings: settings)
        try await makeTask(key, typeID: type.id)
        let claimed = try await claim("w1", typeID: type.id, nowMs: 2_000)
        return try XCTUnwrap(claimed)
    }

    private func mark(at nowMs: Int64, defaultMs: Int64? = nil) async throws -> [Task] {
        try await store.markStalledTasks(nowMs: nowMs, defaultStallAfterMs: defaultMs ?? defaultStallMs)
    }

    func testATaskWithoutProgressIsMarkedStalledAfterTheStallTime() async throws {
        let task = try await claimedTask()
        let early = try await mark(at: 11_999)
        XCTAssertEqual(early, [])

        let marked = try await mark(at: 12_000)
        XCTAssertEqual(marked.map(\.id), [task.id])
        let stalled = try XCTUnwrap(marked.first)
        XCTAssertTrue(stalled.stalled)
        XCTAssertEqual(stalled.stalledSinceMs, 12_000)
        XCTAssertEqual(stalled.status, .claimed)
        let lines = try await historyLines(task.id)
        XCTAssertEqual(lines.last, ["stalled", "w1", "No progress for 10 s"])
    }

    func testTheStallIsReportedInWholeSeconds() async throws {
        let task = try await claimedTask()
        _ = try await mark(at: 14_999)
        let lines = try await historyLines(task.id)
        XCTAssertEqual(lines.last, ["stalled", "w1", "No progress for 12 s"])
    }

    func testAStalledTaskIsNotMarkedTwice() async throws {
        let task = try await claimedTask()
        _ = try await mark(at: 12_000)
        let again = try await mark(at: 30_000)
        XCTAssertEqual(again, [])
        let stalledLines = try await historyLines(task.id).filter { $0[0] == "stalled" }
        XCTAssertEqual(stalledLines.count, 1)
        let stored = try await stored(task.id)
        XCTAssertEqual(stored.stalledSinceMs, 12_000)
    }

    func testAProgressChangeClearsTheStallAndRestartsTheClock() async throws {
        let task = try await claimedTask()
        _ = try await mark(at: 12_000)
        let moved = try await progress(task.id, 10, nowMs: 13_000)
        XCTAssertFalse(moved.stalled)
        XCTAssertEqual(moved.stalledSinceMs, 0)

        let early = try await mark(at: 22_999)
        XCTAssertEqual(early, [])
        let marked = try await mark(at: 23_000)
        XCTAssertEqual(marked.map(\.id), [task.id])
    }

    func testTheSameProgressNeitherClearsTheStallNorRestartsTheClock() async throws {
        let task = try await claimedTask()
        try await progress(task.id, 0, message: "still here", nowMs: 5_000)
        let marked = try await mark(at: 12_000)
        XCTAssertEqual(marked.map(\.id), [task.id], "the clock still runs from the claim at 2000")

        let same = try await progress(task.id, 0, nowMs: 13_000)
        XCTAssertTrue(same.stalled)
        XCTAssertEqual(same.stalledSinceMs, 12_000)
    }

    func testTheTypesStallSettingOverridesTheDefault() async throws {
        let quick = try await claimedTask("quick", settings: TaskTypeSettings(stallAfterSeconds: 3))
        try await claimedTask("plain")
        let marked = try await mark(at: 5_700)
        XCTAssertEqual(marked.map(\.id), [quick.id])
        let lines = try await historyLines(quick.id)
        XCTAssertEqual(lines.last, ["stalled", "w1", "No progress for 3 s"])
    }

    func testADefaultOfZeroTurnsOffStallsOfTypesWithoutASetting() async throws {
        let plain = try await claimedTask("plain")
        let quick = try await claimedTask("quick", settings: TaskTypeSettings(stallAfterSeconds: 3))
        let marked = try await mark(at: 1_000_000, defaultMs: 0)
        XCTAssertEqual(marked.map(\.id), [quick.id])
        let stored = try await stored(plain.id)
        XCTAssertFalse(stored.stalled)
    }

    func testFinishedTasksAreNotMarkedOrShownStalled() async throws {
        let task = try await claimedTask()
        _ = try await mark(at: 12_000)
        let done = try await complete(task.id, nowMs: 13_000)
        XCTAssertFalse(done.stalled)
    }

    func testStalledOnlyListsClaimedTasksMarkedStalled() async throws {
        let stuck = try await claimedTask("stuck")
        _ = try await mark(at: 12_000)
        let busy = try await claimedTask("busy")
        let doneStalled = try await claimedTask("done")
        _ = try await mark(at: 30_000)
        try await complete(doneStalled.id, nowMs: 31_000)
        try await progress(busy.id, 50, nowMs: 31_000)

        let listed = try await store.listTasks(TaskFilter(stalledOnly: true))
        XCTAssertEqual(listed.tasks.map(\.id), [stuck.id])
        XCTAssertEqual(listed.total, 1)
    }
}
