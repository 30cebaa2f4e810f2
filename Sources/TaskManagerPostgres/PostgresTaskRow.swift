import PostgresNIO
import TaskManagerCore
import TaskManagerStore

/// How a `Task` is read from `tasks` joined with its type's name: as `TaskRow` reads it from SQLite.
enum PostgresTaskRow {
    /// The SELECT of every column `read` expects, with `tasks t` and `task_types tt`; append WHERE/ORDER BY.
    static let select = TaskRow.select

    /// The columns of `select` (between SELECT and FROM), for statements that name `t` and `tt` otherwise.
    static let columns: String = {
        let from = select.range(of: "FROM tasks t")!.lowerBound
        return String(select[select.index(select.startIndex, offsetBy: "SELECT ".count)..<from])
    }()

    /// The task in a row of `select`; NULL text reads as "", NULL numbers as 0.
    static func read(_ row: PostgresRow) throws -> Task {
        try read(row.makeRandomAccess(), at: 0)
    }

    /// The task in the columns of `row` from `offset` on, laid out as `columns`.
    static func read(_ row: PostgresRandomAccessRow, at offset: Int) throws -> Task {
        func int(_ index: Int) throws -> Int64 { try row[offset + index].decode(Int64?.self) ?? 0 }
        func text(_ index: Int) throws -> String { try row[offset + index].decode(String?.self) ?? "" }
        var task = Task()
        task.id = try int(0)
        task.type = try text(1)
        task.typeID = try int(2)
        task.status = TaskStatus(name: try text(3)) ?? .unspecified
        task.progress = Int32(truncatingIfNeeded: try int(4))
        task.progressMessage = try text(5)
        task.priority = Int32(truncatingIfNeeded: try int(6))
        task.attempts = Int32(truncatingIfNeeded: try int(7))
        task.maxAttempts = Int32(truncatingIfNeeded: try int(8))
        task.claimedBy = try text(9)
        task.claimedAtMs = try int(10)
        task.createdAtMs = try int(11)
        task.updatedAtMs = try int(12)
        task.completedAtMs = try int(13)
        task.paramsJSON = try text(14)
        task.resultJSON = try text(15)
        task.errorMessage = try text(16)
        task.dedupeKey = try text(17)
        task.leaseExpiresAtMs = try int(18)
        task.cancelRequested = try row[offset + 19].decode(Bool.self)
        task.cancelReason = try text(20)
        let stalledSince = try row[offset + 21].decode(Int64?.self)
        task.stalledSinceMs = stalledSince ?? 0
        task.stalled = task.status == .claimed && stalledSince != nil
        task.runAtMs = try int(22)
        task.createdBy = try text(25)
        // The ETA is of the current attempt, so only a claimed task has one.
        if task.status == .claimed, let changedAt = try row[offset + 23].decode(Int64?.self) {
            let state = ProgressRate(progress: task.progress, atMs: changedAt, rate: try row[offset + 24].decode(Double?.self))
            task.etaMs = state.etaMs(progress: task.progress)
            task.progressRate = state.percentPerSecond(progress: task.progress)
        }
        return task
    }

    /// The task with this id, or nil.
    static func fetch(id: Int64, _ db: PostgresConnection, _ store: PostgresTaskStore) async throws -> Task? {
        try await store.firstRow(db, PostgresQuery(unsafeSQL: select + " WHERE t.id = $1", binds: binds(id))).map(read)
    }

    /// The task with this dedupe key, or nil.
    static func fetch(dedupeKey: String, _ db: PostgresConnection, _ store: PostgresTaskStore) async throws -> Task? {
        try await store.firstRow(db, PostgresQuery(unsafeSQL: select + " WHERE t.dedupe_key = $1", binds: binds(dedupeKey)))
            .map(read)
    }

    /// The value to store for a progress rate: NULL for unknown or not finite.
    static func rateValue(_ rate: Double?) -> Double? {
        rate.flatMap { $0.isFinite ? $0 : nil }
    }

    private static func binds<T: PostgresNonThrowingEncodable>(_ value: T) -> PostgresBindings {
        var binds = PostgresBindings()
        binds.append(value)
        return binds
    }
}

/// Builds a query whose clauses depend on the call: fixed SQL texts joined, every value a bound parameter.
struct PostgresQueryBuilder {
    var sql = ""
    var binds = PostgresBindings()

    /// Binds `value` and returns its placeholder.
    mutating func bind<T: PostgresNonThrowingEncodable>(_ value: T) -> String {
        binds.append(value)
        return "$\(binds.count)"
    }

    /// Binds `value`, or NULL, and returns its placeholder.
    mutating func bind<T: PostgresNonThrowingEncodable>(_ value: T?) -> String {
        binds.append(value)
        return "$\(binds.count)"
    }

    var query: PostgresQuery { PostgresQuery(unsafeSQL: sql, binds: binds) }
}
