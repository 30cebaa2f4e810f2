import TaskManagerCore
import XCTest

@testable import TaskManagerServer

/// CreateTask parses a type's schema once; a type registered again with another schema is checked against it.
final class SchemaCacheTests: ServerTestCase {
    override func setUp() async throws {
        try await super.setUp()
        try await startServer()
    }

    func testASchemaReplacedByRegisteringAgainIsTheOneChecked() async throws {
        _ = try await client.registerTaskType(
            RegisterTaskTypeRequest(name: "mail", version: "1", paramSchemaJSON: #"{"type":"object","required":["to"]}"#))
        _ = try await client.createTask(CreateTaskRequest(type: "mail", paramsJSON: #"{"to":"a"}"#))
        _ = try await client.registerTaskType(
            RegisterTaskTypeRequest(name: "mail", version: "2", paramSchemaJSON: #"{"type":"object","required":["subject"]}"#))
        await assertError(.invalidArgument, "Parameter validation failed: Missing required property: .subject") {
            _ = try await self.client.createTask(CreateTaskRequest(type: "mail", paramsJSON: #"{"to":"b"}"#))
        }
        let created = try await client.createTask(CreateTaskRequest(type: "mail", paramsJSON: #"{"subject":"s"}"#))
        XCTAssertNotNil(created.task)
    }

    /// "é" precomposed and decomposed: equal as Swift strings, different bytes and different regular expressions.
    func testTwoSchemasThatDifferOnlyInNormalizationAreEachChecked() async throws {
        let composed = "\u{E9}"
        let decomposed = "e\u{301}"
        func schema(_ letter: String) -> String {
            #"{"type":"object","properties":{"x":{"type":"string","pattern":"^"# + letter + #"$"}}}"#
        }
        func params(_ letter: String) -> String { #"{"x":""# + letter + #""}"# }
        _ = try await client.registerTaskType(RegisterTaskTypeRequest(name: "composed", version: "1", paramSchemaJSON: schema(composed)))
        _ = try await client.registerTaskType(
            RegisterTaskTypeRequest(name: "decomposed", version: "1", paramSchemaJSON: schema(decomposed)))
        _ = try await client.createTask(CreateTaskRequest(type: "composed", paramsJSON: params(composed)))
        let created = try await client.createTask(CreateTaskRequest(type: "decomposed", paramsJSON: params(decomposed)))
        XCTAssertNotNil(created.task)
        await assertError(.invalidArgument, "Parameter validation failed: String does not match pattern at x") {
            _ = try await self.client.createTask(CreateTaskRequest(type: "decomposed", paramsJSON: params(composed)))
        }
    }

    func testTheCacheParsesEachSchemaTextOnceAndStaysBounded() {
        let cache = SchemaCache()
        let first = cache.schema(#"{"type":"object"}"#)
        XCTAssertNotNil(first)
        XCTAssertEqual(cache.schema(#"{"type":"object"}"#), first)
        XCTAssertEqual(cache.count, 1)
        XCTAssertNil(cache.schema("not json"))
        for index in 0..<(SchemaCache.capacity + 10) {
            _ = cache.schema(#"{"type":"object","title":"t\#(index)"}"#)
        }
        XCTAssertLessThanOrEqual(cache.count, SchemaCache.capacity)
    }
}
