import Dispatch
import Synchronization
import TaskManagerCore

#if canImport(Glibc)
import Glibc

private let closeFile = Glibc.close
private let syncData = Glibc.fdatasync
#elseif canImport(Darwin)
import Darwin

private let closeFile = Darwin.close
private let syncData = Darwin.fsync
#endif

/// Makes committed batches durable off the writer's thread, for `synchronous = FULL` without its wait.
///
/// The write connection then runs `synchronous = NORMAL`: a commit writes its WAL frames without syncing them. The
/// writer hands each committed batch here and starts the next one; this queue calls `fdatasync` on the WAL file and
/// only then answers the batch's calls. One sync covers every batch committed before it began, so a call is
/// answered only once its commit is on disk, as with `FULL`, while the writer never waits for the disk.
///
/// SQLite keeps the WAL file consistent on its own in this mode (checkpoints sync the WAL before copying it into
/// the database and sync the database before the WAL starts over), so a sync here only decides when calls are
/// answered. A reader may see a commit up to one sync before its caller is answered; a power loss in that window
/// loses it, and its caller was never told it succeeded.
///
/// A failed sync is final (`failure`): the calls it covered are answered with an error, and the writer runs no
/// further batch, since after a failed `fdatasync` the kernel may have dropped the unwritten pages and a later
/// sync that succeeds proves nothing about them. Restarting the server (SQLite's recovery of the WAL) is the way
/// back.
final class WALSync: Sendable {
    private struct State {
        var waiting: [GroupCommitJob] = []
        var isDraining = false
        var failure: TaskManagerError?
    }

    private let walPath: String
    private let queue = DispatchQueue(label: "TaskManagerStore.WALSync")
    private let state = Mutex(State())
    /// Answers jobs once their sync is done, with the sync's error if it failed; set once by the writer.
    private let answer: @Sendable (_ jobs: [GroupCommitJob], _ syncError: (any Error)?) -> Void
    /// Syncs a file descriptor; 0 on success, as `fdatasync`.
    private let syncFile: @Sendable (Int32) -> Int32
    /// Times each sync; nil records nothing.
    private let metrics = Mutex<StoreMetrics?>(nil)
    /// The WAL file, opened at the first sync; touched only on `queue`.
    nonisolated(unsafe) private var descriptor: Int32 = -1

    /// - Parameters:
    ///   - walPath: the database path followed by `-wal`.
    ///   - syncFile: `fdatasync`; tests pass one that fails.
    ///   - answer: called on this object's queue, in order, with every batch after the sync that covers it.
    init(walPath: String, syncFile: (@Sendable (Int32) -> Int32)? = nil,
         answer: @escaping @Sendable (_ jobs: [GroupCommitJob], _ syncError: (any Error)?) -> Void) {
        self.walPath = walPath
        self.syncFile = syncFile ?? { syncData($0) }
        self.answer = answer
    }

    /// Set once a sync has failed: no later commit can be trusted to be durable.
    var failure: TaskManagerError? { state.withLock { $0.failure } }

    func setMetrics(_ metrics: StoreMetrics?) {
        self.metrics.withLock { $0 = metrics }
    }

    /// Queues the jobs of a batch whose transaction has committed; they are answered after the next sync.
    func submit(_ jobs: ArraySlice<GroupCommitJob>) {
        let start = state.withLock { state -> Bool in
            state.waiting.append(contentsOf: jobs)
            guard !state.isDraining else { return false }
            state.isDraining = true
            return true
        }
        if start { queue.async { self.drain() } }
    }

    /// Waits until every submitted job is answered, then closes the file.
    func close() {
        queue.sync {
            if descriptor >= 0 { _ = closeFile(descriptor) }
            descriptor = -1
        }
    }

    /// Syncs and answers until no job waits; each turn takes every job submitted before its sync began.
    private func drain() {
        while true {
            let taken = state.withLock { state -> (jobs: [GroupCommitJob], failure: TaskManagerError?)? in
                guard !state.waiting.isEmpty else {
                    state.isDraining = false
                    return nil
                }
                defer { state.waiting.removeAll(keepingCapacity: true) }
                return (state.waiting, state.failure)
            }
            guard let taken else { return }
            // After a failed sync, a later one that succeeds proves nothing: its batches fail too.
            let error = taken.failure ?? timedSyncWAL()
            if error != nil { state.withLock { $0.failure = WALSync.failedEarlier } }
            answer(taken.jobs, error)
        }
    }

    /// `syncWAL()`, timed when there are metrics.
    private func timedSyncWAL() -> (any Error)? {
        guard let metrics = metrics.withLock({ $0 }) else { return syncWAL() }
        let startedNs = DispatchTime.now().uptimeNanoseconds
        defer { metrics.syncTime.recordNanoseconds(DispatchTime.now().uptimeNanoseconds - startedNs) }
        return syncWAL()
    }

    /// `fdatasync` of the WAL file; nil on success.
    ///
    /// Through a descriptor of our own: syncing a file flushes its data whichever descriptor names it. SQLite locks
    /// the database and `-shm` files, never the WAL, so closing this descriptor cannot drop one of its POSIX locks.
    private func syncWAL() -> (any Error)? {
        if descriptor < 0 {
            descriptor = open(walPath, O_RDWR | O_CLOEXEC)
            if descriptor < 0 { return WALSync.failed }
        }
        // "fdatasync() is similar to fsync(), but does not flush modified metadata unless that metadata is needed
        // in order to allow a subsequent data retrieval to be correctly handled": a grown file's size is flushed.
        return syncFile(descriptor) == 0 ? nil : WALSync.failed
    }

    /// The answer to calls whose commit could not be made durable: they may or may not survive a power loss.
    static let failed = TaskManagerError(.internal, "Storage error (sync failed)")

    /// The answer to every write after a failed sync.
    static let failedEarlier = TaskManagerError(.internal, "Storage error (a sync failed; restart the server)")
}
