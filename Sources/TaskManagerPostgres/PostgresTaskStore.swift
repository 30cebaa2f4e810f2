import Logging
import Synchronization
import PostgresNIO
import TaskManagerCore
import TaskManagerStore

/// The `TaskStore` kept in a PostgreSQL database, which several servers may share.
///
/// Every call is one transaction on a connection of a `PostgresClient` pool, and all state is in the database: no
/// instance keeps memory that another can change. Writes about one task lock its row (`FOR UPDATE`); claims and the
/// background scans skip rows another transaction holds (`FOR UPDATE SKIP LOCKED`), so that two instances never
/// hand one task to two workers and never wait on each other's claims. Deadlocks and serialization failures are
/// retried a few times, then answered `UNAVAILABLE`.
public final class PostgresTaskStore: TaskStore, Sendable {
    /// Whether history rows are written.
    public let recordHistory: Bool
    let client: PostgresClient
    let logger: Logger
    /// Runs `client.run()`, which the pool needs; cancelled by `close()`.
    private let runner: _Concurrency.Task<Void, Never>
    /// How long one call may take before it is answered `UNAVAILABLE`.
    let callTimeout: Duration
    /// Wake-ups across servers and leadership of the background jobs.
    let coordinator: PostgresCoordination
    /// Runs the one-statement writes of a task's life in shared transactions.
    let groupCommit: PostgresGroupCommit

    public var coordination: (any StoreCoordination)? { coordinator }

    /// The pool's size when none is given: connections per server.
    public static let defaultPoolSize = 20
    /// Group-commit batches running at once when none is given: enough to keep PostgreSQL's cores busy while
    /// another batch waits for its commit.
    public static let defaultConcurrentBatches = 4

    /// How long opening waits for a first connection and the migration.
    public static let openTimeout: Duration = .seconds(15)

    private init(client: PostgresClient, coordinator: PostgresCoordination, concurrentBatches: Int, recordHistory: Bool,
                 callTimeout: Duration, logger: Logger) {
        self.client = client
        self.coordinator = coordinator
        groupCommit = PostgresGroupCommit(client: client, concurrentBatches: concurrentBatches, logger: logger) {
            reports, db in try await PostgresProgressBatch.run(reports, history: recordHistory, on: db, logger: logger)
        }
        self.recordHistory = recordHistory
        self.callTimeout = callTimeout
        self.logger = logger
        runner = _Concurrency.Task { await client.run() }
    }

