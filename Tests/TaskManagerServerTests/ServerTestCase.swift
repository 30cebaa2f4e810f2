import Foundation
import Logging
import PostgresNIO
import TaskManagerClient
import TaskManagerCore
@testable import TaskManagerPostgres
import TaskManagerServer
import TaskManagerStore
import XCTest

/// The store a server test runs on.
enum ServerStoreKind {
    case sqlite
    /// The emptied database of `TASKMANAGER_TEST_POSTGRES_URL` (`scripts/postgres-test-cluster` starts one).
    case postgres
}

/// Starts a real server on port 0 with a real SQLite file in a fresh directory, and the real client.
///
/// The behaviour suites (on `ServerBehaviourTestCase`) also run on PostgreSQL (`PostgresServerSuites.swift`,
/// written by `scripts/generate-store-suites`), from the same test code.
class ServerTestCase: XCTestCase {
    class var storeKind: ServerStoreKind { .sqlite }
    private var postgresStores: [PostgresTaskStore] = []

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
        if Self.storeKind == .postgres { try await emptyPostgresDatabase() }
    }

    /// Empties the test database, and waits until no earlier test's server holds the background jobs' lock.
    private func emptyPostgresDatabase() async throws {
        let store = try await PostgresTaskStore.open(url: try Self.postgresURL())
        defer { store.close() }
        _ = try await store.transaction { db in
            try await db.query("TRUNCATE task_types, tasks, task_history RESTART IDENTITY CASCADE", logger: store.logger)
        }
        let started = ContinuousClock.now
        while ContinuousClock.now - started < .seconds(10) {
            let held = try await store.transaction { db in
                try await db.query("SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory'", logger: store.logger)
                    .collect().first?.decode(Int64.self) ?? 0
            }
            if held == 0 { return }
            try await _Concurrency.Task.sleep(for: .milliseconds(20))
        }
    }

    /// The URL of the test database; skips (or fails, when it is required) without one.
    static func postgresURL() throws -> String {
        let environment = ProcessInfo.processInfo.environment
        if let url = environment["TASKMANAGER_TEST_POSTGRES_URL"], !url.isEmpty { return url }
        if environment["TASKMANAGER_REQUIRE_POSTGRES"] != nil {
            XCTFail("TASKMANAGER_TEST_POSTGRES_URL is not set, and TASKMANAGER_REQUIRE_POSTGRES requires it")
        }
        throw XCTSkip("PostgreSQL server tests skipped: TASKMANAGER_TEST_POSTGRES_URL is not set (run them with "
            + "scripts/postgres-test-cluster swift test ...)")
    }

    /// Skips a test about the SQLite store's own behaviour when the suite runs on PostgreSQL.
    func onlyOnSQLite(_ why: String) throws {
        if Self.storeKind == .postgres { throw XCTSkip("SQLite only: \(why)") }
    }

    override func tearDown() async throws {
        for extra in extraClients { await extra.close() }
        extraClients = []
        await client?.close()
        await server?.shutdown()
        client = nil
        server = nil
        postgresStores.forEach { $0.close() }
        postgresStores = []
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
            try onlyOnSQLite("the test wraps the SQLite store")
            store = makeStore(try SQLiteTaskStore(path: databasePath, recordHistory: configuration.recordHistory))
        } else if Self.storeKind == .postgres {
            postgresStores.forEach { $0.close() }
            let postgres = try await PostgresTaskStore.open(url: try Self.postgresURL(), recordHistory: configuration.recordHistory)
            postgresStores = [postgres]
            store = postgres
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

    /// Stops the server and starts a new one on the same database (file).
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

/// A suite about the server's behaviour whatever its store: it runs on SQLite, and again on PostgreSQL.
class ServerBehaviourTestCase: ServerTestCase {}
