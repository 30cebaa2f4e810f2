import CSQLite
import CSQLiteWALBuffer
import Synchronization

/// One open SQLite database file; the only owner of its `sqlite3` handle, closed in `deinit`.
///
/// Opened with `SQLITE_OPEN_NOMUTEX`, so it must be used from one thread at a time:
/// `GroupCommitWriter` and `SQLiteReader` each confine theirs to a serial queue.
final class SQLiteConnection {
    private let db: OpaquePointer
    /// Statements prepared once per SQL text and reused; finalized before the handle is closed.
    private var statementCache: [String: SQLiteStatement] = [:]
    /// The statements of `SQL` constants, by slot; finalized before the handle is closed.
    private var slots: [SQLiteStatement?] = []
    /// The closure `sqlite3_wal_hook` calls, kept alive as long as the handle.
    private var walHook: WALHook?

    /// Opens (creating if needed) the database at `path` and configures it for the store:
    /// WAL journal, foreign keys on, `synchronous` as given, and a 5 s busy timeout.
    ///
    /// With `readOnly`, the file must exist and already be in WAL mode (the journal mode is kept in the file);
    /// only the busy timeout is set.
    init(path: String, synchronous: SQLiteTaskStore.Synchronous = .full, readOnly: Bool = false) throws {
        var handle: OpaquePointer?
        let mode = readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
        let flags = mode | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &handle, flags, Self.vfsName)
        guard rc == SQLITE_OK, let handle else {
            // "Whether or not an error occurs when it is opened, resources associated with the database connection
            // handle should be released by passing it to sqlite3_close() when it is no longer required."
            let error = SQLiteError(code: rc, db: handle)
            sqlite3_close_v2(handle)
            throw error
        }
        db = handle
        // Fully initialised from here on: a throw below releases self, and deinit closes the handle.
        sqlite3_extended_result_codes(db, 1)
        try execute("PRAGMA busy_timeout = 5000")
        // SQLite's default page cache is 2 MB; with a large queue the indexes' hot pages (the claim index, the
        // random-keyed dedupe index) no longer fit and every call reads pages back from the OS.
        try execute("PRAGMA cache_size = -\(readOnly ? 16_384 : 65_536)")
        guard !readOnly else { return }
        try execute("PRAGMA journal_mode = WAL")
        try execute("PRAGMA foreign_keys = ON")
        try execute("PRAGMA synchronous = \(synchronous.rawValue)")
    }

    /// The VFS every connection opens with: SQLite's default, with a transaction's WAL frames written in one
    /// write (`tm_wal_buffer_vfs.c`); SQLite's default itself if it cannot be registered.
    private static let vfsName: String? = {
        tm_wal_buffer_vfs_register() == SQLITE_OK ? String(cString: tm_wal_buffer_vfs_name) : nil
    }()

    /// Write calls made to WAL files by this process so far; for tests.
    static var walWriteCount: Int { Int(tm_wal_buffer_vfs_wal_writes()) }

    deinit {
        statementCache.removeAll()
        slots.removeAll()
        // close_v2 turns the handle into a zombie, freed later, if a statement is somehow still alive.
        sqlite3_close_v2(db)
    }

    /// Runs one or more SQL statements that take no parameters, ignoring any rows.
    func execute(_ sql: String) throws {
        let rc = sqlite3_exec(db, sql, nil, nil, nil)
        guard rc == SQLITE_OK else { throw SQLiteError(code: rc, db: db) }
    }

    /// Runs one parameterless statement through the statement cache: for the transaction statements
    /// (`BEGIN`, `COMMIT`, `SAVEPOINT`, ...) that every call runs, so that they are parsed once, not per call.
    func run(_ sql: String) throws {
        try prepare(sql).run()
    }

    /// Runs one parameterless `SQL` constant (`BEGIN IMMEDIATE`, `COMMIT`, ...).
    func run(_ sql: SQL) throws {
        try prepare(sql).run()
    }

    /// The prepared statement of the constant `sql`, prepared on first use and kept in its slot; reset.
    func prepare(_ sql: SQL) throws -> SQLiteStatement {
        if sql.slot < slots.count, let prepared = slots[sql.slot] {
            prepared.reset()
            return prepared
        }
        let statement = try SQLiteStatement(db: db, sql: sql.text, persistent: true)
        if sql.slot >= slots.count { slots.append(contentsOf: repeatElement(nil, count: sql.slot + 1 - slots.count)) }
        slots[sql.slot] = statement
        return statement
    }

    #if DEBUG
    /// Statements looked up by their text, by every connection: tests check that the hot paths use none.
    static let textLookups = Atomic<Int>(0)
    #endif

    /// The prepared statement for `sql`, prepared on first use and cached by its text; reset and unbound.
    func prepare(_ sql: String) throws -> SQLiteStatement {
        #if DEBUG
        Self.textLookups.add(1, ordering: .relaxed)
        #endif
        if let cached = statementCache[sql] {
            cached.reset()
            return cached
        }
        let statement = try SQLiteStatement(db: db, sql: sql, persistent: true)
        statementCache[sql] = statement
        return statement
    }

    /// Calls `hook` after every commit with the handle and the number of pages in the WAL, instead of SQLite's
    /// automatic checkpoint (which is such a hook). The hook runs inside the commit, on this connection's thread.
    func setWALHook(_ hook: @escaping (OpaquePointer, Int32) -> Void) {
        let box = WALHook(hook)
        walHook = box
        sqlite3_wal_hook(db, { context, db, _, pages in
            guard let context, let db else { return SQLITE_OK }
            Unmanaged<WALHook>.fromOpaque(context).takeUnretainedValue().body(db, pages)
            return SQLITE_OK
        }, Unmanaged.passUnretained(box).toOpaque())
    }

    /// Copies as much of the WAL into the database as readers and writers allow, without waiting for them.
    func checkpointPassive() {
        sqlite3_wal_checkpoint_v2(db, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
    }

    /// The number of rows changed by the last INSERT, UPDATE or DELETE.
    var changes: Int64 {
        Int64(sqlite3_changes64(db))
    }

    /// The rows changed by every INSERT, UPDATE and DELETE since the connection opened.
    var totalChanges: Int64 {
        sqlite3_total_changes64(db)
    }

    /// The rowid of the last successful INSERT on this connection.
    var lastInsertRowID: Int64 {
        sqlite3_last_insert_rowid(db)
    }

    /// Whether no transaction is open.
    var isAutocommit: Bool {
        sqlite3_get_autocommit(db) != 0
    }
}

/// A WAL hook's closure, boxed for the C callback's context pointer.
private final class WALHook {
    let body: (OpaquePointer, Int32) -> Void
    init(_ body: @escaping (OpaquePointer, Int32) -> Void) { self.body = body }
}
