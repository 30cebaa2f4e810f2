import Foundation
import PostgresNIO
import TaskManagerCore
import XCTest

@testable import TaskManagerPostgres
@testable import TaskManagerStore

/// The stores a behaviour suite runs against.
enum StoreKind {
    case sqlite
    /// The database of `TASKMANAGER_TEST_POSTGRES_URL` (`scripts/postgres-test-cluster` starts one), emptied before
    /// each test.
    case postgres
}

/// A test case whose tests run against one store kind, `storeKind`: a suite is written once against this class (as
/// SQLite), and a subclass that overrides `storeKind` runs every one of its tests again on PostgreSQL, so that the
/// two stores cannot drift. Tests about SQLite internals stay in `StoreTestCase`.
///
/// Without `TASKMANAGER_TEST_POSTGRES_URL` the PostgreSQL tests are skipped, unless `TASKMANAGER_REQUIRE_POSTGRES`
/// is set (as `make test` does), when they fail.
class StoreBehaviourTestCase: XCTestCase, StoreTesting {
    class var storeKind: StoreKind { .sqlite }

    /// The lease claims and renewals grant when the type sets none.
    static let defaultLeaseMs = defaultTestLeaseMs

    var store: (any TaskStore)!
    var anyStore: any TaskStore { store }
    private var directory: URL?

    override func setUp() async throws {
        try await super.setUp()
        switch Self.storeKind {
        case .sqlite:
            let directory = FileManager.default.temporaryDirectory
                .appendingPathComponent("TaskManagerStoreTests-\(UUID().uuidString)", isDirectory: true)
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            self.directory = directory
        case .postgres:
            let url = try Self.postgresURL()
            let store = try await PostgresTaskStore.open(url: url)
            _ = try await store.transaction { db in
                try await db.query("TRUNCATE task_types, tasks, task_history RESTART IDENTITY CASCADE", logger: store.logger)
            }
            store.close()
        }
        store = try await openStore(recordHistory: true)
    }

    override func tearDown() async throws {
        closeStore()
        store = nil
        if let directory {
            try FileManager.default.removeItem(at: directory)
        }
        try await super.tearDown()
    }

    /// The URL of the test database; skips (or fails, when it is required) without one.
    static func postgresURL() throws -> String {
        let environment = ProcessInfo.processInfo.environment
        if let url = environment["TASKMANAGER_TEST_POSTGRES_URL"], !url.isEmpty { return url }
        if environment["TASKMANAGER_REQUIRE_POSTGRES"] != nil {
            XCTFail("TASKMANAGER_TEST_POSTGRES_URL is not set, and TASKMANAGER_REQUIRE_POSTGRES requires it")
        }
        throw XCTSkip("PostgreSQL store tests skipped: TASKMANAGER_TEST_POSTGRES_URL is not set (run them with "
            + "scripts/postgres-test-cluster swift test ...)")
    }

    private func openStore(recordHistory: Bool) async throws -> any TaskStore {
        switch Self.storeKind {
        case .sqlite:
            return try SQLiteTaskStore(path: directory!.appendingPathComponent("tasks.sqlite").path, recordHistory: recordHistory)
        case .postgres:
            return try await PostgresTaskStore.open(url: try Self.postgresURL(), recordHistory: recordHistory)
        }
    }

    private func closeStore() {
        (store as? SQLiteTaskStore)?.close()
        (store as? PostgresTaskStore)?.close()
    }

    /// Runs raw SQL (valid in both dialects) on the store's database, for states the API cannot reach directly;
    /// `reopen()` after it, as SQLite's memory of live tasks does not see it.
    func sql(_ text: String) async throws {
        if let sqlite = store as? SQLiteTaskStore {
            try await sqlite.withConnection { db in try db.execute(text) }
        } else if let postgres = store as? PostgresTaskStore {
            _ = try await postgres.transaction { db in
                try await db.query(PostgresQuery(unsafeSQL: text), logger: postgres.logger)
            }
        }
    }

    /// The integer that the query `text` (valid in both dialects) returns first, if any.
    func scalar(_ text: String) async throws -> Int64? {
        if let sqlite = store as? SQLiteTaskStore {
            return try await sqlite.withConnection { db in try db.prepare(text).firstRow { $0.int64(at: 0) } }
        }
        let postgres = try XCTUnwrap(store as? PostgresTaskStore)
        return try await postgres.transaction { db in
            try await postgres.firstRow(db, PostgresQuery(unsafeSQL: text))?.decode(Int64?.self)
        }
    }

    /// Closes the store and opens a new one on the same database.
    func reopen(recordHistory: Bool = true) async throws {
        closeStore()
        store = try await openStore(recordHistory: recordHistory)
    }
}
