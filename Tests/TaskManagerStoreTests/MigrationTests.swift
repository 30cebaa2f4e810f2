import TaskManagerCore
import XCTest

@testable import TaskManagerStore

final class MigrationTests: StoreTestCase {
    func testNewDatabaseHasCurrentUserVersion() async throws {
        let version = try await store.withConnection { db in try Migrations.userVersion(of: db) }
        XCTAssertEqual(version, Migrations.currentVersion)
    }

    func testReopeningKeepsTasksProgressAndHistory() async throws {
        let type = try await makeType()
        let created = try await makeTask("a", typeID: type.id)
        _ = try await claim("w1", typeID: type.id)
        _ = try await store.updateProgress(check(created.id, "w1", nowMs: 2_500), progress: 40, message: "half")
        let before = try await store.task(id: created.id)
        let historyBefore = try await store.history(taskID: created.id)
        store.close()

        store = try SQLiteTaskStore(path: path)
        let after = try await store.task(id: created.id)
        XCTAssertEqual(after, before)
        XCTAssertEqual(after?.progress, 40)
        XCTAssertEqual(after?.progressMessage, "half")
        let historyAfter = try await store.history(taskID: created.id)
        XCTAssertEqual(historyAfter, historyBefore)
        XCTAssertEqual(historyAfter?.count, 3)
        let version = try await store.withConnection { db in try Migrations.userVersion(of: db) }
        XCTAssertEqual(version, Migrations.currentVersion)
    }

    func testNewerSchemaVersionIsRefused() async throws {
        try await sql("PRAGMA user_version = 99")
        store.close()
        XCTAssertThrowsError(try SQLiteTaskStore(path: path)) { error in
            XCTAssertEqual((error as? TaskManagerError)?.code, .failedPrecondition)
        }
    }

    func testCallsAfterCloseFailAsUnavailableAndCloseIsIdempotent() async throws {
        store.close()
        store.close()
        await assertThrows(TaskManagerError(.unavailable, "Database is closed")) { try await store.ping() }
    }

    func testOpeningInMissingDirectoryThrowsInternalWithoutPath() {
        let missing = directory.appendingPathComponent("no/such/dir/db.sqlite").path
        XCTAssertThrowsError(try SQLiteTaskStore(path: missing)) { error in
            let error = error as? TaskManagerError
            XCTAssertEqual(error?.code, .internal)
            XCTAssertFalse(error?.message.contains("no/such") ?? true)
        }
    }
}
