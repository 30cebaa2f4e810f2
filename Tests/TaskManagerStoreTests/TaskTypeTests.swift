import TaskManagerCore
import XCTest

@testable import TaskManagerStore

class TaskTypeTests: StoreBehaviourTestCase {
    func testRegisterCreatesThenUpdatesByName() async throws {
        let first = try await store.registerTaskType(
            name: "img.resize", version: "1.0", paramSchemaJSON: "{}", settings: TaskTypeSettings(), nowMs: 1_000)
        XCTAssertTrue(first.created)
        XCTAssertEqual(first.taskType.version, "1.0")
        XCTAssertTrue(first.taskType.isActive)
        XCTAssertEqual(first.taskType.createdAtMs, 1_000)

        let second = try await store.registerTaskType(
            name: "img.resize", version: "2.0", paramSchemaJSON: #"{"type":"object"}"#, settings: TaskTypeSettings(),
            nowMs: 5_000)
        XCTAssertFalse(second.created)
        XCTAssertEqual(second.taskType.id, first.taskType.id)
        XCTAssertEqual(second.taskType.version, "2.0")
        XCTAssertEqual(second.taskType.paramSchemaJSON, #"{"type":"object"}"#)
        XCTAssertEqual(second.taskType.createdAtMs, 1_000)
        XCTAssertEqual(second.taskType.updatedAtMs, 5_000)
    }

    func testRegisterStoresSettingsAndAnUpdateReplacesThem() async throws {
        let settings = TaskTypeSettings(leaseSeconds: 30, maxAttempts: 5, stallAfterSeconds: 20, retryBackoffBaseMs: 500,
                                        retryBackoffCapMs: 8_000)
        let first = try await makeType("img.resize", settings: settings)
        XCTAssertEqual(first.settings, settings)

        let replaced = TaskTypeSettings(leaseSeconds: 10)
        let second = try await store.registerTaskType(
            name: "img.resize", version: "2.0", paramSchemaJSON: "{}", settings: replaced, nowMs: 2_000)
        XCTAssertEqual(second.taskType.settings, replaced)
        let listed = try await store.listTaskTypes(activeOnly: false)
        XCTAssertEqual(listed.map(\.settings), [replaced])
    }

    func testRegisterReactivatesAnInactiveType() async throws {
        try await makeType("img.resize")
        let inactive = try await store.setTaskTypeActive(name: "img.resize", active: false, nowMs: 2_000)
        XCTAssertEqual(inactive?.isActive, false)

        let again = try await store.registerTaskType(
            name: "img.resize", version: "1.1", paramSchemaJSON: "{}", settings: TaskTypeSettings(), nowMs: 3_000)
        XCTAssertFalse(again.created)
        XCTAssertTrue(again.taskType.isActive)
    }

    func testSetActiveOnUnknownTypeReturnsNil() async throws {
        let result = try await store.setTaskTypeActive(name: "nope", active: true, nowMs: 1)
        XCTAssertNil(result)
    }

    func testLookupByNameReturnsUsageCountOrNil() async throws {
        let type = try await makeType("a")
        try await makeTask("1", typeID: type.id)
        try await makeTask("2", typeID: type.id)
        let found = try await store.taskType(named: "a")
        XCTAssertEqual(found?.usageCount, 2)
        let missing = try await store.taskType(named: "b")
        XCTAssertNil(missing)
    }

    func testListOrdersByUsageThenNameAndFiltersActive() async throws {
        let b = try await makeType("b")
        try await makeType("a")
        let c = try await makeType("c")
        try await makeTask("c1", typeID: c.id)
        try await makeTask("c2", typeID: c.id)
        try await makeTask("b1", typeID: b.id)
        _ = try await store.setTaskTypeActive(name: "b", active: false, nowMs: 2_000)

        let all = try await store.listTaskTypes(activeOnly: false)
        XCTAssertEqual(all.map(\.name), ["c", "b", "a"])
        XCTAssertEqual(all.map(\.usageCount), [2, 1, 0])
        let active = try await store.listTaskTypes(activeOnly: true)
        XCTAssertEqual(active.map(\.name), ["c", "a"])
    }
}
