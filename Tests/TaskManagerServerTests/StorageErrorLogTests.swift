import TaskManagerCore
import XCTest

@testable import TaskManagerStore

/// A storage failure is logged for the operator with SQLite's message, and reaches the client without it.
final class StorageErrorLogTests: ServerTestCase {
    func testAStorageErrorIsLoggedWithTheSQLiteMessageAndTheMethodButNoRequestData() async throws {
        let logs = LogCapture()
        try await startServer(logger: logs.logger(level: .info))
        try await registerType()
        // From outside the server, as an operator's mistake or a damaged schema would: every new task fails.
        let outside = try SQLiteConnection(path: databasePath)
        try outside.execute(
            "CREATE TRIGGER refuse_tasks BEFORE INSERT ON tasks BEGIN SELECT RAISE(ABORT, 'refused by the test trigger'); END")

        let secret = "secret-parameter-value"
        do {
            _ = try await createTask(params: #"{"token":"\#(secret)"}"#)
            XCTFail("expected a storage error")
        } catch let error as TaskManagerError {
            XCTAssertEqual(error.code, .internal)
            XCTAssertTrue(error.message.hasPrefix("Storage error (SQLite code "), error.message)
            XCTAssertFalse(error.message.contains("refused by the test trigger"), "SQLite's message stays in the log")
        }

        let log = logs.text
        let line = log.split(separator: "\n").first { $0.contains("refused by the test trigger") }
        XCTAssertNotNil(line, "the SQLite message is logged:\n\(log)")
        XCTAssertTrue(line?.hasPrefix("ERROR ") ?? false, "at error level: \(line ?? "")")
        XCTAssertTrue(line?.contains("CreateTask") ?? false, "with the method: \(line ?? "")")
        XCTAssertFalse(log.contains(secret), "never with the request's data:\n\(log)")

        // The server goes on: once the cause is gone, the same call succeeds.
        try outside.execute("DROP TRIGGER refuse_tasks")
        let task = try await createTask(params: #"{"token":"\#(secret)"}"#)
        XCTAssertEqual(task.status, .pending)
    }
}
