import Dispatch

/// One read-only connection on its own serial queue; reads on different readers run in parallel.
// @unchecked: `connection` is touched only on `queue`.
final class SQLiteReader: @unchecked Sendable {
    private let queue: DispatchQueue
    /// nil once closed.
    private var connection: SQLiteConnection?

    /// Opens `path` read-only; the file must already exist with its schema migrated.
    init(path: String, label: String) throws {
        connection = try SQLiteConnection(path: path, readOnly: true)
        queue = DispatchQueue(label: label)
    }

    /// Runs `body` on this reader's queue inside one deferred transaction, so all its reads see one snapshot.
    func read<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result {
                    guard let connection = self.connection else { throw SQLiteTaskStore.closed }
                    return try SQLiteTaskStore.mapErrors { try connection.inTransaction(.deferred) { try body(connection) } }
                })
            }
        }
    }

    /// Closes the connection after the reads already queued; later reads throw `UNAVAILABLE`. Idempotent.
    func close() {
        queue.sync { connection = nil }
    }
}
