import TaskManagerCore
import XCTest

class ListTasksRPCTests: ServerBehaviourTestCase {
    override func setUp() async throws {
        try await super.setUp()
        try await startServer()
        try await registerType("example.echo")
        try await registerType("example.sleep")
        try await registerType("import.csv")
    }

    func testNewestFirstWithTotalAndPageSize() async throws {
        var ids: [Int64] = []
        for n in 0..<5 {
            ids.append(try await createTask(params: #"{"n":\#(n)}"#).id)
            clock.advance(seconds: 1)
        }
        let page = try await client.listTasks(ListTasksRequest(limit: 2, offset: 1))
        XCTAssertEqual(page.tasks.map(\.id), [ids[3], ids[2]])
        XCTAssertEqual(page.count, 2)
        XCTAssertEqual(page.total, 5)
        XCTAssertEqual(page.limit, 2)
        XCTAssertEqual(page.offset, 1)
    }

    func testFiltersByStatusTypeAndWorker() async throws {
        _ = try await createTask("example.echo", params: #"{"n":1}"#)
        let sleeping = try await createTask("example.sleep", params: #"{"n":2}"#)
        _ = try await createTask("import.csv", params: #"{"n":3}"#)
        _ = try await client.claimTask(ClaimTaskRequest(workerID: "w9", typePattern: "example.sleep"))

        let claimed = try await client.listTasks(ListTasksRequest(status: .claimed))
        XCTAssertEqual(claimed.tasks.map(\.id), [sleeping.id])
        let exact = try await client.listTasks(ListTasksRequest(type: "example.echo"))
        XCTAssertEqual(exact.total, 1)
        let pattern = try await client.listTasks(ListTasksRequest(type: "example.%"))
        XCTAssertEqual(pattern.total, 2)
        let byWorker = try await client.listTasks(ListTasksRequest(claimedBy: "w9"))
        XCTAssertEqual(byWorker.tasks.map(\.id), [sleeping.id])
        let none = try await client.listTasks(ListTasksRequest(status: .failed))
        XCTAssertEqual(none.total, 0)
    }

    func testLimitDefaultsTo50AndIsClampedTo1000() async throws {
        let defaulted = try await client.listTasks(ListTasksRequest(limit: 0))
        XCTAssertEqual(defaulted.limit, 50)
        let clamped = try await client.listTasks(ListTasksRequest(limit: 5000))
        XCTAssertEqual(clamped.limit, 1000)
    }

    func testNegativeLimitOrOffsetIsRefused() async throws {
        await assertError(.invalidArgument, "limit must not be negative") {
            try await self.client.listTasks(ListTasksRequest(limit: -1))
        }
        await assertError(.invalidArgument, "offset must not be negative") {
            try await self.client.listTasks(ListTasksRequest(offset: -1))
        }
    }
}
