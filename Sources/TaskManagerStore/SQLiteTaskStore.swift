import Dispatch
import Synchronization
import TaskManagerCore

/// The `TaskStore` kept in one SQLite file, with the state of every live task in memory.
///
/// The store owns its file (`DatabaseLock`): `LiveTasks` holds every pending and claimed task, and claims,
/// renewals and outcomes are decided there and made durable by the same write job, mostly as one appended
/// `task_history` row per call (`TaskEventRow`); the task row is written when a task is created, claimed,
/// put back in pending and finished. On open the memory is rebuilt from the rows of the live tasks and the last
/// event of each claimed one. A job that fails after changing the memory, or a batch that is rolled back, makes
/// the store read its memory again from the database.
///
/// Writes go through one `GroupCommitWriter`: the write calls waiting at the same time run, in arrival order,
/// inside one `BEGIN IMMEDIATE` transaction that commits once before any of them is
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
    /// The live tasks; changed only by write jobs, on the writer's queue.
    let live: Mutex<LiveTasks>
    /// Held while open; nil for an in-memory database and after `close()`.
    private let lock: Mutex<DatabaseLock?>
    /// Set when the memory could not be read again after a failed write: every later write fails.
    private let memoryLost = Mutex(false)
    /// See `setMetrics(_:)`.
    let metrics = Mutex<StoreMetrics?>(nil)

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
    /// - Throws: `TaskManagerError` (`FAILED_PRECONDITION` "database FILE is in use by another server" when
    ///   another store has it open, or when the file has a newer schema; `UNAVAILABLE` when SQLite finds the file
    ///   locked, `INTERNAL` otherwise).
    ///   - answerHop: called on a caller's thread when it submits a write: where to answer it (see `AnswerHop`);
    ///     nil = every answer is given on the writer's threads.
    public convenience init(path: String, recordHistory: Bool = true, synchronous: Synchronous = .full,
                            readConnections: Int = defaultReadConnections,
                            answerHop: (@Sendable () -> AnswerHop?)? = nil) throws
    {
        try self.init(path: path, recordHistory: recordHistory, synchronous: synchronous,
                      readConnections: readConnections, checkpointLimits: WALCheckpointer.Limits(), answerHop: answerHop)
    }

    /// `init(path:recordHistory:synchronous:readConnections:)` with the WAL sizes that start checkpoints and the
    /// function that syncs the WAL (`fdatasync` when nil); for tests.
    init(path: String, recordHistory: Bool, synchronous: Synchronous, readConnections: Int,
         checkpointLimits: WALCheckpointer.Limits, syncFile: (@Sendable (Int32) -> Int32)? = nil,
         answerHop: (@Sendable () -> AnswerHop?)? = nil) throws
    {
        self.recordHistory = recordHistory
        lock = Mutex(Self.isInMemory(path) ? nil : try DatabaseLock(databasePath: path))
        // Migrated before any reader opens, so readers never see an older schema.
        // FULL is kept by syncing the WAL after each commit on another queue (`WALSync`), not inside the commit.
        let syncsItself = synchronous == .full && !Self.isInMemory(path)
        let (connection, memory) = try Self.mapErrors {
            let connection = try SQLiteConnection(path: path, synchronous: syncsItself ? .normal : synchronous)
            try Migrations.apply(to: connection)
            // The schema's CHECK on `tasks.status` (`IN (...)` of five names) builds an ephemeral table on every
            // row write, a sixth of a claim's cost; the store writes only statuses and progress values it chose
            // and checked, so its writer leaves CHECK constraints to the schema's documentation.
            try connection.execute("PRAGMA ignore_check_constraints = ON")
            return (connection, try LiveTasks.load(from: connection, nowMs: SystemClock().nowMs()))
        }
        live = Mutex(memory)
        if Self.isInMemory(path) {
            checkpointer = nil
        } else {
            let checkpointer = try Self.mapErrors { try WALCheckpointer(path: path, limits: checkpointLimits) }
            checkpointer.attach(to: connection)
            self.checkpointer = checkpointer
        }
        writer = GroupCommitWriter(connection: connection, syncingWAL: syncsItself ? path + "-wal" : nil, syncFile: syncFile,
                                   answerHop: answerHop)
        let count = Self.isInMemory(path) ? 0 : max(0, readConnections)
        readers = try Self.mapErrors { try SQLiteReaderPool(path: path, count: count) }
        writer.setRollbackHook { [weak self] db, wholeTransaction in
            self?.reloadMemory(db, wholeTransaction: wholeTransaction)
        }
    }

    /// Records group-commit batch sizes, commit and sync times and retries in `metrics` from now on; nil stops.
    public func setMetrics(_ metrics: StoreMetrics?) {
        writer.setMetrics(metrics)
        self.metrics.withLock { $0 = metrics }
    }

    /// Why the store cannot take writes, when it cannot: closed, a failed WAL sync (final until a restart), or its
    /// memory of the live tasks lost after a failed write; nil while it can.
    public var notReadyReason: String? {
        if writer.isClosed { return "database is closed" }
        if writer.syncFailure != nil { return "a WAL sync failed: writes are refused until the server restarts" }
        if memoryLost.withLock({ $0 }) { return "the live tasks could not be reloaded after a failed write: restart the server" }
        return nil
    }

    /// The group commits so far: write calls per commit tell how well calls share transactions.
    public var commitCount: Int { writer.commitCount }

    /// Closes the database after the calls already queued; later calls throw `UNAVAILABLE`. Safe to call twice.
    public func close() {
        writer.close()
        readers.close()
        checkpointer?.close()
        lock.withLock { $0 = nil }
    }

    public func ping() async throws {
        try await lookup { db in
            _ = try db.prepare("SELECT 1").firstRow { $0.int64(at: 0) }
        }
    }

    public func pingNow() throws -> ImmediateRead<Void> {
        try lookupNow { db in _ = try db.prepare("SELECT 1").firstRow { $0.int64(at: 0) } }.map { .value($0) } ?? .wouldWait
    }

    // MARK: - Running calls

    /// Runs `body` as one job of the writer's next batch, inside one `BEGIN IMMEDIATE` transaction, and calls `then`
    /// after that transaction commits (see `GroupCommitWriter.submit(_:answer:)` for where). `body` may run more
    /// than once (see `GroupCommitWriter`): it must only read and write the database and the memory, and change the
    /// memory only after its rows are written.
    func write<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T, then: @escaping StoreCompletion<T>) {
        writer.submit({ db in
            guard !self.memoryLost.withLock({ $0 }) else { throw Self.lostMemory }
            self.live.withLock { $0.changed = false }
            return try body(db)
        }, answer: { outcome in
            // The job returns exactly what `body` returned.
            then(outcome.map { $0 as! T })
        })
    }

    /// `write(_:then:)`, awaited.
    func write<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        try await awaiting { write(body, then: $0) }
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

    /// Runs the short read `body` on the caller's thread when a read connection is free; nil when none is (or the
    /// store has no read connections).
    func lookupNow<T: Sendable>(_ body: (SQLiteConnection) throws -> T) throws -> T? {
        try readers.lookupNow(body)
    }

    /// Reads the memory again from `db` after a failure that may have left it ahead of the database: a job that
    /// changed the memory and then failed, or any rollback of a whole transaction. Runs on the writer's queue.
    private func reloadMemory(_ db: SQLiteConnection, wholeTransaction: Bool) {
        guard wholeTransaction || live.withLock({ $0.changed }) else { return }
        do {
            let memory = try LiveTasks.load(from: db, nowMs: SystemClock().nowMs())
            live.withLock { $0 = memory }
        } catch {
            memoryLost.withLock { $0 = true }
        }
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

    /// Every write after the memory could not be rebuilt from the database.
    static let lostMemory = TaskManagerError(.internal, "Storage error (state lost after a failed write; restart the server)")

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
