import Foundation
import TaskManagerCore
import XCTest

@testable import TaskManagerStore

/// A test case with a fresh SQLite store in its own temporary directory, removed after each test.
class StoreTestCase: XCTestCase, StoreTesting {
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

    /// The lease claims and renewals grant when the type sets none.
    static let defaultLeaseMs = defaultTestLeaseMs

    var anyStore: any TaskStore { store }

    /// Runs raw SQL on the store's connection, for setting up states the API cannot reach directly. The store's
    /// memory of live tasks does not see such changes: `reopen()` after them.
    func sql(_ text: String) async throws {
        try await store.withConnection { db in try db.execute(text) }
    }

    /// Closes the store and opens a new one on the same file, which reads its memory from the rows.
    func reopen(recordHistory: Bool = true) throws {
        store.close()
        store = try SQLiteTaskStore(path: path, recordHistory: recordHistory)
    }
}

/// The lease claims and renewals grant in the store tests when the type sets none.
let defaultTestLeaseMs: Int64 = 60_000

/// The helpers of the store tests, on any store (`anyStore`): SQLite-only suites (`StoreTestCase`) and suites run
/// against every store (`StoreBehaviourTestCase`) share them.
protocol StoreTesting: XCTestCase {
    var anyStore: any TaskStore { get }
}

extension StoreTesting {
    /// Registers a type named `name`.
    @discardableResult
    func makeType(_ name: String = "test.type", settings: TaskTypeSettings = TaskTypeSettings(), nowMs: Int64 = 1_000)
        async throws -> TaskType
    {
        try await anyStore.registerTaskType(name: name, version: "1.0.0", paramSchemaJSON: "{}", settings: settings,
                                         nowMs: nowMs).taskType
    }

    /// Creates a pending task whose dedupe key is `key`.
    @discardableResult
    func makeTask(
        _ key: String, typeID: Int64, priority: Int32 = 0, maxAttempts: Int32 = 3, nowMs: Int64 = 1_000,
        runAtMs: Int64 = 0, retryBackoff: RetryBackoff = RetryBackoff(baseMs: 0, capMs: 0)
    ) async throws -> Task {
        let new = NewTask(typeID: typeID, paramsJSON: #"{"key":"\#(key)"}"#, priority: priority, dedupeKey: key,
                          maxAttempts: maxAttempts, nowMs: nowMs, runAtMs: runAtMs, retryBackoff: retryBackoff)
        return try await anyStore.createTask(new).task
    }

    /// Claims one task, granting `leaseMs` when the type sets no lease; with the defaults no lease ends in a test.
    func claim(_ worker: String = "w1", typeID: Int64?, pattern: String? = nil, order: ClaimOrder = .priorityThenAge,
               nowMs: Int64 = 2_000, leaseMs: Int64 = defaultTestLeaseMs) async throws -> Task?
    {
        try await anyStore.claimTask(ClaimQuery(workerID: worker, taskTypeID: typeID, typePattern: pattern, order: order,
                                             nowMs: nowMs, defaultLeaseMs: leaseMs))
    }

    /// The claim check of `worker` on task `id`; attempt 0 = unchecked.
    func check(_ id: Int64, _ worker: String = "w1", attempt: Int32 = 0, nowMs: Int64, leaseMs: Int64 = defaultTestLeaseMs)
        -> ClaimCheck
    {
        ClaimCheck(id: id, workerID: worker, attempt: attempt, nowMs: nowMs, defaultLeaseMs: leaseMs)
    }

    /// Reports progress on task `id` as `worker`.
    @discardableResult
    func progress(_ id: Int64, _ value: Int32, worker: String = "w1", message: String = "", attempt: Int32 = 0,
                  nowMs: Int64, leaseMs: Int64 = defaultTestLeaseMs) async throws -> Task
    {
        try await anyStore.updateProgress(check(id, worker, attempt: attempt, nowMs: nowMs, leaseMs: leaseMs),
                                       progress: value, message: message)
    }

    /// Completes task `id` as `worker`.
    @discardableResult
    func complete(_ id: Int64, _ worker: String = "w1", result: String = "{}", attempt: Int32 = 0, nowMs: Int64)
        async throws -> Task
    {
        try await anyStore.completeTask(check(id, worker, attempt: attempt, nowMs: nowMs), resultJSON: result)
    }

    /// Fails task `id` as `worker`.
    @discardableResult
    func fail(_ id: Int64, _ worker: String = "w1", error: String = "e", attempt: Int32 = 0, jitter: Double = 0,
              nowMs: Int64) async throws -> (task: Task, retried: Bool)
    {
        try await anyStore.failTask(check(id, worker, attempt: attempt, nowMs: nowMs), error: error, jitter: jitter)
    }

    /// The stored task `id`, which must exist.
    func stored(_ id: Int64, file: StaticString = #filePath, line: UInt = #line) async throws -> Task {
        let task = try await anyStore.task(id: id)
        return try XCTUnwrap(task, file: file, line: line)
    }

    /// The (status change, worker, message) triples of a task's history.
    func historyLines(_ taskID: Int64) async throws -> [[String]] {
        let entries = try await anyStore.history(taskID: taskID)
        return try XCTUnwrap(entries).map { [$0.statusChange, $0.workerID, $0.message] }
    }

    /// Asserts that progress, heartbeat, complete and fail with `claim` each throw exactly `expected`.
    func assertEveryWorkerCallThrows(_ expected: TaskManagerError, _ claim: ClaimCheck, file: StaticString = #filePath,
                                     line: UInt = #line) async
    {
        await assertThrows(expected, file: file, line: line) {
            try await anyStore.updateProgress(claim, progress: 1, message: "")
        }
        await assertThrows(expected, file: file, line: line) { try await anyStore.heartbeat(claim) }
        await assertThrows(expected, file: file, line: line) { try await anyStore.completeTask(claim, resultJSON: "{}") }
        await assertThrows(expected, file: file, line: line) { try await anyStore.failTask(claim, error: "e", jitter: 0) }
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

    /// The `TaskManagerError` that `call` throws; fails when it returns or throws anything else.
    func errorOf<T>(file: StaticString = #filePath, line: UInt = #line, _ call: () async throws -> T) async throws
        -> TaskManagerError
    {
        do {
            _ = try await call()
        } catch let error as TaskManagerError {
            return error
        }
        XCTFail("expected a TaskManagerError, nothing was thrown", file: file, line: line)
        throw CancellationError()
    }

    /// Runs `workers` claimers at once, spread over `stores`, each claiming tasks of `typeID` until none is left;
    /// returns the ids of every claim.
    func claimAll(typeID: Int64, workers: Int, on stores: [any TaskStore]) async throws -> [Int64] {
        try await withThrowingTaskGroup(of: [Int64].self) { group in
            for worker in 0..<workers {
                let store = stores[worker % stores.count]
                group.addTask {
                    var mine: [Int64] = []
                    let query = ClaimQuery(workerID: "w\(worker)", taskTypeID: typeID, typePattern: nil,
                                           order: .priorityThenAge, nowMs: 2_000, defaultLeaseMs: 60_000)
                    while let task = try await store.claimTask(query) {
                        XCTAssertEqual(task.claimedBy, "w\(worker)")
                        mine.append(task.id)
                    }
                    return mine
                }
            }
            return try await group.reduce(into: [Int64]()) { $0 += $1 }
        }
    }
}
