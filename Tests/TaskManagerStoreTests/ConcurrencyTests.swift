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

        let store = self.store!
        let claims = try await withThrowingTaskGroup(of: [Int64].self) { group in
            for worker in 0..<8 {
                group.addTask {
                    var mine: [Int64] = []
                    let query = ClaimQuery(workerID: "w\(worker)", taskTypeID: type.id, typePattern: nil,
                                           order: .priorityThenAge, nowMs: 2_000, defaultLeaseMs: 60_000)
                    while let task = try await store.claimTask(query) {
                        XCTAssertEqual(task.claimedBy, "w\(worker)")
                        mine.append(task.id)
                    }
                    return mine
                }
            }
            return try await group.reduce(into: [Int64]()) { $0 += $1 }
        }

        XCTAssertEqual(claims.count, 200)
        XCTAssertEqual(Set(claims), created)
        let tasks = try await store.listTasks(TaskFilter(limit: 1_000)).tasks
        XCTAssertTrue(tasks.allSatisfy { $0.status == .claimed && $0.attempts == 1 })
        let claimedRows = try await scalar("SELECT COUNT(*) FROM task_history WHERE status_change = 'claimed'")
        XCTAssertEqual(claimedRows, 200)
    }
}
