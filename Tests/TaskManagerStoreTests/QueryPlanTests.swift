import TaskManagerCore
import XCTest

@testable import TaskManagerStore

final class QueryPlanTests: StoreTestCase {
    private func plan(_ order: ClaimOrder, typeID: Int64?, pattern: String?) async throws -> [String] {
        try await store.claimQueryPlan(ClaimQuery(workerID: "w", taskTypeID: typeID, typePattern: pattern, order: order,
                                                  nowMs: 2, defaultLeaseMs: 1))
    }

    /// The plan lines of the pending branch: those between "LEFT-MOST SUBQUERY" and "UNION ALL".
    private func pendingBranch(_ plan: [String]) throws -> [String] {
        let trimmed = plan.map { $0.trimmingCharacters(in: .whitespaces) }
        let start = try XCTUnwrap(trimmed.firstIndex(of: "LEFT-MOST SUBQUERY"))
        let end = try XCTUnwrap(trimmed.firstIndex(of: "UNION ALL"))
        return Array(trimmed[(start + 1)..<end])
    }

    private func assertNoFullScan(_ plan: [String], file: StaticString = #filePath, line: UInt = #line) {
        let scans = plan.filter { $0.contains("SCAN tasks") || $0.contains("SCAN t ") || $0.hasSuffix("SCAN t") }
        XCTAssertEqual(scans, [], "\n" + plan.joined(separator: "\n"), file: file, line: line)
    }

    func testDefaultOrderClaimOfOneTypeWalksTheClaimIndexWithoutSorting() async throws {
        let plan = try await plan(.priorityThenAge, typeID: 1, pattern: nil)
        assertNoFullScan(plan)
        let pending = try pendingBranch(plan)
        XCTAssertTrue(pending.contains { $0.contains("USING INDEX tasks_claim (type_id=? AND status=?)") },
                      plan.joined(separator: "\n"))
        XCTAssertFalse(pending.contains { $0.contains("TEMP B-TREE") }, plan.joined(separator: "\n"))
    }

    func testExpiredLeaseBranchSearchesTheLeaseIndex() async throws {
        let plan = try await plan(.priorityThenAge, typeID: 1, pattern: nil)
        let trimmed = plan.map { $0.trimmingCharacters(in: .whitespaces) }
        let union = try XCTUnwrap(trimmed.firstIndex(of: "UNION ALL"))
        // Only expired claims (few: the reaper ends them every pass), not every claimed task of the type.
        XCTAssertTrue(trimmed[union...].contains { $0.hasPrefix("SEARCH tasks USING INDEX tasks_leases (lease_expires_at_ms<?)") },
                      plan.joined(separator: "\n"))
    }

    func testReaperSearchesTheLeaseIndexWithoutSorting() async throws {
        let plan = try await store.withConnection { db in try db.queryPlan(SQLiteTaskStore.expiredLeases) }
        XCTAssertTrue(plan.contains { $0.contains("INDEX tasks_leases (lease_expires_at_ms<?)") },
                      plan.joined(separator: "\n"))
        XCTAssertFalse(plan.contains { $0.contains("TEMP B-TREE") }, plan.joined(separator: "\n"))
    }

    func testStallScanReadsOnlyClaimedTasks() async throws {
        let plan = try await store.withConnection { db in try db.queryPlan(SQLiteTaskStore.stallCandidates) }
        XCTAssertTrue(plan.contains { $0.contains("SEARCH t USING INDEX tasks_status_created (status=?)") || $0.contains("INDEX tasks_leases") },
                      plan.joined(separator: "\n"))
        assertNoFullScan(plan)
    }

    func testRetentionSearchesTheFinishedIndex() async throws {
        let plan = try await store.withConnection { db in try db.queryPlan(SQLiteTaskStore.deleteFinished) }
        XCTAssertTrue(plan.contains { $0.contains("INDEX tasks_finished (status=? AND completed_at_ms<?)") },
                      plan.joined(separator: "\n"))
        assertNoFullScan(plan)
    }

    func testEveryClaimShapeAvoidsFullTableScans() async throws {
        let orders: [ClaimOrder] = [.priorityThenAge]
            + ClaimSortKey.allCases.flatMap { [ClaimOrder.by($0, ascending: true), .by($0, ascending: false)] }
        for order in orders {
            for (typeID, pattern) in [(Int64(1), nil), (nil, "a%"), (Int64(1), "a%")] as [(Int64?, String?)] {
                let plan = try await plan(order, typeID: typeID, pattern: pattern)
                assertNoFullScan(plan)
            }
        }
    }

    func testHistoryQueryUsesTheTaskIndexWithoutSorting() async throws {
        let plan = try await store.withConnection { db in try db.queryPlan(SQLiteTaskStore.historyOfTask) }
        XCTAssertTrue(plan.contains { $0.contains("INDEX task_history_task (task_id=?)") },
                      plan.joined(separator: "\n"))
        XCTAssertFalse(plan.contains { $0.contains("SCAN task_history") || $0.contains("TEMP B-TREE") })
    }
}