    /// Connects to the database at `url` and brings its schema up to date (under an advisory lock, so that
    /// instances starting together migrate once).
    ///
    /// - Throws: `TaskManagerError`: `INVALID_ARGUMENT` for a malformed URL; `UNAVAILABLE` when the database cannot be
    ///   reached within `openTimeout`; `FAILED_PRECONDITION` when its schema is newer than this server's.
    ///   - callTimeout: how long one call may take before it is answered `UNAVAILABLE` "Database is unavailable":
    ///     postgres-nio 1.33.2 sometimes never answers a query on a connection the server ended (a restart,
    ///     `pg_terminate_backend`), and no call may wait for ever.
    ///   - maximumConnections: the pool's size (the coordination holds two more connections).
    ///   - concurrentBatches: how many group-commit batches run at once (`PostgresGroupCommit`), each on a
    ///     connection of the pool.
    ///   - recheckInterval: how long a waiting claim or watch goes at most without looking again, should a
    ///     notification from another server be lost.
    public static func open(url: String, recordHistory: Bool = true, maximumConnections: Int = defaultPoolSize,
                            concurrentBatches: Int = defaultConcurrentBatches,
                            callTimeout: Duration = .seconds(30), recheckInterval: Duration = .seconds(1),
                            logger: Logger = Logger(label: "taskmanager.postgres")) async throws -> PostgresTaskStore
    {
        let parsed = try PostgresURL(url)
        try await checkConnection(parsed, url: url, logger: logger)
        var configuration = parsed.clientConfiguration
        configuration.options.maximumConnections = maximumConnections
        let coordinator = PostgresCoordination(configuration: try parsed.connectionConfiguration(),
                                               recheckInterval: recheckInterval, logger: logger)
        let store = PostgresTaskStore(client: PostgresClient(configuration: configuration, backgroundLogger: logger),
                                      coordinator: coordinator,
                                      concurrentBatches: min(maximumConnections, concurrentBatches),
                                      recordHistory: recordHistory, callTimeout: callTimeout, logger: logger)
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await PostgresMigrations.apply(store) }
                group.addTask {
                    try await _Concurrency.Task.sleep(for: openTimeout)
                    throw TaskManagerError(.unavailable, "Cannot reach PostgreSQL at \(PostgresURL.redacted(url))")
                }
                defer { group.cancelAll() }
                try await group.next()
            }
        } catch {
            store.close()
            throw Self.mapError(error)
        }
        return store
    }

    /// Opens and closes one connection to the database, so that a wrong address, user, password or database name
    /// fails the start at once, saying why.
    private static func checkConnection(_ parsed: PostgresURL, url: String, logger: Logger) async throws {
        do {
            let connection = try await PostgresConnection.connect(configuration: try parsed.connectionConfiguration(), id: 0,
                                                                  logger: logger)
            try await connection.close()
        } catch {
            // The server's own message (a failed login, an unknown database) names no secret.
            let reason = (error as? PSQLError)?.serverInfo?[.message] ?? "\((error as? PSQLError)?.code.description ?? "\(error)")"
            throw TaskManagerError(.unavailable, "Cannot connect to PostgreSQL at \(PostgresURL.redacted(url)): \(reason)",
                                   cause: error as? PSQLError)
        }
    }

    /// Closes the pool; later calls fail. Safe to call twice.
    public func close() {
        coordinator.close()
        runner.cancel()
    }

    public func ping() async throws {
        try await transaction { db in _ = try await db.query("SELECT 1", logger: self.logger).collect() }
    }

    // MARK: - Running calls

    /// Runs `body` in one transaction (READ COMMITTED) on a pooled connection: committed when it returns, rolled
    /// back when it throws. Retried from the start after a deadlock or serialization failure.
    func transaction<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        try await Self.withDeadline(callTimeout, logger: logger) { try await self.retryingTransaction(body) }
    }

    /// `body`'s outcome, or `UNAVAILABLE` "Database is unavailable" once `timeout` has passed (logged); `body` is
    /// then cancelled and left to end on its own (a task group would wait for it, and postgres-nio may never answer).
    static func withDeadline<T: Sendable>(_ timeout: Duration, logger: Logger, _ what: String = "PostgreSQL call",
                                          _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            deadlined(timeout, logger: logger, what, body) { continuation.resume(with: $0) }
        }
    }

    /// Runs `body` in a Swift task and calls `then` once: with `body`'s outcome, or with `UNAVAILABLE` "Database is
    /// unavailable" once `timeout` has passed (logged; `body` is then cancelled and left to end on its own).
    static func deadlined<T: Sendable>(_ timeout: Duration, logger: Logger, _ what: String = "PostgreSQL call",
                                       _ body: @escaping @Sendable () async throws -> T,
                                       then: @escaping @Sendable (Result<T, any Error>) -> Void) {
        let work = Mutex<_Concurrency.Task<Void, Never>?>(nil)
        let answer = PostgresDeadlines.shared.answerOnce(timeout, logger: logger, what, then: then) {
            work.withLock { $0?.cancel() }
        }
        let task = _Concurrency.Task {
            do {
                answer(.success(try await body()))
            } catch {
                answer(.failure(error))
            }
        }
        work.withLock { $0 = task }
    }

    private func retryingTransaction<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T)
        async throws -> T
    {
        var retries = 0
        while true {
            do {
                return try await client.withConnection { db in
                    try await db.query("BEGIN", logger: self.logger)
                    do {
                        let result = try await body(db)
                        try await db.query("COMMIT", logger: self.logger)
                        return result
                    } catch {
                        // A connection the server closed takes its transaction with it; a ROLLBACK sent on it is not
                        // answered.
                        if (error as? PSQLError)?.code == .server || error is TaskManagerError {
                            _ = try? await db.query("ROLLBACK", logger: self.logger)
                        }
                        throw error
                    }
                }
            } catch let error as PSQLError where Self.isRetryable(error) && retries < 5 {
                retries += 1
                logger.debug("Transaction retried after \(Self.sqlState(error) ?? "?")")
            } catch {
                let mapped = Self.mapError(error)
                if !(error is TaskManagerError) {
                    logger.error("PostgreSQL call failed", metadata: ["error": "\(String(reflecting: error))"])
                }
                throw mapped
            }
        }
    }

    /// Runs `body` in a transaction in a Swift task and calls `then` with its outcome, or with `UNAVAILABLE` past
    /// `callTimeout`: the completion form of the task calls.
    func answer<T: Sendable>(_ then: @escaping StoreCompletion<T>,
                             _ body: @escaping @Sendable (PostgresConnection) async throws -> T) {
        answer(then) { try await self.retryingTransaction(body) }
    }

    /// Runs `body` in a Swift task and calls `then` with its outcome, or with `UNAVAILABLE` past `callTimeout`.
    func answer<T: Sendable>(_ then: @escaping StoreCompletion<T>, _ body: @escaping @Sendable () async throws -> T) {
        Self.deadlined(callTimeout, logger: logger, "PostgreSQL call", body, then: then)
    }

    /// Runs one statement prepared as `kind` (the query's SQL must be `kind`'s) on its own, as its own transaction
    /// (no BEGIN and COMMIT round trips), and returns its rows; retried after a deadlock or serialization failure.
    /// With no deadline of its own: its callers put it under one.
    func statement<Kind: PostgresStatementKind>(_ query: PostgresQuery, as kind: Kind.Type) async throws -> [PostgresRow] {
        try await retryingStatement {
            try await self.client.withConnection { db in try await Self.execute(query, as: kind, on: db, logger: self.logger) }
        }
    }

    /// Runs `query` on `db`, prepared as `kind`: its SQL must be `kind`'s.
    func execute<Kind: PostgresStatementKind>(_ query: PostgresQuery, as kind: Kind.Type, on db: PostgresConnection)
        async throws -> [PostgresRow]
    {
        try await Self.execute(query, as: kind, on: db, logger: logger)
    }

    static func execute<Kind: PostgresStatementKind>(_ query: PostgresQuery, as kind: Kind.Type, on db: PostgresConnection,
                                                     logger: Logger) async throws -> [PostgresRow] {
        assert(query.sql == Kind.sql, "the SQL of \(Kind.self) depends on the call")
        guard query.sql == Kind.sql else { return try await db.query(query, logger: logger).collect() }
        var rows: [PostgresRow] = []
        for try await row in try await db.execute(PostgresPrepared<Kind>(bindings: query.binds), logger: logger) {
            rows.append(row)
        }
        return rows
    }

    /// Runs `run` in the group commit (`PostgresGroupCommit`) and calls `then` with `decode` of its rows once its
    /// batch committed; or with the batch's failure; or with `UNAVAILABLE` past `callTimeout`. No Swift task is
    /// started for the call: it waits in the group commit's queue.
    ///
    /// A progress `report` may instead run in one statement with the batch's other reports
    /// (`PostgresProgressBatch`); `decodeRow` then reads its answer from its row of that statement.
    func grouped<T: Sendable>(_ then: @escaping StoreCompletion<T>,
                              run: @escaping @Sendable (PostgresConnection) async throws -> [PostgresRow],
                              decode: @escaping @Sendable ([PostgresRow]) throws -> T,
                              report: PostgresProgressReport? = nil,
                              decodeRow: (@Sendable (PostgresRandomAccessRow?) throws -> T)? = nil) {
        let answer = PostgresDeadlines.shared.answerOnce(callTimeout, logger: logger, "PostgreSQL call", then: then)
        var job = PostgresGroupCommit.Job(
            run: { db in
                let rows = try await run(db)
                let result = Result { try decode(rows) }
                return { answer(result) }
            },
            fail: { answer(.failure($0)) })
        if let report, let decodeRow {
            job.report = report
            job.answerRow = { row in
                let result = Result<T, any Error> { try decodeRow(row) }
                return { answer(result) }
            }
        }
        groupCommit.submit(job)
    }

    private func retryingStatement(_ run: @escaping @Sendable () async throws -> [PostgresRow]) async throws -> [PostgresRow] {
        var retries = 0
        while true {
            do {
                return try await run()
            } catch let error as PSQLError where Self.isRetryable(error) && retries < 5 {
                retries += 1
                logger.debug("Statement retried after \(Self.sqlState(error) ?? "?")")
            } catch {
                if !(error is TaskManagerError) {
                    logger.error("PostgreSQL call failed", metadata: ["error": "\(String(reflecting: error))"])
                }
                throw Self.mapError(error)
            }
        }
    }

    /// Runs `query` and returns its rows.
    func rows(_ db: PostgresConnection, _ query: PostgresQuery) async throws -> [PostgresRow] {
        try await db.query(query, logger: logger).collect()
    }

    /// Runs `query` and returns its first row, if any.
    func firstRow(_ db: PostgresConnection, _ query: PostgresQuery) async throws -> PostgresRow? {
        try await rows(db, query).first
    }

    /// `time + delay`, saturating at `Int64.max` (a backoff or lease may be huge).
    static func adding(_ delayMs: Int64, to time: Int64) -> Int64 {
        let (sum, overflow) = time.addingReportingOverflow(delayMs)
        return overflow ? Int64.max : sum
    }

    /// A row written in this transaction could not be read back: should never happen.
    static let vanished = TaskManagerError(.internal, "Storage error (row not found after write)")
}
