import TaskManagerClient
import TaskManagerCore
import TaskManagerServer
import XCTest

/// The Swift client opens a new connection after it lost one, as the Python, PHP and C clients do.
final class ClientReconnectTests: ServerTestCase {
    func testTheClientReconnectsAfterTheServerRestarts() async throws {
        try await startServer()
        try await registerType()
        let created = try await createTask()
        let port = server.port
        await server.shutdown()

        // While the server is down every call fails with UNAVAILABLE, and the client stays usable.
        await assertError(.unavailable) { try await self.client.health() }
        await assertError(.unavailable) { try await self.client.getTask(id: created.id) }

        var configuration = ServerConfiguration()
        configuration.port = port
        configuration.databasePath = databasePath
        server = try await TaskManagerServer.start(configuration: configuration, clock: clock)
        let health = try await client.health()
        XCTAssertEqual(health.status, "healthy")
        let fetched = try await client.getTask(id: created.id)
        XCTAssertEqual(fetched.id, created.id)
    }

    func testConcurrentCallsAfterALostConnectionAllSucceed() async throws {
        try await startServer()
        let port = server.port
        await server.shutdown()
        var configuration = ServerConfiguration()
        configuration.port = port
        configuration.databasePath = databasePath
        server = try await TaskManagerServer.start(configuration: configuration, clock: clock)
        let client = self.client!
        let answers = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<50 { group.addTask { try await client.health().status } }
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }
        XCTAssertEqual(answers, Array(repeating: "healthy", count: 50))
    }

    func testAClosedClientDoesNotReconnect() async throws {
        try await startServer()
        await client.close()
        await assertError(.unavailable, "Client is closed") { try await self.client.health() }
    }
}

/// A long-poll claim may wait longer than the client's own deadline: the deadline grows by the wait.
final class LongPollDeadlineTests: ServerTestCase {
    func testALongPollClaimOutlastsTheClientTimeoutAndGetsTheNewTask() async throws {
        try await startServer()
        try await registerType()
        let short = try await connect(timeoutMs: 300)
        async let claimed = short.claimTask(ClaimTaskRequest(workerID: "w1", typePattern: "%", waitMs: 1_500))
        try await _Concurrency.Task.sleep(for: .milliseconds(600))
        let created = try await createTask()
        let task = try await claimed
        XCTAssertEqual(task?.id, created.id)
    }
}
