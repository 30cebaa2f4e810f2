import Foundation
import TaskManagerCore
import XCTest

@testable import TaskManagerStore

/// One store owns its database file: it keeps the live tasks in memory, which a second writer would invalidate.
final class ExclusiveOwnershipTests: StoreTestCase {
    func testASecondStoreOnTheSameFileRefusesToOpenAndTheFirstKeepsWorking() async throws {
        let type = try await makeType()
        let task = try await makeTask("a", typeID: type.id)

        XCTAssertThrowsError(try SQLiteTaskStore(path: path)) { error in
            XCTAssertEqual(error as? TaskManagerError,
                           TaskManagerError(.failedPrecondition, "database \(path) is in use by another server"))
        }

        let claimed = try await claim("w1", typeID: type.id)
        XCTAssertEqual(claimed?.id, task.id)
        let done = try await complete(task.id, nowMs: 3_000)
        XCTAssertEqual(done.status, .completed)
    }

    func testTheFileCanBeOpenedAgainOnceTheOwnerIsClosed() async throws {
        let type = try await makeType()
        let task = try await makeTask("a", typeID: type.id)
        try reopen()
        let stored = try await stored(task.id)
        XCTAssertEqual(stored.status, .pending)
        XCTAssertEqual(stored.type, type.name)
    }

    func testReadOnlyConnectionsOfOthersStillReadTheFile() async throws {
        let type = try await makeType()
        let task = try await makeTask("a", typeID: type.id)
        // What `sqlite3 -readonly FILE` does: a read-only connection of its own.
        let reader = try SQLiteConnection(path: path, readOnly: true)
        let status = try reader.prepare("SELECT status FROM tasks WHERE id = ?").firstRow([task.id]) { $0.string(at: 0) }
        XCTAssertEqual(status, "pending")
    }
}
