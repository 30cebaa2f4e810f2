import TaskManagerCore
import XCTest

class CreateTaskRPCTests: ServerBehaviourTestCase {
    static let schema = #"{"type":"object","properties":{"a":{"type":"number"},"b":{"type":"number"},"label":{"type":"string","maxLength":5}},"required":["a","b"]}"#

    override func setUp() async throws {
        try await super.setUp()
        try await startServer()
        try await registerType("example.math.add", schema: Self.schema)
    }

    func testCreateStoresAPendingTaskWithCanonicalParamsAndPriority() async throws {
        let response = try await client.createTask(CreateTaskRequest(type: "example.math.add", paramsJSON: #"{ "b": 27, "a": 15 }"#, priority: 7))
        let task = try XCTUnwrap(response.task)
        XCTAssertFalse(response.deduplicated)
        XCTAssertEqual(task.status, .pending)
        XCTAssertEqual(task.type, "example.math.add")
        XCTAssertEqual(task.paramsJSON, #"{"a":15,"b":27}"#)
        XCTAssertEqual(task.priority, 7)
        XCTAssertEqual(task.attempts, 0)
        XCTAssertEqual(task.maxAttempts, 3)
        XCTAssertEqual(task.createdAtMs, clock.nowMs())
        XCTAssertEqual(task.dedupeKey.count, 64)
    }

    func testDuplicateParamsInAnyKeyOrderReturnTheExistingTask() async throws {
        let first = try await createTask("example.math.add", params: #"{"a":1,"b":2}"#)
        let again = try await client.createTask(CreateTaskRequest(type: "example.math.add", paramsJSON: #"{"b":2,"a":1}"#))
        XCTAssertTrue(again.deduplicated)
        XCTAssertEqual(again.task?.id, first.id)
        let list = try await client.listTasks()
        XCTAssertEqual(list.total, 1)
    }

    func testDedupeKeyIsSHA256OfTypeNulAndCanonicalParams() async throws {
        let task = try await createTask("example.math.add", params: #"{"b":2,"a":1}"#)
        // printf 'example.math.add\0{"a":1,"b":2}' | sha256sum
        XCTAssertEqual(task.dedupeKey, "2772969502b04b51cdfb3ff3f92ba47d505ae438dc9f452caa1b9d75ffd31b5f")
    }

    func testClientDedupeKeyDeduplicatesDifferentParams() async throws {
        let first = try await client.createTask(CreateTaskRequest(type: "example.math.add", paramsJSON: #"{"a":1,"b":2}"#, dedupeKey: "order-17"))
        let second = try await client.createTask(CreateTaskRequest(type: "example.math.add", paramsJSON: #"{"a":5,"b":6}"#, dedupeKey: "order-17"))
        XCTAssertTrue(second.deduplicated)
        XCTAssertEqual(second.task?.id, first.task?.id)
        XCTAssertEqual(second.task?.dedupeKey, "order-17")
    }

    func testParamsFailingTheSchemaListEveryViolation() async throws {
        await assertError(.invalidArgument, "Parameter validation failed: Missing required property: .b, Type mismatch at a: expected number, got string") {
            try await self.client.createTask(CreateTaskRequest(type: "example.math.add", paramsJSON: #"{"a":"x"}"#))
        }
        let list = try await client.listTasks()
        XCTAssertEqual(list.total, 0)
    }

    func testIntegerSatisfiesNumber() async throws {
        _ = try await createTask("example.math.add", params: #"{"a":15,"b":27.5}"#)
    }

    func testParamsMustBeAJSONObject() async throws {
        for bad in ["[1,2]", "42", #""text""#] {
            await assertError(.invalidArgument, "Task parameters must be a JSON object") {
                try await self.client.createTask(CreateTaskRequest(type: "example.math.add", paramsJSON: bad))
            }
        }
        await assertError(.invalidArgument, "Invalid JSON in params_json") {
            try await self.client.createTask(CreateTaskRequest(type: "example.math.add", paramsJSON: "{a:1}"))
        }
    }

    func testEmptyParamsMeanAnEmptyObject() async throws {
        try await registerType("free")
        let task = try await createTask("free", params: "")
        XCTAssertEqual(task.paramsJSON, "{}")
    }

    func testUnknownAndInactiveTypesAreRefused() async throws {
        await assertError(.notFound, "Task type not found") { try await self.createTask("nope") }
        _ = try await client.setTaskTypeActive(name: "example.math.add", active: false)
        await assertError(.failedPrecondition, "Task type is not active") {
            try await self.createTask("example.math.add", params: #"{"a":1,"b":2}"#)
        }
        await assertError(.invalidArgument, "Missing required field: type") { try await self.createTask("") }
    }

    func testMaxAttemptsPerTaskOverridesTheDefault() async throws {
        let response = try await client.createTask(CreateTaskRequest(type: "example.math.add", paramsJSON: #"{"a":1,"b":2}"#, maxAttempts: 9))
        let task = try XCTUnwrap(response.task)
        XCTAssertEqual(task.maxAttempts, 9)
    }
}

final class SchemaValidationOffTests: ServerTestCase {
    func testNoSchemaValidationAcceptsAnyObject() async throws {
        try await startServer { $0.schemaValidation = false }
        try await registerType("strict", schema: #"{"type":"object","required":["x"]}"#)
        let task = try await createTask("strict", params: #"{"y":1}"#)
        XCTAssertEqual(task.status, .pending)
    }
}
