import Foundation
import TaskManagerCore
import XCTest

@testable import TaskManagerStore

/// Many concurrent writers: every call is answered correctly and commits are shared.
final class GroupCommitLoadTests: StoreTestCase {
    func testConcurrentCreatesAndClaimsClaimEveryTaskOnceInFewerCommitsThanWrites() async throws {
        let type = try await makeType()
        let store = self.store!
        let commitsBefore = store.writer.commitCount
        let results = try await withThrowingTaskGroup(of: (created: [Int64], claimed: [Int64]).self) { group in
            for worker in 0..<8 {
                group.addTask {
                    var created: [Int64] = []
                    var claimed: [Int64] = []
                    let query = ClaimQuery(workerID: "w\(worker)", taskTypeID: type.id, typePattern: nil,
                                           order: .priorityThenAge, nowMs: 2_000, defaultLeaseMs: 60_000)
                    for index in 0..<100 {
                        created.append(try await store.createTask(
                            GroupCommitTests.newTask("w\(worker)-\(index)", typeID: type.id)).task.id)
                        // Every worker has created more tasks than it claimed, so one is always pending.
                        let task = try await store.claimTask(query)
                        XCTAssertEqual(task?.claimedBy, "w\(worker)")
                        claimed += task.map { [$0.id] } ?? []
                    }
                    return (created, claimed)
                }
            }
            return try await group.reduce(into: (created: [Int64](), claimed: [Int64]())) {
                $0.created += $1.created
                $0.claimed += $1.claimed
            }
        }

        XCTAssertEqual(results.created.count, 800)
        XCTAssertEqual(results.claimed.count, 800)
        XCTAssertEqual(Set(results.claimed), Set(results.created))
        let tasks = try await store.listTasks(TaskFilter(limit: 1_000)).tasks
        XCTAssertEqual(tasks.count, 800)
        XCTAssertTrue(tasks.allSatisfy { $0.status == .claimed && $0.attempts == 1 })
        let commits = store.writer.commitCount - commitsBefore
        XCTAssertLessThan(commits, 1_600)
    }

    /// Wall time and commits of 1000 creates from 16 tasks; runs only with `STORE_BENCH=1`.
    func testBenchmarkConcurrentCreates() async throws {
        try XCTSkipUnless(ProcessInfo.processInfo.environment["STORE_BENCH"] == "1", "set STORE_BENCH=1 to run")
        for synchronous in [SQLiteTaskStore.Synchronous.full, .normal] {
            for concurrency in [1, 16] {
                let benchPath = directory.appendingPathComponent("bench-\(synchronous)-\(concurrency).sqlite").path
                let store = try SQLiteTaskStore(path: benchPath, synchronous: synchronous)
                defer { store.close() }
                let type = try await store.registerTaskType(name: "bench", version: "1", paramSchemaJSON: "{}",
                                                            settings: TaskTypeSettings(), nowMs: 1_000).taskType
                let commitsBefore = store.writer.commitCount
                let start = ContinuousClock.now
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for worker in 0..<concurrency {
                        group.addTask {
                            for index in stride(from: worker, to: 1_000, by: concurrency) {
                                _ = try await store.createTask(GroupCommitTests.newTask("k\(index)", typeID: type.id))
                            }
                        }
                    }
                    try await group.waitForAll()
                }
                let elapsed = ContinuousClock.now - start
                print("BENCH synchronous=\(synchronous) tasks=\(concurrency) creates=1000 time=\(elapsed)",
                      "commits=\(store.writer.commitCount - commitsBefore)")
            }
        }
    }
}
