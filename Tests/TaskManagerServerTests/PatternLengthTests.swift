import TaskManagerClient
import TaskManagerCore
import XCTest

/// Type patterns and type names are at most 1000 bytes (docs/protocol.md, "Limits"): longer ones are
/// INVALID_ARGUMENT naming the field, before the store is asked (SQLite refuses LIKE patterns over 50,000 bytes).
final class PatternLengthTests: ServerTestCase {
    /// Over SQLite's own LIKE limit: before the check this was INTERNAL "Storage error (SQLite code 1)".
    let hugePattern = "example.%" + String(repeating: "a", count: 60_000)
    /// One byte over the limit.
    let tooLong = "example.%" + String(repeating: "a", count: 992)
    /// Exactly at the limit.
    let longest = "example.%" + String(repeating: "a", count: 991)

    override func setUp() async throws {
        try await super.setUp()
        try await startServer()
        try await registerType()
        XCTAssertEqual(tooLong.utf8.count, 1001)
        XCTAssertEqual(longest.utf8.count, 1000)
    }

    func testClaimTaskRefusesATypePatternOverTheLimitAndClaimsNothing() async throws {
        let task = try await createTask()
        for pattern in [hugePattern, tooLong] {
            await assertError(.invalidArgument, "type_pattern must be at most 1000 bytes") { try await self.claim(pattern: pattern) }
        }
        let untouched = try await client.getTask(id: task.id)
        XCTAssertEqual(untouched.status, .pending)
        let none = try await claim(pattern: longest)
        XCTAssertNil(none, "a pattern at the limit is accepted")
    }

    func testClaimTasksRefusesATypePatternOverTheLimit() async throws {
        for pattern in [hugePattern, tooLong] {
            await assertError(.invalidArgument, "type_pattern must be at most 1000 bytes") {
                try await self.client.claimTasks(ClaimTaskRequest(workerID: "w1", typePattern: pattern), max: 5)
            }
        }
        let none = try await client.claimTasks(ClaimTaskRequest(workerID: "w1", typePattern: longest), max: 5)
        XCTAssertEqual(none.count, 0)
    }

    func testListTasksRefusesATypeFilterOverTheLimit() async throws {
        _ = try await createTask()
        for type in [hugePattern, tooLong] {
            await assertError(.invalidArgument, "type must be at most 1000 bytes") {
                try await self.client.listTasks(ListTasksRequest(type: type))
            }
        }
        let page = try await client.listTasks(ListTasksRequest(type: longest))
        XCTAssertEqual(page.total, 0)
    }

    func testWatchTasksRefusesATypeFilterOverTheLimit() async throws {
        for type in [hugePattern, tooLong] {
            let client = self.client!
            let watching = _Concurrency.Task { () -> TaskManagerError? in
                do {
                    for try await _ in client.watchTasks(type: type) {}
                } catch let error as TaskManagerError {
                    return error
                } catch {}
                return nil
            }
            // An accepted watch never ends by itself: stop waiting after a while.
            let stop = _Concurrency.Task {
                try await _Concurrency.Task.sleep(for: .seconds(10))
                watching.cancel()
            }
            let error = await watching.value
            stop.cancel()
            XCTAssertEqual(error, TaskManagerError(.invalidArgument, "type must be at most 1000 bytes"))
        }
    }

    func testRegisterTaskTypeRefusesANameOverTheLimit() async throws {
        let name = String(repeating: "n", count: 1001)
        await assertError(.invalidArgument, "name must be at most 1000 bytes") { try await self.registerType(name) }
        let types = try await client.listTaskTypes()
        XCTAssertFalse(types.contains { $0.name == name })
        try await registerType(String(repeating: "n", count: 1000))
    }
}
