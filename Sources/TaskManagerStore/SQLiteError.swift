import CSQLite
import TaskManagerCore

/// A failed SQLite call: the result code and SQLite's own message.
///
/// Internal on purpose: the message may quote SQL or names, so it never leaves the module.
/// The store turns it into a `TaskManagerError` with `taskManagerError`.
struct SQLiteError: Error, CustomStringConvertible {
    /// The (extended) result code, for example `SQLITE_BUSY` or `SQLITE_CONSTRAINT_UNIQUE`.
    var code: Int32
    /// `sqlite3_errmsg` at the time of the failure, or a description of the misuse.
    var message: String

    init(code: Int32, message: String) {
        self.code = code
        self.message = message
    }

    /// Reads the code and message of the last failure on `db`.
    init(code: Int32, db: OpaquePointer?) {
        self.code = code
        self.message = db.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) } ?? String(cString: sqlite3_errstr(code))
    }

    /// The primary result code: the low byte of the extended code.
    var primaryCode: Int32 { code & 0xFF }

    var description: String { "SQLite error \(code): \(message)" }

    /// The error clients see: busy and locked are retryable (`UNAVAILABLE`), a full disk is `RESOURCE_EXHAUSTED`
    /// (writes work again once space is freed), anything else is `INTERNAL`.
    /// Neither message carries the SQLite message, which may quote SQL or names; it stays in `cause`, which the
    /// server logs and never sends. (Values are always bound as parameters, so SQLite's messages hold none.)
    var taskManagerError: TaskManagerError {
        switch primaryCode {
        case SQLITE_BUSY, SQLITE_LOCKED:
            return TaskManagerError(.unavailable, "Database is busy", cause: self)
        case SQLITE_FULL:
            return TaskManagerError(.resourceExhausted, "Storage full", cause: self)
        default:
            return TaskManagerError(.internal, "Storage error (SQLite code \(code))", cause: self)
        }
    }
}
