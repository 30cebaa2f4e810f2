import TaskManagerCore
import XCTest

@testable import TaskManagerStore

/// `createTasks`: every item in one write and one commit, in order; an item that fails is rolled back alone.
class CreateTasksTests: StoreBehaviourTestCase {
    func testAllItemsAreCreatedInOrderWithOneCommit() async throws {
        let type = try await makeType()
        let items = (0..<300).map { GroupCommitTests.newTask("k\($0)", typeID: type.id) }
        let commitsBefore = (store as? SQLiteTaskStore)?.writer.commitCount ?? 0
        let results = try await store.createTasks(items)
        if let sqlite = store as? SQLiteTaskStore {
            XCTAssertEqual(sqlite.writer.commitCount, commitsBefore + 1)
        }
        let tasks = try results.map { try $0.get().task }
        XCTAssertEqual(tasks.map(\.dedupeKey), items.map(\.dedupeKey))
        XCTAssertEqual(tasks.map(\.id), tasks.map(\.id).sorted())
        let stored = try await store.listTasks(TaskFilter(limit: 1000)).total
        XCTAssertEqual(stored, 300)
    }

    func testAFailingItemLeavesTheOthersAndTheirHistory() async throws {
        let type = try await makeType()
        let items = [
            GroupCommitTests.newTask("a", typeID: type.id),
            GroupCommitTests.newTask("b", typeID: 999_999),  // no such type: the foreign key fails
            GroupCommitTests.newTask("c", typeID: type.id),
        ]
        let results = try await store.createTasks(items)
        XCTAssertNotNil(try? results[0].get())
        XCTAssertThrowsError(try results[1].get())
        let third = try results[2].get().task
        let total = try await store.listTasks(TaskFilter(limit: 10)).total
        XCTAssertEqual(total, 2)
        let history = try await store.history(taskID: third.id)
        XCTAssertEqual(history?.map(\.statusChange), [HistoryEntry.Change.created])
    }

    func testARepeatedKeyInOneBatchIsDeduplicated() async throws {
        let type = try await makeType()
        let results = try await store.createTasks([
            GroupCommitTests.newTask("same", typeID: type.id), GroupCommitTests.newTask("same", typeID: type.id),
        ])
        let (first, second) = (try results[0].get(), try results[1].get())
        XCTAssertFalse(first.deduplicated)
        XCTAssertTrue(second.deduplicated)
        XCTAssertEqual(first.task.id, second.task.id)
    }
}
