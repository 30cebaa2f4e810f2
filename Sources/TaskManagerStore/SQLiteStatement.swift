import CSQLite

// SQLite copies the bytes before bind returns ("If the fifth argument has the value SQLITE_TRANSIENT, then SQLite
// makes its own private copy of the data immediately"), which Swift's temporary C string pointers require.
// The C macro is `((sqlite3_destructor_type)-1)`, which Swift cannot import, so it is rebuilt here.
private var SQLITE_TRANSIENT: sqlite3_destructor_type { unsafeBitCast(-1, to: sqlite3_destructor_type.self) }

/// A prepared statement; the only owner of its `sqlite3_stmt`, finalized in `deinit`.
///
/// Not thread-safe: used only by the connection that prepared it, on that connection's queue.
final class SQLiteStatement {
    private let handle: OpaquePointer
    /// The connection's handle, for error messages; the connection outlives its cached statements.
    private let db: OpaquePointer

    /// Prepares `sql` (one statement) on `db`.
    init(db: OpaquePointer, sql: String, persistent: Bool) throws {
        var statement: OpaquePointer?
        let flags = persistent ? UInt32(SQLITE_PREPARE_PERSISTENT) : 0
        let rc = sqlite3_prepare_v3(db, sql, -1, flags, &statement, nil)
        guard rc == SQLITE_OK, let statement else {
            // On error *ppStmt is set to NULL, but finalizing NULL is a harmless no-op.
            sqlite3_finalize(statement)
            throw SQLiteError(code: rc, db: db)
        }
        self.handle = statement
        self.db = db
    }

    deinit {
        // The return code repeats the last step's error, which was already reported.
        sqlite3_finalize(handle)
    }

    // MARK: - Binding

    /// Binds a 64-bit integer to the 1-based parameter `index`.
    func bind(_ value: Int64, at index: Int32) throws {
        try check(sqlite3_bind_int64(handle, index, value))
    }

    /// Binds a 32-bit integer to the 1-based parameter `index`.
    func bind(_ value: Int32, at index: Int32) throws {
        try check(sqlite3_bind_int(handle, index, value))
    }

    /// Binds a Boolean as 0 or 1 to the 1-based parameter `index`.
    func bind(_ value: Bool, at index: Int32) throws {
        try check(sqlite3_bind_int(handle, index, value ? 1 : 0))
    }

    /// Binds a floating-point value to the 1-based parameter `index`.
    func bind(_ value: Double, at index: Int32) throws {
        try check(sqlite3_bind_double(handle, index, value))
    }

    /// Binds UTF-8 text to the 1-based parameter `index`; SQLite copies it.
    func bind(_ value: String, at index: Int32) throws {
        let length = sqlite3_uint64(value.utf8.count)
        try check(value.withCString {
            sqlite3_bind_text64(handle, index, $0, length, SQLITE_TRANSIENT, UInt8(SQLITE_UTF8))
        })
    }

    /// Binds SQL NULL to the 1-based parameter `index`.
    func bindNull(at index: Int32) throws {
        try check(sqlite3_bind_null(handle, index))
    }

    /// Binds `values` to parameters 1, 2, …; a nil element binds NULL.
    func bind(_ values: [(any SQLiteBindable)?]) throws {
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            if let value {
                try value.bind(to: self, at: index)
            } else {
                try bindNull(at: index)
            }
        }
    }

    // MARK: - Running

    /// Advances to the next row: true when a row is available, false when the statement is done.
    func step() throws -> Bool {
        let rc = sqlite3_step(handle)
        switch rc {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw SQLiteError(code: rc, db: db)
        }
    }

    /// Returns the statement to its initial state and unbinds every parameter, ready for reuse.
    func reset() {
        // sqlite3_reset returns the error of the last step, which step() already threw.
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    /// Runs the statement to completion with `values` bound, ignoring any rows, then resets it.
    func run(_ values: [(any SQLiteBindable)?] = []) throws {
        defer { reset() }
        try bind(values)
        while try step() {}
    }

    /// Runs the statement with `values` bound and reads every row with `read`, then resets it.
    func rows<T>(_ values: [(any SQLiteBindable)?] = [], _ read: (SQLiteStatement) throws -> T) throws -> [T] {
        defer { reset() }
        try bind(values)
        var result: [T] = []
        while try step() {
            result.append(try read(self))
        }
        return result
    }

    /// Runs the statement with `values` bound and reads its first row with `read` (nil when none), then resets it.
    func firstRow<T>(_ values: [(any SQLiteBindable)?] = [], _ read: (SQLiteStatement) throws -> T) throws -> T? {
        defer { reset() }
        try bind(values)
        return try step() ? read(self) : nil
    }

    // MARK: - Columns of the current row (0-based)

    /// Whether column `index` of the current row is NULL.
    func isNull(at index: Int32) -> Bool {
        sqlite3_column_type(handle, index) == SQLITE_NULL
    }

    /// Column `index` as a 64-bit integer; NULL reads as 0.
    func int64(at index: Int32) -> Int64 {
        sqlite3_column_int64(handle, index)
    }

    /// Column `index` as a 32-bit integer; NULL reads as 0.
    func int32(at index: Int32) -> Int32 {
        sqlite3_column_int(handle, index)
    }

    /// Column `index` as a floating-point value, or nil when NULL.
    func double(at index: Int32) -> Double? {
        isNull(at: index) ? nil : sqlite3_column_double(handle, index)
    }

    /// Column `index` as a Boolean (non-zero is true); NULL reads as false.
    func bool(at index: Int32) -> Bool {
        sqlite3_column_int64(handle, index) != 0
    }

    /// Column `index` as UTF-8 text, or nil when NULL.
    func string(at index: Int32) -> String? {
        // "call sqlite3_column_text() first to force the result into the desired format,
        // then invoke sqlite3_column_bytes() to find the size of the result".
        guard let text = sqlite3_column_text(handle, index) else { return nil }
        let count = Int(sqlite3_column_bytes(handle, index))
        return String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self)
    }

    private func check(_ rc: Int32) throws {
        guard rc == SQLITE_OK else { throw SQLiteError(code: rc, db: db) }
    }
}
