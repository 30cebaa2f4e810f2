import Dispatch
import Synchronization

/// One read-only connection, used by one thread at a time: a read either runs at once on the caller's thread
/// when the connection is free (`readIfIdle`), or waits its turn on the reader's serial queue (`read`).
final class SQLiteReader: Sendable {
    private let queue: DispatchQueue
    /// Held for the whole of each read, and to close.
    private let lock = Mutex(())
    /// nil once closed; touched only under `lock`.
    nonisolated(unsafe) private var connection: SQLiteConnection?

    /// Opens `path` read-only; the file must already exist with its schema migrated.
    init(path: String, label: String) throws {
        connection = try SQLiteConnection(path: path, readOnly: true)
        queue = DispatchQueue(label: label)
    }

    /// Runs the one-statement read `body` now, on this thread, when no other read holds the connection; nil
    /// when one does.
    ///
    /// For short reads (a lookup by key): the caller's thread, often an event loop, is blocked while it runs,
    /// and in exchange the read costs no thread switch. No explicit transaction: one statement is its own snapshot.
    /// (A WAL reader waits only while another process holds the file exclusively, up to the busy timeout.)
    func readIfIdle<T: Sendable>(_ body: (SQLiteConnection) throws -> T) throws -> T? {
        try lock.withLockIfAvailable { _ throws -> T in
            guard let connection else { throw SQLiteTaskStore.closed }
            return try SQLiteTaskStore.mapErrors { try body(connection) }
        }
    }

    /// Runs `body` on this reader's queue, after the reads before it.
    func read<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result {
                    try self.lock.withLock { _ throws -> T in try Self.run(body, on: self.connection) }
                })
            }
        }
    }

    /// Closes the connection after the read in progress, if any; later reads throw `UNAVAILABLE`. Idempotent.
    func close() {
        lock.withLock { _ in connection = nil }
    }

    /// Runs `body` in one deferred transaction, so all its reads see one snapshot.
    private static func run<T>(_ body: (SQLiteConnection) throws -> T, on connection: SQLiteConnection?) throws -> T {
        guard let connection else { throw SQLiteTaskStore.closed }
        return try SQLiteTaskStore.mapErrors { try connection.inTransaction(.deferred) { try body(connection) } }
    }
}
