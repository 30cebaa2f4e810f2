import Foundation
import TaskManagerCore
import XCTest

@testable import TaskManagerStore

/// A test case with a fresh SQLite store in its own temporary directory, removed after each test.
class StoreTestCase: XCTestCase {
    var directory: URL!
    var store: SQLiteTaskStore!

    /// The database file of `store`.
    var path: String { directory.appendingPathComponent("tasks.sqlite").path }

    override func setUp() async throws {
        try await super.setUp()
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("TaskManagerStoreTests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        store = try SQLiteTaskStore(path: path)
    }

    override func tearDown() async throws {
        store?.close()
        store = nil
        if let directory {
            try FileManager.default.removeItem(at: directory)
        }
        try await super.tearDown()
    }

    /// Registers a type named `name`.
    @discardableResult
    func makeType(_ name: String = "test.type", nowMs: Int64 = 1_000) async throws -> TaskType {
        try await store.registerTaskType(name: name, version: "1.0.0", paramSchemaJSON: "{}", nowMs: nowMs).taskType
    }

    /// Creates a pending task whose dedupe key is `key`.
    @discardableResult
    func makeTask(_ key: String, typeID: Int64, priority: Int32 = 0, maxAttempts: Int32 = 3, nowMs: Int64 = 1_000)
        async throws -> Task
    {
        let new = NewTask(typeID: typeID, paramsJSON: #"{"key":"\#(key)"}"#, priority: priority, dedupeKey: key,
                          maxAttempts: maxAttempts, nowMs: nowMs)
        return try await store.createTask(new).task
    }

    /// Claims one task; with the default `staleBeforeMs` no claim is ever stale.
    func claim(_ worker: String = "w1", typeID: Int64?, pattern: String? = nil, order: ClaimOrder = .priorityThenAge,
               nowMs: Int64 = 2_000, staleBeforeMs: Int64 = 0) async throws -> Task?
    {
        try await store.claimTask(ClaimQuery(workerID: worker, taskTypeID: typeID, typePattern: pattern, order: order,
                                             nowMs: nowMs, staleBeforeMs: staleBeforeMs))
    }

    /// Runs raw SQL on the store's connection, for setting up states the API cannot reach directly.
    func sql(_ text: String) async throws {
        try await store.withConnection { db in try db.execute(text) }
    }

    /// The (status change, worker, message) triples of a task's history.
    func historyLines(_ taskID: Int64) async throws -> [[String]] {
        let entries = try await store.history(taskID: taskID)
        return try XCTUnwrap(entries).map { [$0.statusChange, $0.workerID, $0.message] }
    }

    /// Asserts that `body` throws exactly `expected`.
    func assertThrows<T>(_ expected: TaskManagerError, file: StaticString = #filePath, line: UInt = #line,
                         _ body: () async throws -> T) async
    {
        do {
            _ = try await body()
            XCTFail("expected \(expected), nothing was thrown", file: file, line: line)
        } catch let error as TaskManagerError {
            XCTAssertEqual(error, expected, file: file, line: line)
        } catch {
            XCTFail("expected \(expected), got \(error)", file: file, line: line)
        }
    }
}
