import Dispatch
import Synchronization
import TaskManagerCore

/// The one write connection of a store: commits the write calls that wait at the same time as one transaction.
///
/// Calls queue up as jobs. The writer takes every waiting job (up to `maxBatch`), runs them in arrival order inside
/// one `BEGIN IMMEDIATE` transaction, commits once, and only then answers every job. A job that throws before it
/// changed a row just gets its error; one that throws after changing rows is undone by rolling the whole
/// transaction back, and the batch runs again without it (its jobs are not answered yet, and a job's body only
/// reads and writes the database and the store's memory, so running it again is safe). No savepoint per job is
/// needed for that, which saves two statements per call. Jobs that arrive while a batch runs wait for the next
/// batch, so one caller gets one transaction per call and many callers share commits. With a `WALSync`, a
/// committed batch is answered after the sync of the WAL that covers it, which runs on its own queue while the
/// next batch runs here.
///
/// Threads: a batch runs on the thread of its oldest job when that thread has an `AnswerHop` (an event loop, which
/// runs it once it has read what it can), else on a thread of `queue`'s; `queue` serialises them either way. So the
/// server wakes no thread of its own to write, and a loop answers the calls of its own connections from the batch
/// it ran without a thread switch.
// @unchecked: `connection` and `rollbackHook` are touched only on `queue`; `pending`, `isClosedState`, `isScheduled`
// and `commits` only on `state`.
final class GroupCommitWriter: @unchecked Sendable {
    /// A step of a batch, reported to the event hook; for tests.
    enum Event: Equatable, Sendable {
        case begin, commit, rollback, sync, resume
    }

    /// The most jobs one transaction takes by default.
    static let defaultMaxBatch = 256

    private let maxBatch: Int
    /// Runs batches and `perform` bodies, one at a time.
    private let queue = DispatchQueue(label: "TaskManagerStore.GroupCommitWriter")
    /// Guards the job queue and the counters; never held while SQL runs.
    private let state = DispatchQueue(label: "TaskManagerStore.GroupCommitWriter.state")
    /// nil once closed.
    private var connection: SQLiteConnection?
    private var pending: [GroupCommitJob] = []
    private var isClosedState = false
    /// Whether a `runNextBatch` is scheduled or running: one at a time, each scheduling the next while jobs wait.
    private var isScheduled = false
    private var commits = 0
    /// Where events go; shared with `walSync`'s answers, which must not keep the writer alive.
    private let events = EventHook()
    /// Set when commits are not synced by SQLite itself; see `WALSync`.
    private let walSync: WALSync?
    /// Where each call is answered (see `AnswerHop`).
    private let answerHop: (@Sendable () -> AnswerHop?)?
    /// Called on `queue` after work was rolled back: one job's (false) or a whole transaction's (true).
    private var rollbackHook: ((SQLiteConnection, Bool) -> Void)?
    /// Batch sizes and commit times; nil records nothing.
    private let metrics = Mutex<StoreMetrics?>(nil)

    /// Takes ownership of `connection`, which must be open, migrated and outside any transaction.
    ///
    /// - Parameters:
    ///   - syncingWAL: the WAL file to sync after each commit before answering its calls, when the connection
    ///     runs `synchronous = NORMAL` and calls must still be durable when answered.
    ///   - syncFile: how that file is synced (`fdatasync` unless a test says otherwise).
    ///   - answerHop: called on the caller's thread when a call is submitted: where to answer it.
    init(connection: SQLiteConnection, maxBatch: Int = defaultMaxBatch, syncingWAL walPath: String? = nil,
         syncFile: (@Sendable (Int32) -> Int32)? = nil, answerHop: (@Sendable () -> AnswerHop?)? = nil) {
        self.connection = connection
        self.maxBatch = max(1, maxBatch)
        self.answerHop = answerHop
        walSync = walPath.map { [events] walPath in
            WALSync(walPath: walPath, syncFile: syncFile) { jobs, syncError in
                events.emit(.sync)
                for job in jobs {
                    if let syncError, (try? job.outcome.get()) != nil { job.outcome = .failure(syncError) }
                    events.emit(.resume)
                }
                AnswerHop.resume(jobs)
            }
        }
    }

    // MARK: - Calls

