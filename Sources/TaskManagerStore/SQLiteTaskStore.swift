import Dispatch
import TaskManagerCore

/// The `TaskStore` kept in one SQLite file.
///
/// Every call runs on a private serial queue, one transaction per call (`BEGIN IMMEDIATE` for writes), so calls
/// from any number of tasks are serialised; other processes opening the same file are kept consistent by
/// SQLite's locks (WAL mode, 5 s busy timeout).
// @unchecked: the only mutable state, `connection`, is touched only on `queue`.
public final class SQLiteTaskStore: TaskStore, @unchecked Sendable {
    /// Whether history rows are written; when false, no new rows are written (rows written before are kept).
    public let recordHistory: Bool

    private let queue = DispatchQueue(label: "TaskManagerStore.SQLiteTaskStore")
    /// nil once closed.
    private var connection: SQLiteConnection?

    /// Opens (creating if needed) the database file at `path` and brings its schema up to date.
    ///
    /// - Parameters:
    ///   - path: the database file; its directory must exist.
    ///   - recordHistory: whether to write the task history.
    ///   - synchronous: how often SQLite syncs to disk; `.full` survives power loss.
    /// - Throws: `TaskManagerError` (`UNAVAILABLE` when the file is locked, `INTERNAL` otherwise,
    ///   `FAILED_PRECONDITION` when the file has a newer schema).
    public init(path: String, recordHistory: Bool = true, synchronous: Synchronous = .full) throws {
        self.recordHistory = recordHistory
        self.connection = try Self.mapErrors {
            let connection = try SQLiteConnection(path: path, synchronous: synchronous)
            try Migrations.apply(to: connection)
            return connection
        }
    }

    /// Closes the database after the calls already queued; later calls throw `UNAVAILABLE`. Safe to call twice.
    public func close() {
        queue.sync { connection = nil }
    }

    public func ping() async throws {
        try await read { db in
            _ = try db.prepare("SELECT 1").firstRow { $0.int64(at: 0) }
        }
    }

    // MARK: - Running on the queue

    /// Runs `body` on the queue inside one `BEGIN IMMEDIATE` transaction.
    func write<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        try await onQueue { db in try db.inTransaction(.immediate) { try body(db) } }
    }

    /// Runs `body` on the queue inside one read transaction, so all its reads see one snapshot.
    func read<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        try await onQueue { db in try db.inTransaction(.deferred) { try body(db) } }
    }

    /// Runs `body` on the queue with the open connection, outside any transaction; for tests.
    func withConnection<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        try await onQueue(body)
    }

    private func onQueue<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result {
                    guard let connection = self.connection else { throw Self.closed }
                    return try Self.mapErrors { try body(connection) }
                })
            }
        }
    }

    private static let closed = TaskManagerError(.unavailable, "Database is closed")

    /// A row written in this transaction could not be read back: should never happen.
    static let vanished = TaskManagerError(.internal, "Storage error (row not found after write)")

    /// Runs `body`, turning storage errors into `TaskManagerError` without SQL or user data.
    private static func mapErrors<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as TaskManagerError {
            throw error
        } catch let error as SQLiteError {
            throw error.taskManagerError
        } catch {
            throw TaskManagerError(.internal, "Storage error")
        }
    }
}
