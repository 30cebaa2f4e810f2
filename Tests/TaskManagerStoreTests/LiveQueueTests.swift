import TaskManagerCore
import XCTest

@testable import TaskManagerStore

/// The memory's queues drop their entries lazily; these check that stale entries never pile up.
final class LiveQueueTests: StoreTestCase {
    override func setUp() async throws {
        try await super.setUp()
        // Thousands of calls: without a sync per commit.
        store.close()
        store = try SQLiteTaskStore(path: path, synchronous: .normal)
    }

    private func entries(_ typeID: Int64) -> Int {
        store.live.withLock { $0.queuedEntryCount(of: typeID) }
    }

    func testClaimsInAnotherOrderThanTheDefaultLeaveNoPileOfStaleEntries() async throws {
        let type = try await makeType()
        var ids: [Int64] = []
        for index in 0..<3_000 {
            ids.append(try await makeTask("t\(index)", typeID: type.id).id)
        }
        // Claimed newest first: each claim leaves its ready entry in the heap, below the top.
        for _ in 0..<3_000 {
            let task = try await claim(typeID: type.id, order: .by(.id, ascending: false))
            try await complete(try XCTUnwrap(task).id, nowMs: 3_000)
        }
        XCTAssertLessThanOrEqual(entries(type.id), 2 * 1_024 + 2, "3,000 finished tasks left their entries behind")
        let none = try await claim(typeID: type.id)
        XCTAssertNil(none)
    }

    func testCancelledPendingTasksLeaveNoPileOfStaleEntries() async throws {
        let type = try await makeType()
        for index in 0..<3_000 {
            let task = try await makeTask("t\(index)", typeID: type.id, runAtMs: index.isMultiple(of: 2) ? 0 : 50_000)
            _ = try await store.cancelTask(id: task.id, reason: "", nowMs: 1_500)
        }
        let kept = try await makeTask("kept", typeID: type.id)
        XCTAssertLessThanOrEqual(entries(type.id), 1_024 + 2)
        let claimed = try await claim(typeID: type.id)
        XCTAssertEqual(claimed?.id, kept.id)
    }

    func testEndedClaimsLeaveNoPileOfLeaseEntries() async throws {
        let type = try await makeType()
        for index in 0..<3_000 {
            let task = try await makeTask("t\(index)", typeID: type.id)
            _ = try await claim(typeID: type.id)
            // Failed with attempts left: back in pending, its lease entry stale; then completed by a new claim.
            _ = try await fail(task.id, nowMs: 2_500)
            _ = try await claim("w2", typeID: type.id, nowMs: 3_000)
            try await complete(task.id, "w2", nowMs: 3_500)
        }
        XCTAssertLessThanOrEqual(entries(type.id), 2 * 1_024 + 2)
    }
}