    /// Runs `body` in the next batch and returns its result once that batch has committed.
    ///
    /// - Throws: the body's own error (mapped); the batch's storage error when it could not commit;
    ///   `UNAVAILABLE` "Database is closed" after `close()`.
    func submit(_ body: @escaping @Sendable (SQLiteConnection) throws -> any Sendable) async throws -> any Sendable {
        try await withCheckedThrowingContinuation { continuation in
            submit(body) { continuation.resume(with: $0) }
        }
    }

    /// Runs `body` in the next batch and calls `answer` with its outcome once that batch has committed (and, with
    /// a `WALSync`, been synced): through the caller's `AnswerHop` when it has one, else on the writer's thread.
    /// `answer` is called at once, on this thread, after `close()`.
    func submit(_ body: @escaping @Sendable (SQLiteConnection) throws -> any Sendable,
                answer: @escaping @Sendable (Result<any Sendable, any Error>) -> Void) {
        let job = GroupCommitJob(body: body, hop: answerHop?(), answer: answer)
        let (accepted, schedule) = state.sync { () -> (Bool, Bool) in
            guard !isClosedState else { return (false, false) }
            pending.append(job)
            let schedule = !isScheduled
            isScheduled = true
            return (true, schedule)
        }
        guard accepted else { return answer(.failure(SQLiteTaskStore.closed)) }
        if schedule { scheduleNextBatch(on: job.hop) }
    }

