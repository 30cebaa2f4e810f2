@testable import TaskManagerStore
import TaskManagerCore
import XCTest

/// The statements of a task's life cycle are found by their slot, never by hashing their text.
final class StatementSlotTests: StoreTestCase {
    #if DEBUG
    func testALifecycleLooksUpNoStatementByItsText() async throws {
        let type = try await makeType()
        // Every statement prepared once first: the lookups below are the steady state.
        try await lifecycle("warm", typeID: type.id)
        let before = SQLiteConnection.textLookups.load(ordering: .relaxed)
        try await lifecycle("measured", typeID: type.id)
        XCTAssertEqual(SQLiteConnection.textLookups.load(ordering: .relaxed), before)

        // The counter counts: a listing builds its SQL per call.
        _ = try await store.listTasks(TaskFilter())
        XCTAssertGreaterThan(SQLiteConnection.textLookups.load(ordering: .relaxed), before)
    }

    private func lifecycle(_ key: String, typeID: Int64) async throws {
        let created = try await makeTask(key, typeID: typeID)
        let fetched = try await store.task(id: created.id)
        XCTAssertEqual(fetched?.id, created.id)
        let claimed = try await claim(typeID: typeID)
        XCTAssertEqual(claimed?.id, created.id)
        try await progress(created.id, 50, nowMs: 2_500)
        let done = try await store.completeTask(check(created.id, nowMs: 3_000), resultJSON: "{}")
        XCTAssertEqual(done.status, .completed)
    }
    #endif
}
