import Logging
import PostgresNIO
import TaskManagerCore
import TaskManagerStore

/// One progress report, as the group commit may run it together with others.
struct PostgresProgressReport: Sendable {
    var claim: ClaimCheck
    var progress: Int32
    var message: String
}

/// The progress reports of a batch (of distinct tasks) as one statement: their values arrive as arrays, and each
/// report's row is locked (in id order, so that two such statements never deadlock), checked, updated and given its
/// history entry exactly as the one-report statement does (the same SET and condition, with the values taken
/// from the arrays). One round trip for all of them.
enum PostgresProgressBatch {
    static func query(_ reports: [PostgresProgressReport], history: Bool) -> PostgresQuery {
        var builder = PostgresQueryBuilder()
        let ids = builder.bind(reports.map(\.claim.id))
        let arrays = [
            ids, builder.bind(reports.map(\.claim.workerID)), builder.bind(reports.map { Int64($0.claim.attempt) }),
            builder.bind(reports.map { Int64($0.progress) }), builder.bind(reports.map(\.message)),
            builder.bind(reports.map { PostgresTaskStore.progressText($0.progress, $0.message) }),
            builder.bind(reports.map(\.claim.nowMs)), builder.bind(reports.map(\.claim.defaultLeaseMs)),
        ]
        let types = ["int8", "text", "int8", "int8", "text", "text", "int8", "int8"]
        let unnest = zip(arrays, types).map { "\($0)::\($1)[]" }.joined(separator: ", ")
        let set = PostgresTaskStore.progressSet(
            progress: "i.progress", message: "NULLIF(i.message, '')", now: "i.now",
            lease: PostgresClaimedWrite.leaseEnd(now: "i.now", defaultLeaseMs: "i.default_lease"))
        builder.sql = """
            WITH i AS (SELECT * FROM unnest(\(unnest)) AS i(id, worker, attempt, progress, message, text, now, default_lease)),
            c AS (\(PostgresClaimedWrite.select) ANY(\(ids)::int8[]) ORDER BY t.id FOR UPDATE OF t),
            u AS (UPDATE tasks t SET \(set) FROM c JOIN i ON i.id = c.id
                  WHERE t.id = c.id AND \(PostgresTaskStore.claimCondition(worker: "i.worker", attempt: "i.attempt"))
                  RETURNING t.*),
            h AS (INSERT INTO task_history (task_id, status_change, worker_id, message, created_at_ms)
                  SELECT u.id, \(builder.bind(HistoryEntry.Change.progressUpdate)), i.worker, i.text, i.now
                  FROM u JOIN i ON i.id = u.id WHERE \(builder.bind(history)))
            SELECT \(PostgresClaimedWrite.checkColumns)\(PostgresTaskRow.columns), i.id
            FROM i LEFT JOIN c ON c.id = i.id LEFT JOIN (u t JOIN task_types tt ON tt.id = t.type_id) ON t.id = i.id
            """
        return builder.query
    }

    enum Statement: PostgresStatementKind {
        static let sql = query([PostgresProgressReport(claim: PostgresClaimedWrite.placeholder, progress: 0, message: "")],
                               history: true).sql
    }

    /// Runs the reports on `db` and returns each task's row, by id.
    static func run(_ reports: [PostgresProgressReport], history: Bool, on db: PostgresConnection,
                    logger: Logger) async throws -> [Int64: PostgresRandomAccessRow] {
        let rows = try await PostgresTaskStore.execute(query(reports, history: history), as: Statement.self, on: db,
                                                       logger: logger)
        var byID: [Int64: PostgresRandomAccessRow] = [:]
        for row in rows {
            let row = row.makeRandomAccess()
            byID[try row[row.count - 1].decode(Int64.self)] = row
        }
        return byID
    }
}
