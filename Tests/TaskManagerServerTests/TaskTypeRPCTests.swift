import TaskManagerCore
import XCTest

class TaskTypeRPCTests: ServerBehaviourTestCase {
    override func setUp() async throws {
        try await super.setUp()
        try await startServer()
    }

    func testHealthReportsHealthyConnectedVersionAndTime() async throws {
        let health = try await client.health()
        XCTAssertEqual(health.status, "healthy")
        XCTAssertEqual(health.database, "connected")
        XCTAssertFalse(health.version.isEmpty)
        XCTAssertEqual(health.timeMs, clock.nowMs())
    }

    func testRegisterIsAnUpsertThatReplacesVersionAndSchemaAndReactivates() async throws {
        let first = try await client.registerTaskType(RegisterTaskTypeRequest(name: "import", version: "1.0", paramSchemaJSON: #"{"type":"object"}"#))
        XCTAssertTrue(first.created)
        _ = try await client.setTaskTypeActive(name: "import", active: false)
        let second = try await client.registerTaskType(
            RegisterTaskTypeRequest(name: "import", version: "2.0", paramSchemaJSON: #"{ "type" : "object", "required": ["file"] }"#))
        XCTAssertFalse(second.created)
        XCTAssertEqual(second.taskType?.id, first.taskType?.id)
        let stored = try await client.getTaskType(name: "import")
        XCTAssertEqual(stored.version, "2.0")
        XCTAssertEqual(stored.paramSchemaJSON, #"{"required":["file"],"type":"object"}"#)
        XCTAssertTrue(stored.isActive)
    }

    func testRegisterRejectsBadSchemasAndMissingFields() async throws {
        await assertError(.invalidArgument, "Invalid JSON schema format") {
            try await self.client.registerTaskType(RegisterTaskTypeRequest(name: "a", version: "1", paramSchemaJSON: "{nope"))
        }
        await assertError(.invalidArgument, #"JSON schema must have a "type" property"#) {
            try await self.client.registerTaskType(RegisterTaskTypeRequest(name: "a", version: "1", paramSchemaJSON: #"{"properties":{}}"#))
        }
        await assertError(.invalidArgument, "Missing required field: name") {
            try await self.client.registerTaskType(RegisterTaskTypeRequest(name: "  ", version: "1", paramSchemaJSON: #"{"type":"object"}"#))
        }
        await assertError(.invalidArgument, "Missing required field: version") {
            try await self.client.registerTaskType(RegisterTaskTypeRequest(name: "a", version: "", paramSchemaJSON: #"{"type":"object"}"#))
        }
        let types = try await client.listTaskTypes()
        XCTAssertTrue(types.isEmpty, "a refused registration must change nothing")
    }

    func testGetUnknownTypeIsNotFound() async throws {
        await assertError(.notFound, "Task type not found") { try await self.client.getTaskType(name: "missing") }
        await assertError(.notFound, "Task type not found") { try await self.client.setTaskTypeActive(name: "missing", active: true) }
    }

    func testListTypesCountsUsageAndFiltersActive() async throws {
        try await registerType("a")
        try await registerType("b")
        _ = try await createTask("b", params: #"{"n":1}"#)
        _ = try await createTask("b", params: #"{"n":2}"#)
        _ = try await client.setTaskTypeActive(name: "a", active: false)
        let all = try await client.listTaskTypes()
        XCTAssertEqual(all.map(\.name), ["b", "a"])
        XCTAssertEqual(all.map(\.usageCount), [2, 0])
        let active = try await client.listTaskTypes(activeOnly: true)
        XCTAssertEqual(active.map(\.name), ["b"])
    }
}
