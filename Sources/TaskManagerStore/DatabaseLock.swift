#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import TaskManagerCore

/// The exclusive claim of one store on a database file: an OS lock (`flock`) on the file `FILE-lock` beside it,
/// held for as long as the store is open and released by the kernel when the process ends, however it ends.
///
/// The store keeps the state of live tasks in memory, so a second store writing the same file would make both
/// wrong; the lock makes a second server refuse to start instead. Readers (`sqlite3 -readonly`, backups through
/// SQLite's backup API) do not take it and are not stopped.
final class DatabaseLock: Sendable {
    private let descriptor: Int32

    /// Takes the lock of the database at `path`.
    ///
    /// - Throws: `TaskManagerError` `FAILED_PRECONDITION` "database FILE is in use by another server" when another
    ///   store (in this or another process) holds it; `INTERNAL` when the lock file cannot be opened.
    init(databasePath path: String) throws {
        let lockPath = path + "-lock"
        let descriptor = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw TaskManagerError(.internal, "Storage error (cannot open the lock file: errno \(errno))")
        }
        // flock locks belong to the open file description, so a second open in this process conflicts too.
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            close(descriptor)
            if code == EWOULDBLOCK {
                throw TaskManagerError(.failedPrecondition, "database \(path) is in use by another server")
            }
            throw TaskManagerError(.internal, "Storage error (cannot lock the lock file: errno \(code))")
        }
        self.descriptor = descriptor
    }

    deinit {
        // Closing the descriptor releases the lock.
        close(descriptor)
    }
}
