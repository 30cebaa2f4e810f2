import TaskManagerCore
import XCTest

/// CreateTasks and ClaimTasks: the single forms' rules, many at a time.
class BatchRPCTests: ServerBehaviourTestCase {
    override func setUp() async throws {
        try await super.setUp()
        try await startServer()
        try await registerType("example.echo", schema: #"{"type":"object","required":["message"]}"#)
    }

    func testCreateTasksGivesEachItemItsOwnOutcomeInOrder() async throws {
        let results = try await client.createTasks([
            CreateTaskRequest(type: "example.echo", paramsJSON: #"{"message":"a"}"#, priority: 3),
            CreateTaskRequest(type: "example.echo", paramsJSON: #"{"nope":1}"#),
            CreateTaskRequest(type: "missing.type", paramsJSON: "{}"),
            CreateTaskRequest(type: "example.echo", paramsJSON: #"{"message":"a"}"#),
            CreateTaskRequest(type: "example.echo", paramsJSON: #"{"message":"b"}"#),
        ])
        XCTAssertEqual(results.map(\.code), [.ok, .invalidArgument, .notFound, .ok, .ok])
        XCTAssertEqual(results[1].message, "Parameter validation failed: Missing required property: .message")
        XCTAssertEqual(results[2].message, "Task type not found")
        XCTAssertEqual(results[0].task?.priority, 3)
        XCTAssertTrue(results[3].deduplicated)
        XCTAssertEqual(results[3].task?.id, results[0].task?.id)
        let list = try await client.listTasks()
        XCTAssertEqual(list.total, 2, "the failed items created nothing")
    }

    func testCreateTasksRefusesAnEmptyOrOversizedBatch() async throws {
        await assertError(.invalidArgument, "tasks must hold 1 to 1000 items") { try await self.client.createTasks([]) }
        let tooMany = (0...1000).map { CreateTaskRequest(type: "example.echo", paramsJSON: #"{"message":"\#($0)"}"#) }
        await assertError(.invalidArgument, "tasks must hold 1 to 1000 items") { try await self.client.createTasks(tooMany) }
    }

    func testClaimTasksClaimsUpToMaxInClaimOrder() async throws {
        var ids: [Int64] = []
        for n in 0..<5 { ids.append(try await createTask(params: #"{"message":"\#(n)"}"#, priority: Int32(n)).id) }
        let first = try await client.claimTasks(ClaimTaskRequest(workerID: "w1", typePattern: "%"), max: 3)
        XCTAssertEqual(first.map(\.id), [ids[4], ids[3], ids[2]])
        XCTAssertEqual(Set(first.map(\.claimedBy)), ["w1"])
        let rest = try await client.claimTasks(ClaimTaskRequest(workerID: "w2", typePattern: "%"), max: 10)
        XCTAssertEqual(rest.map(\.id), [ids[1], ids[0]])
        let none = try await client.claimTasks(ClaimTaskRequest(workerID: "w2", typePattern: "%"), max: 10)
        XCTAssertEqual(none, [])
    }

    func testClaimTasksChecksItsArguments() async throws {
        await assertError(.invalidArgument, "max must be between 1 and 100") {
            try await self.client.claimTasks(ClaimTaskRequest(workerID: "w1", typePattern: "%"), max: 0)
        }
        await assertError(.invalidArgument, "Worker ID is required") {
            try await self.client.claimTasks(ClaimTaskRequest(workerID: "", typePattern: "%"), max: 2)
        }
    }
}
