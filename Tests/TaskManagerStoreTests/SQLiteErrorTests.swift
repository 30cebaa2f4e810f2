import TaskManagerCore
import XCTest

@testable import TaskManagerStore

final class SQLiteErrorTests: XCTestCase {
    func testBusyAndLockedMapToUnavailable() {
        let busy = TaskManagerError(.unavailable, "Database is busy")
        XCTAssertEqual(SQLiteError(code: 5, message: "database is locked").taskManagerError, busy)
        XCTAssertEqual(SQLiteError(code: 6, message: "database table is locked").taskManagerError, busy)
        // SQLITE_BUSY_SNAPSHOT, an extended code of SQLITE_BUSY.
        XCTAssertEqual(SQLiteError(code: 517, message: "x").taskManagerError, busy)
    }

    func testOtherCodesMapToInternalWithoutTheSQLiteMessage() {
        let error = SQLiteError(code: 2067, message: "UNIQUE constraint failed: tasks.dedupe_key").taskManagerError
        XCTAssertEqual(error, TaskManagerError(.internal, "Storage error (SQLite code 2067)"))
    }
}
