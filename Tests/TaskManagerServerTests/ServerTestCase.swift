import Foundation
import Logging
import TaskManagerClient
import TaskManagerCore
import TaskManagerServer
import TaskManagerStore
import XCTest

/// Starts a real server on port 0 with a real SQLite file in a fresh directory, and the real client.
class ServerTestCase: XCTestCase {
    var directory: URL!
    var clock: ManualClock!
    var server: TaskManagerServer!
    var client: TaskManagerClient!
    private var extraClients: [TaskManagerClient] = []

    var databasePath: String { directory.appendingPathComponent("tasks.db").path }

    override func setUp() async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("tm-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        clock = ManualClock()
    }

    override func tearDown() async throws {
        for extra in extraClients { await extra.close() }
        extraClients = []
        await client?.close()
        await server?.shutdown()
        client = nil
        server = nil
        try? FileManager.default.removeItem(at: directory)
    }

    /// Starts the server (optionally adjusting its configuration or its store) and connects `client`.
    func startServer(
        _ configure: (inout ServerConfiguration) -> Void = { _ in },
        store makeStore: ((SQLiteTaskStore) -> any TaskStore)? = nil,
        logger customLogger: Logger? = nil, clientTLS: TLSOptions? = nil
    ) async throws {
        var configuration = ServerConfiguration()
        configuration.port = 0
        configuration.databasePath = databasePath
        configuration.shutdownGraceSeconds = 2
        // Retries wait exactly half their exponential backoff, so tests can move the clock past them.
        configuration.retryJitter = { 0 }
        configure(&configuration)
        var store: (any TaskStore)?
        if let makeStore {
            store = makeStore(try SQLiteTaskStore(path: databasePath, recordHistory: configuration.recordHistory))
        }
        var logger = customLogger ?? Logger(label: "test-server")
        if customLogger == nil { logger.logLevel = .warning }
        server = try await TaskManagerServer.start(configuration: configuration, store: store, clock: clock, logger: logger)
        client = try await connect(apiKey: configuration.apiKey, tls: clientTLS)
    }

    /// Another client on its own connection, closed in tearDown.
    func connect(apiKey: String? = nil, timeoutMs: UInt32 = 0, tls: TLSOptions? = nil) async throws -> TaskManagerClient {
        let extra = try await TaskManagerClient.connect(host: "127.0.0.1", port: server.port, apiKey: apiKey, timeoutMs: timeoutMs, tls: tls)
        extraClients.append(extra)
        return extra
    }

    /// Stops the server and starts a new one on the same database file.
    func restartServer(_ configure: @escaping (inout ServerConfiguration) -> Void = { _ in }) async throws {
        await client.close()
        await server.shutdown()
        try await startServer(configure)
    }

    @discardableResult
    func registerType(_ name: String = "example.echo", schema: String = #"{"type":"object"}"#) async throws -> TaskType {
        let response = try await client.registerTaskType(RegisterTaskTypeRequest(name: name, version: "1.0.0", paramSchemaJSON: schema))
        return try XCTUnwrap(response.taskType)
    }

    func createTask(_ type: String = "example.echo", params: String = "{}", priority: Int32 = 0) async throws -> Task {
        let response = try await client.createTask(CreateTaskRequest(type: type, paramsJSON: params, priority: priority))
        return try XCTUnwrap(response.task)
    }

    func claim(_ worker: String = "w1", pattern: String = "%", sortBy: String = "", sortOrder: String = "") async throws -> Task? {
        try await client.claimTask(ClaimTaskRequest(workerID: worker, typePattern: pattern, sortBy: sortBy, sortOrder: sortOrder))
    }

    /// Asserts that `body` throws a `TaskManagerError` with this code and message.
    func assertError<T>(
        _ code: StatusCode, _ message: String? = nil, file: StaticString = #filePath, line: UInt = #line,
        _ body: () async throws -> T
    ) async {
        do {
            _ = try await body()
            XCTFail("expected \(code)", file: file, line: line)
        } catch let error as TaskManagerError {
            XCTAssertEqual(error.code, code, "\(error)", file: file, line: line)
            if let message { XCTAssertEqual(error.message, message, file: file, line: line) }
        } catch {
            XCTFail("unexpected \(error)", file: file, line: line)
        }
    }
}