    /// Runs `body` with the connection between batches, outside any transaction.
    func perform<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result {
                    guard let connection = self.connection else { throw SQLiteTaskStore.closed }
                    return try SQLiteTaskStore.mapErrors { try body(connection) }
                })
            }
        }
    }

    /// Runs the jobs already queued, then closes the connection; later calls throw `UNAVAILABLE`. Idempotent.
    func close() {
        state.sync { isClosedState = true }
        queue.sync {
            // No job can join `pending` any more, so this ends.
            while let batch = takeBatch() { runBatch(batch[...]) }
            connection = nil
        }
        walSync?.close()
    }

    /// Records batch sizes and commit and sync times in `metrics` from the next batch on.
    func setMetrics(_ metrics: StoreMetrics?) {
        self.metrics.withLock { $0 = metrics }
        walSync?.setMetrics(metrics)
    }

    /// Whether `close()` was called.
    var isClosed: Bool { state.sync { isClosedState } }

    /// The failed sync that stops every later write, if one failed (see `WALSync`).
    var syncFailure: TaskManagerError? { walSync?.failure }

    /// Calls `hook` on the writer's queue after a job failed, with whether the whole transaction was rolled back
    /// (else the job changed no row, and the connection is still inside the transaction). Set before the first call.
    func setRollbackHook(_ hook: @escaping (SQLiteConnection, Bool) -> Void) {
        queue.sync { rollbackHook = hook }
    }

    // MARK: - Test hooks

    /// The number of batches committed so far.
    var commitCount: Int { state.sync { commits } }

    /// The number of jobs waiting for a batch.
    var pendingCount: Int { state.sync { pending.count } }

    /// Calls `hook` (on the writer's queue) at each step of every later batch; nil to stop.
    func setEventHook(_ hook: (@Sendable (Event) -> Void)?) {
        events.hook.withLock { $0 = hook }
    }

    // MARK: - Batches (on `queue`)

    /// Runs the next batch on the thread of `hop` (an event loop, once it has read what it can), or else on a
    /// thread of `queue`'s.
    ///
    /// A batch run by an event loop wakes no thread to start it, and the answers to that loop's calls need no
    /// hand-off; `queue.sync` keeps it from running beside another batch or a `perform`.
    private func scheduleNextBatch(on hop: AnswerHop?) {
        if let hop {
            hop.run { self.queue.sync { self.runNextBatch() } }
        } else {
            queue.async { self.runNextBatch() }
        }
    }

    /// Runs one batch, then has the thread of the oldest waiting job run the next one, if any: an event loop runs
    /// at most one batch in a row, so it flushes its answers and reads again in between.
    private func runNextBatch() {
        guard let batch = takeBatch() else { return }
        runBatch(batch[...])
        let (more, hop) = state.sync { () -> (Bool, AnswerHop?) in
            if pending.isEmpty { isScheduled = false }
            return (!pending.isEmpty, pending.first?.hop)
        }
        if more { scheduleNextBatch(on: hop) }
    }

    /// The oldest waiting jobs, at most `maxBatch`; nil (and no longer scheduled) when none wait.
    private func takeBatch() -> [GroupCommitJob]? {
        state.sync {
            guard !pending.isEmpty else {
                isScheduled = false
                return nil
            }
            let count = min(pending.count, maxBatch)
            let batch = Array(pending.prefix(count))
            pending.removeFirst(count)
            return batch
        }
    }

    /// Runs `batch` in one transaction and answers every job after the commit.
    private func runBatch(_ batch: ArraySlice<GroupCommitJob>) {
        guard !batch.isEmpty else { return }
        guard let db = connection else { return fail(batch, with: SQLiteTaskStore.closed) }
        if let failure = walSync?.failure { return fail(batch, with: failure) }
        let metrics = metrics.withLock { $0 }
        let startedNs = metrics == nil ? 0 : DispatchTime.now().uptimeNanoseconds
        do {
            try db.run(SQL.beginImmediate)
        } catch {
            return fail(batch, with: SQLiteTaskStore.mapError(error))
        }
        emit(.begin)
        for index in batch.indices {
            let job = batch[index]
            let changesBefore = db.totalChanges
            let outcome = Result { try job.body(db) }
            job.outcome = outcome.mapError(SQLiteTaskStore.mapError)
            guard case .failure(let error) = outcome else { continue }
            // "If certain kinds of errors occur within a transaction, the transaction may or may not be rolled back
            // automatically" (SQLITE_FULL, SQLITE_IOERR, ...): then the earlier jobs' work is gone too.
            if db.isAutocommit { return abandon(batch, at: index, error: error, on: db) }
            if db.totalChanges != changesBefore { return runAgain(batch, without: index, on: db) }
            // It changed no row: the batch goes on without it.
            rollbackHook?(db, false)
        }
        do {
            try db.run(SQL.commit)
        } catch {
            rollbackIfOpen(db)
            rollbackHook?(db, true)
            return fail(batch, with: SQLiteTaskStore.mapError(error))
        }
        state.sync { commits += 1 }
        if let metrics {
            metrics.commitTime.recordNanoseconds(DispatchTime.now().uptimeNanoseconds - startedNs)
            metrics.batchSize.record(batch.count)
        }
        emit(.commit)
        if let walSync { return walSync.submit(batch) }
        for _ in batch { emit(.resume) }
        AnswerHop.resume(batch)
    }

    /// Undoes the batch's transaction because the job at `index` failed after changing rows, answers that job with
    /// its error, and runs the other jobs again in a new transaction.
    private func runAgain(_ batch: ArraySlice<GroupCommitJob>, without index: Int, on db: SQLiteConnection) {
        rollbackIfOpen(db)
        rollbackHook?(db, true)
        emit(.resume)
        batch[index].resume()
        runBatch(batch[..<index] + batch[(index + 1)...])
    }

    /// Ends a batch whose transaction was lost at `index`: the jobs before it lost their work and fail with the
    /// storage error, the job at `index` keeps its outcome, and the jobs after it run in a new transaction.
    private func abandon(_ batch: ArraySlice<GroupCommitJob>, at index: Int, error: any Error, on db: SQLiteConnection) {
        rollbackIfOpen(db)
        rollbackHook?(db, true)
        let mapped = SQLiteTaskStore.mapError(error)
        for job in batch[..<index] where (try? job.outcome.get()) != nil {
            job.outcome = .failure(mapped)
        }
        for job in batch[...index] {
            emit(.resume)
            job.resume()
        }
        runBatch(batch[(index + 1)...])
    }

    /// Answers every job of `batch` with `error`.
    private func fail(_ batch: ArraySlice<GroupCommitJob>, with error: any Error) {
        for job in batch {
            job.outcome = .failure(error)
            emit(.resume)
            job.resume()
        }
    }

    private func rollbackIfOpen(_ db: SQLiteConnection) {
        // A failed COMMIT or some errors may already have ended the transaction, and ROLLBACK would then fail with
        // "no transaction is active"; the original error is the one worth reporting.
        guard !db.isAutocommit else { return }
        try? db.run(SQL.rollback)
        emit(.rollback)
    }

    private func emit(_ event: Event) {
        events.emit(event)
    }

    /// The test hook that events go to.
    private final class EventHook: Sendable {
        let hook = Mutex<(@Sendable (Event) -> Void)?>(nil)

        func emit(_ event: Event) {
            hook.withLock { $0 }?(event)
        }
    }
}
