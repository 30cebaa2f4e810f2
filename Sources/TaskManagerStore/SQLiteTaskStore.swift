import Dispatch
import TaskManagerCore

/// The `TaskStore` kept in one SQLite file.
///
/// Writes go through one `GroupCommitWriter`: the write calls waiting at the same time run, in arrival order and
/// each in its own savepoint, inside one `BEGIN IMMEDIATE` transaction that commits once before any of them is
/// answered (with `.full`, once `WALSync` has synced the commit). Reads run in parallel on a small pool of
/// read-only connections (`SQLiteReaderPool`; one-statement lookups on the caller's thread when one is free),
/// each in one deferred transaction (one WAL snapshot); a read that starts after a write was answered sees it.
/// `WALCheckpointer` copies the WAL into the database beside the writer. Other processes opening the same file
/// are kept consistent by SQLite's locks (WAL mode, 5 s busy timeout).
public final class SQLiteTaskStore: TaskStore, Sendable {
    /// Whether history rows are written; when false, no new rows are written (rows written before are kept).
    public let recordHistory: Bool

    /// The one write connection; internal for tests (`commitCount`, `pendingCount`, `setEventHook`).
    let writer: GroupCommitWriter
    private let readers: SQLiteReaderPool
    /// nil for an in-memory database.
    let checkpointer: WALCheckpointer?

    /// The read connections opened when the caller does not say.
    public static let defaultReadConnections = 4

    /// Opens (creating if needed) the database file at `path` and brings its schema up to date.
    ///
    /// - Parameters:
    ///   - path: the database file; its directory must exist.
    ///   - recordHistory: whether to write the task history.
    ///   - synchronous: how often SQLite syncs to disk; `.full` survives power loss.
    ///   - readConnections: read-only connections for parallel reads; 0 (or an in-memory `path`) runs reads on
    ///     the write connection, between batches.
    /// - Throws: `TaskManagerError` (`UNAVAILABLE` when the file is locked, `INTERNAL` otherwise,
    ///   `FAILED_PRECONDITION` when the file has a newer schema).
    public convenience init(path: String, recordHistory: Bool = true, synchronous: Synchronous = .full,
                            readConnections: Int = defaultReadConnections) throws
    {
        try self.init(path: path, recordHistory: recordHistory, synchronous: synchronous,
                      readConnections: readConnections, checkpointLimits: WALCheckpointer.Limits())
    }

    /// `init(path:recordHistory:synchronous:readConnections:)` with the WAL sizes that start checkpoints and the
    /// function that syncs the WAL (`fdatasync` when nil); for tests.
    init(path: String, recordHistory: Bool, synchronous: Synchronous, readConnections: Int,
         checkpointLimits: WALCheckpointer.Limits, syncFile: (@Sendable (Int32) -> Int32)? = nil) throws
    {
        self.recordHistory = recordHistory
        // Migrated before any reader opens, so readers never see an older schema.
        // FULL is kept by syncing the WAL after each commit on another queue (`WALSync`), not inside the commit.
        let syncsItself = synchronous == .full && !Self.isInMemory(path)
        let connection = try Self.mapErrors {
            let connection = try SQLiteConnection(path: path, synchronous: syncsItself ? .normal : synchronous)
            try Migrations.apply(to: connection)
            return connection
        }
        if Self.isInMemory(path) {
            checkpointer = nil
        } else {
            let checkpointer = try Self.mapErrors { try WALCheckpointer(path: path, limits: checkpointLimits) }
            checkpointer.attach(to: connection)
            self.checkpointer = checkpointer
        }
        writer = GroupCommitWriter(connection: connection, syncingWAL: syncsItself ? path + "-wal" : nil, syncFile: syncFile)
        let count = Self.isInMemory(path) ? 0 : max(0, readConnections)
        readers = try Self.mapErrors { try SQLiteReaderPool(path: path, count: count) }
    }

    /// Closes the database after the calls already queued; later calls throw `UNAVAILABLE`. Safe to call twice.
    public func close() {
        writer.close()
        readers.close()
        checkpointer?.close()
    }

    public func ping() async throws {
        try await lookup { db in
            _ = try db.prepare("SELECT 1").firstRow { $0.int64(at: 0) }
        }
    }

    // MARK: - Running calls

    /// Runs `body` as one job of the writer's next batch: in its own savepoint of one `BEGIN IMMEDIATE`
    /// transaction, answered after that transaction commits.
    func write<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        let result = try await writer.submit { db in try body(db) }
        // The job returns exactly what `body` returned.
        return result as! T
    }

    /// Runs `body` inside one read transaction, so all its reads see one snapshot.
    func read<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        if readers.isEmpty {
            return try await writer.perform { db in try db.inTransaction(.deferred) { try body(db) } }
        }
        return try await readers.read(body)
    }

    /// Runs the short read `body`, one statement (a lookup by key), on the caller's thread when a read connection
    /// is free: no thread switch. Longer reads use `read`, which never blocks the caller.
    func lookup<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        if readers.isEmpty {
            return try await writer.perform { db in try db.inTransaction(.deferred) { try body(db) } }
        }
        return try await readers.lookup(body)
    }

    /// Runs `body` on the write connection, between batches and outside any transaction; for tests.
    func withConnection<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        try await writer.perform(body)
    }

    /// Whether `path` names a private in-memory database, which other connections cannot share.
    private static func isInMemory(_ path: String) -> Bool {
        path.isEmpty || path == ":memory:" || path.hasPrefix("file::memory:") || path.contains("mode=memory")
    }

    // MARK: - Errors

    static let closed = TaskManagerError(.unavailable, "Database is closed")

    /// A row written in this transaction could not be read back: should never happen.
    static let vanished = TaskManagerError(.internal, "Storage error (row not found after write)")

    /// Runs `body`, turning storage errors into `TaskManagerError` without SQL or user data.
    static func mapErrors<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch {
            throw mapError(error)
        }
    }

    /// `error` as clients may see it: a `TaskManagerError` without SQL or user data.
    static func mapError(_ error: any Error) -> any Error {
        switch error {
        case let error as TaskManagerError:
            return error
        case let error as SQLiteError:
            return error.taskManagerError
        default:
            return TaskManagerError(.internal, "Storage error")
        }
    }
}
