import Foundation
import TaskManagerCore

/// What `taskmanager check` reports of a database file: SQLite's integrity check, the schema version, and the
/// tasks by status. Reads only; safe on a backup and on the database of a running server.
public struct DatabaseCheck: Sendable, Hashable {
    /// `PRAGMA integrity_check`'s lines; `["ok"]` for a sound file.
    public var integrity: [String]
    /// `PRAGMA user_version`: the number of schema steps applied.
    public var schemaVersion: Int64
    /// The schema version this build writes.
    public var supportedVersion: Int64
    public var taskTypes: Int64
    public var tasksByStatus: [TaskStatus: Int64]

    /// Whether the file is sound and of a schema this build can open.
    public var isHealthy: Bool {
        integrity == ["ok"] && schemaVersion <= supportedVersion && schemaVersion > 0
    }

    /// Checks the file at `path`.
    /// - Throws: FAILED_PRECONDITION when there is no file; the storage error when it is not a database.
    public static func run(_ path: String) throws -> DatabaseCheck {
        guard FileManager.default.fileExists(atPath: path) else {
            throw TaskManagerError(.failedPrecondition, "No database at \(path)")
        }
        return try SQLiteTaskStore.mapErrors {
            let connection = try SQLiteConnection(path: path, readOnly: true)
            let integrity = try connection.prepare("PRAGMA integrity_check").rows([]) { $0.string(at: 0) ?? "" }
            let version = try Migrations.userVersion(of: connection)
            var check = DatabaseCheck(
                integrity: integrity, schemaVersion: version, supportedVersion: Migrations.currentVersion, taskTypes: 0,
                tasksByStatus: [:])
            // An empty file (version 0) has no tables yet.
            guard version > 0 else { return check }
            check.taskTypes = try connection.prepare("SELECT count(*) FROM task_types").firstRow([]) { $0.int64(at: 0) } ?? 0
            let counts = try connection.prepare("SELECT status, count(*) FROM tasks GROUP BY status").rows([]) {
                ($0.string(at: 0) ?? "", $0.int64(at: 1))
            }
            for (name, count) in counts {
                if let status = TaskStatus(name: name) { check.tasksByStatus[status] = count }
            }
            return check
        }
    }
}
