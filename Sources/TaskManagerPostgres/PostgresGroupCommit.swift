import Logging
import PostgresNIO
import Synchronization
import TaskManagerCore

/// Group commit on PostgreSQL: the one-statement writes that arrive while batches run wait, and the next free batch
/// runs all of them, one after another, in one transaction on one connection. N calls then share one commit (one
/// WAL flush to wait for, one round trip each for BEGIN and COMMIT) instead of paying one each.
///
/// Semantics are kept: a call is answered only after its batch committed; a statement's refusal (a claim that
/// does not pass) is an answer, not an error, so it does not stop the others. A statement that fails in PostgreSQL
/// (a deadlock, a constraint) rolls the batch back, and its calls then run again one at a time, each in its own
/// transaction, so that only the failing one fails. A lost connection fails the batch's calls `UNAVAILABLE`
/// without running them again (the commit may have happened). A batch of one call runs as its statement alone.
///
/// At most `concurrentBatches` batches run at once (each on a pooled connection); up to `maxBatch` calls each.
final class PostgresGroupCommit: Sendable {
    /// One call's statement.
    struct Job: Sendable {
        /// Runs the statement on the batch's connection and returns what answers the call once the batch committed.
        let run: @Sendable (PostgresConnection) async throws -> @Sendable () -> Void
        /// Answers the call with the batch's failure.
        let fail: @Sendable (any Error) -> Void
        /// A progress report, which may run in one statement with the batch's other reports instead of `run`.
        var report: PostgresProgressReport? = nil
        /// Returns what answers the report from its row of that statement (nil: no row) once the batch committed.
        var answerRow: (@Sendable (PostgresRandomAccessRow?) -> @Sendable () -> Void)? = nil
    }

    /// Runs a batch's progress reports (of distinct tasks) as one statement and returns each task's row by id.
    typealias ReportsRunner = @Sendable ([PostgresProgressReport], PostgresConnection) async throws -> [Int64: PostgresRandomAccessRow]

    private struct State {
        var waiting: [Job] = []
        var running = 0
    }

    private let state = Mutex(State())
    private let client: PostgresClient
    private let runReports: ReportsRunner
    private let logger: Logger
    let concurrentBatches: Int
    let maxBatch: Int
    /// Counts batches, the calls in them and the progress reports run together, for tests and measurements.
    let counts = Mutex((batches: 0, calls: 0, reportsTogether: 0))

    init(client: PostgresClient, concurrentBatches: Int, maxBatch: Int = 64, logger: Logger,
         runReports: @escaping ReportsRunner) {
        self.client = client
        self.runReports = runReports
        self.concurrentBatches = max(concurrentBatches, 1)
        self.maxBatch = maxBatch
        self.logger = logger
    }

    /// Queues `job`; a batch takes it at once when fewer than `concurrentBatches` run, else when one ends.
    func submit(_ job: Job) {
        let start = state.withLock { state -> Bool in
            state.waiting.append(job)
            guard state.running < concurrentBatches else { return false }
            state.running += 1
            return true
        }
        if start { _Concurrency.Task { await runBatches() } }
    }

    /// Runs batches of what waits until nothing does.
    private func runBatches() async {
        while true {
            let jobs = state.withLock { state -> [Job] in
                let jobs = Array(state.waiting.prefix(maxBatch))
                state.waiting.removeFirst(jobs.count)
                if jobs.isEmpty { state.running -= 1 }
                return jobs
            }
            if jobs.isEmpty { return }
            counts.withLock { $0.batches += 1; $0.calls += jobs.count }
            if jobs.count == 1 {
                await runAlone(jobs[0])
            } else {
                await runTogether(jobs)
            }
        }
    }

    private func runTogether(_ jobs: [Job]) async {
        do {
            let answers = try await client.withConnection { db -> [@Sendable () -> Void] in
                try await db.query("BEGIN", logger: self.logger)
                do {
                    var answers: [@Sendable () -> Void] = []
                    answers.reserveCapacity(jobs.count)
                    for job in try await self.runReports(of: jobs, on: db, into: &answers) {
                        answers.append(try await job.run(db))
                    }
                    try await db.query("COMMIT", logger: self.logger)
                    return answers
                } catch {
                    // A connection the server closed takes its transaction with it.
                    if (error as? PSQLError)?.code == .server { _ = try? await db.query("ROLLBACK", logger: self.logger) }
                    throw error
                }
            }
            for answer in answers { answer() }
        } catch let error as PSQLError where error.code == .server {
            // One statement failed and the batch was rolled back: each call again on its own.
            logger.debug("Batch of \(jobs.count) rolled back; its calls run one at a time",
                         metadata: ["error": "\(String(reflecting: error))"])
            for job in jobs { await runAlone(job) }
        } catch {
            logger.error("PostgreSQL batch failed", metadata: ["error": "\(String(reflecting: error))"])
            let mapped = PostgresTaskStore.mapError(error)
            for job in jobs { job.fail(mapped) }
        }
    }

    /// Runs the progress reports of `jobs` (one per task; a second report of a task waits for the next step) as one
    /// statement when there are two or more, appending what answers them.
    /// - Returns: the jobs left to run one by one.
    private func runReports(of jobs: [Job], on db: PostgresConnection, into answers: inout [@Sendable () -> Void])
        async throws -> [Job]
    {
        var together: [Job] = []
        var rest: [Job] = []
        var tasks = Set<Int64>()
        for job in jobs {
            if let report = job.report, job.answerRow != nil, tasks.insert(report.claim.id).inserted {
                together.append(job)
            } else {
                rest.append(job)
            }
        }
        guard together.count > 1 else { return jobs }
        let rows = try await runReports(together.map { $0.report! }, db)
        counts.withLock { $0.reportsTogether += together.count }
        for job in together { answers.append(job.answerRow!(rows[job.report!.claim.id])) }
        return rest
    }

    /// One call as its statement alone (its own transaction); retried after a deadlock or serialization failure.
    private func runAlone(_ job: Job) async {
        var retries = 0
        while true {
            do {
                let answer = try await client.withConnection { db in try await job.run(db) }
                answer()
                return
            } catch let error as PSQLError where PostgresTaskStore.isRetryable(error) && retries < 5 {
                retries += 1
            } catch {
                if !(error is TaskManagerError) {
                    logger.error("PostgreSQL call failed", metadata: ["error": "\(String(reflecting: error))"])
                }
                job.fail(PostgresTaskStore.mapError(error))
                return
            }
        }
    }
}
