import TaskManagerCore
import XCTest

@testable import TaskManagerStore

/// Claims, leases and stalls are decided in memory (`LiveTasks`) and read no index; these are the plans of the
/// queries that remain.
final class QueryPlanTests: StoreTestCase {
    private func assertNoFullScan(_ plan: [String], file: StaticString = #filePath, line: UInt = #line) {
        let scans = plan.filter { $0.contains("SCAN tasks") || $0.contains("SCAN t ") || $0.hasSuffix("SCAN t") }
        XCTAssertEqual(scans, [], "\n" + plan.joined(separator: "\n"), file: file, line: line)
    }

    func testRetentionSearchesTheFinishedIndex() async throws {
        let plan = try await store.withConnection { db in try db.queryPlan(SQLiteTaskStore.deleteFinished) }
        XCTAssertTrue(plan.contains { $0.contains("INDEX tasks_finished (status=? AND completed_at_ms<?)") },
                      plan.joined(separator: "\n"))
        assertNoFullScan(plan)
    }

    func testHistoryQueryUsesTheTaskIndexWithoutSorting() async throws {
        let plan = try await store.withConnection { db in try db.queryPlan(SQLiteTaskStore.historyOfTask) }
        XCTAssertTrue(plan.contains { $0.contains("INDEX task_history_task (task_id=?)") },
                      plan.joined(separator: "\n"))
        XCTAssertFalse(plan.contains { $0.contains("SCAN task_history") || $0.contains("TEMP B-TREE") })
    }
}
