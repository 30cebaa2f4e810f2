import Foundation
import TaskManagerCore

/// A copy of a store's database taken while the server runs and takes writes.
///
/// It is SQLite's `VACUUM INTO` on a read-only connection of its own: one read transaction, so the copy is the
/// database as of one commit (a consistent snapshot, with every write acknowledged before the backup began), and
/// WAL readers never block the server's writer. The copy is compact and self-contained (no `-wal` file).
public enum DatabaseBackup {
    /// Copies the database at `database` to the new file `target`.
    /// - Throws: FAILED_PRECONDITION when `target` exists or `database` does not; the storage error otherwise.
    public static func run(database: String, to target: String) throws {
        guard FileManager.default.fileExists(atPath: database) else {
            throw TaskManagerError(.failedPrecondition, "No database at \(database)")
        }
        guard !FileManager.default.fileExists(atPath: target) else {
            throw TaskManagerError(.failedPrecondition, "\(target) exists; backups are never written over a file")
        }
        try SQLiteTaskStore.mapErrors {
            let connection = try SQLiteConnection(path: database, readOnly: true)
            let statement = try connection.prepare("VACUUM INTO ?")
            try statement.run([target])
        }
    }
}
