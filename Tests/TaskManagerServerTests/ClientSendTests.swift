import Synchronization
import TaskManagerClient
import TaskManagerCore
import TaskManagerProtocol
import TaskManagerServer
import XCTest

/// `TaskManagerClient.send`: calls answered through a completion, with no task per call.
final class ClientSendTests: ServerTestCase {
    /// Sends `request` and waits for its completion.
    private func sent<Response: WireMessage>(
        _ method: String, _ request: some WireMessage, as: Response.Type
    ) async -> Result<Response, any Error> {
        await withCheckedContinuation { continuation in
            client.send(method, request, as: Response.self) { continuation.resume(returning: $0) }
        }
    }

    func testACompletionGetsTheResponseOrTheStatus() async throws {
        try await startServer()
        try await registerType()
        let created = try await createTask()
        let found = await sent("GetTask", GetTaskRequest(id: created.id), as: Task.self)
        XCTAssertEqual(try found.get().id, created.id)
        let missing = await sent("GetTask", GetTaskRequest(id: 987_654), as: Task.self)
        XCTAssertThrowsError(try missing.get()) { XCTAssertEqual(($0 as? TaskManagerError)?.code, .notFound) }
    }

    func testAThousandCallsInFlightAreEachCompletedOnce() async throws {
        try await startServer()
        try await registerType()
        let created = try await createTask()
        let completions = Mutex<[Int: Int]>([:])
        let client = self.client!
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            let left = Mutex(1_000)
            for index in 0..<1_000 {
                client.send("GetTask", GetTaskRequest(id: created.id), as: Task.self) { outcome in
                    completions.withLock { $0[index, default: 0] += (try? outcome.get().id) == created.id ? 1 : 100 }
                    if left.withLock({ $0 -= 1; return $0 }) == 0 { done.resume() }
                }
            }
        }
        XCTAssertEqual(completions.withLock { $0 }, Dictionary(uniqueKeysWithValues: (0..<1_000).map { ($0, 1) }))
    }

    func testALostConnectionFailsWithUnavailableAndTheNextSendReconnects() async throws {
        try await startServer()
        let port = server.port
        await server.shutdown()
        let lost = await sent("Health", HealthRequest(), as: HealthResponse.self)
        XCTAssertThrowsError(try lost.get()) { XCTAssertEqual(($0 as? TaskManagerError)?.code, .unavailable) }

        var configuration = ServerConfiguration()
        configuration.port = port
        configuration.databasePath = databasePath
        server = try await TaskManagerServer.start(configuration: configuration, clock: clock)
        let health = await sent("Health", HealthRequest(), as: HealthResponse.self)
        XCTAssertEqual(try health.get().status, "healthy")
    }
}
