import CSQLite
import Dispatch
import Synchronization

/// Copies the WAL into the database file on its own connection and queue, so that commits do not wait for it.
///
/// SQLite's automatic checkpoint runs inside the commit that takes the WAL past 1,000 pages: the writer, and every
/// call waiting for it, then waits for the copy and two syncs. Instead the write connection's WAL hook asks this
/// checkpointer for a PASSIVE checkpoint, which runs beside the next batches. The WAL only starts over once a
/// checkpoint has copied all of it, which a checkpoint running beside the writer may never do under steady load
/// (it ends after the writer has appended more); so past `Limits.writer` pages the writer runs one itself, as
/// SQLite would, short since most pages are already copied. Its cost is then mainly its two syncs, once per
/// 8,000 pages instead of SQLite's once per 1,000.
final class WALCheckpointer: Sendable {
    /// WAL sizes, in pages (4 KiB), that start checkpoints.
    struct Limits: Sendable {
        /// A background checkpoint is asked for (SQLite's automatic checkpoint default).
        var background: Int32 = 1_000
        /// The writer checkpoints in its own commit, and the WAL starts over.
        var writer: Int32 = 8_000
    }

    private let limits: Limits

    private struct State {
        var isRunning = false
        var isRequested = false
        var checkpoints = 0
    }

    private let queue = DispatchQueue(label: "TaskManagerStore.WALCheckpointer")
    private let state = Mutex(State())
    /// nil once closed; touched only on `queue`.
    nonisolated(unsafe) private var connection: SQLiteConnection?

    /// Opens a connection of its own to the database at `path`, which must exist in WAL mode.
    init(path: String, limits: Limits = Limits()) throws {
        connection = try SQLiteConnection(path: path, synchronous: .normal)
        self.limits = limits
    }

    /// Hooks `writer` so that its commits ask for checkpoints, replacing SQLite's automatic ones.
    ///
    /// A background checkpoint is asked for each time the WAL has grown by `Limits.background` pages, not after
    /// every commit past that size: each checkpoint syncs the WAL and the database, and back-to-back ones under
    /// steady load cost more in syncs than they copy.
    func attach(to writer: SQLiteConnection) {
        let limits = self.limits
        let next = NextRequest(limits.background)
        writer.setWALHook { [weak self] db, pages in
            if pages >= limits.writer {
                // Inside the commit, as SQLite's own automatic checkpoint runs; busy (this checkpointer is at work)
                // only means it is done later.
                sqlite3_wal_checkpoint_v2(db, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
            }
            // A WAL that started over is small again.
            if pages < next.pages - limits.background { next.pages = limits.background }
            if pages >= next.pages && pages < limits.writer {
                next.pages = pages + limits.background
                self?.request()
            }
        }
    }

    /// The WAL size at which the hook next asks for a background checkpoint; touched only by the hook, which runs
    /// on the writer's thread.
    private final class NextRequest {
        var pages: Int32
        init(_ pages: Int32) { self.pages = pages }
    }

    /// Asks for a checkpoint soon; requests made while one runs lead to one more run after it.
    func request() {
        let start = state.withLock { state -> Bool in
            state.isRequested = true
            guard !state.isRunning else { return false }
            state.isRunning = true
            return true
        }
        if start { queue.async { self.run() } }
    }

    /// The number of background checkpoints run so far; for tests.
    var checkpointCount: Int { state.withLock { $0.checkpoints } }

    /// Closes the connection after the checkpoint in progress, if any. Idempotent.
    func close() {
        queue.sync { connection = nil }
    }

    private func run() {
        while state.withLock({ state -> Bool in
            guard state.isRequested else {
                state.isRunning = false
                return false
            }
            state.isRequested = false
            return true
        }) {
            // A failure (busy, closed) leaves the pages in the WAL for the next checkpoint; nothing is lost.
            connection?.checkpointPassive()
            state.withLock { $0.checkpoints += 1 }
        }
    }
}
