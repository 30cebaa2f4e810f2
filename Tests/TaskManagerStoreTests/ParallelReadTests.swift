import TaskManagerCore
import XCTest

@testable import TaskManagerStore

/// Reads run on read-only connections in parallel with the writer and see committed data only.
final class ParallelReadTests: StoreTestCase {
    func testAReadCompletesWhileTheWriterIsBusyAndSeesOnlyCommittedData() async throws {
        let type = try await makeType()
        let task = try await makeTask("a", typeID: type.id, priority: 1)
        let hold = try await holdWriter { db in
            try db.prepare("UPDATE tasks SET priority = 99 WHERE id = ?").run([task.id])
        }

        let duringWrite = try await stored(task.id)
        let listed = try await store.listTasks(TaskFilter(limit: 10)).tasks
        XCTAssertEqual(duringWrite.priority, 1)
        XCTAssertEqual(listed.map(\.priority), [1])
        try await hold.release()

        let afterCommit = try await stored(task.id)
        XCTAssertEqual(afterCommit.priority, 99)
    }

    func testAReadStartedAfterAWriteWasAnsweredSeesIt() async throws {
        let type = try await makeType()
        for index in 0..<100 {
            let created = try await makeTask("t\(index)", typeID: type.id)
            let read = try await store.task(id: created.id)
            XCTAssertEqual(read, created)
            let claimed = try await claim("w1", typeID: type.id)
            let readClaimed = try await stored(created.id)
            XCTAssertEqual(readClaimed, claimed)
        }
    }

    func testReadsOnTheWriteConnectionWhenNoReadConnectionsAreAsked() async throws {
        store.close()
        store = try SQLiteTaskStore(path: path, readConnections: 0)
        let type = try await makeType()
        let created = try await makeTask("a", typeID: type.id)
        try await store.ping()
        let read = try await store.task(id: created.id)
        XCTAssertEqual(read, created)
    }

    func testReadsAfterCloseFailAsUnavailable() async throws {
        let type = try await makeType()
        let created = try await makeTask("a", typeID: type.id)
        store.close()
        await assertThrows(TaskManagerError(.unavailable, "Database is closed")) { try await store.task(id: created.id) }
        await assertThrows(TaskManagerError(.unavailable, "Database is closed")) {
            try await store.createTask(GroupCommitTests.newTask("b", typeID: type.id))
        }
    }
}
