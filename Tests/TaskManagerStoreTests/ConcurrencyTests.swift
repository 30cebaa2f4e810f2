import TaskManagerCore
import XCTest

@testable import TaskManagerStore

class ConcurrencyTests: StoreBehaviourTestCase {
    func testConcurrentClaimersGetDistinctTasksAndEveryTaskIsClaimedOnce() async throws {
        let type = try await makeType()
        var created: Set<Int64> = []
        for index in 0..<200 {
            created.insert(try await makeTask("t\(index)", typeID: type.id, priority: Int32(index % 7)).id)
        }

        let claims = try await claimAll(typeID: type.id, workers: 8, on: [store!])

        XCTAssertEqual(claims.count, 200)
        XCTAssertEqual(Set(claims), created)
        let tasks = try await store.listTasks(TaskFilter(limit: 1_000)).tasks
        XCTAssertTrue(tasks.allSatisfy { $0.status == .claimed && $0.attempts == 1 })
        let claimedRows = try await scalar("SELECT COUNT(*) FROM task_history WHERE status_change = 'claimed'")
        XCTAssertEqual(claimedRows, 200)
    }
}
