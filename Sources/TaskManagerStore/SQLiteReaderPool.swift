import Synchronization

/// The read-only connections of a store.
///
/// A lookup runs at once on the caller's thread on the first free connection; other reads, and lookups that find
/// every connection busy, queue on the reader with the fewest reads in flight.
final class SQLiteReaderPool: Sendable {
    private let readers: [SQLiteReader]
    /// Reads queued or running on each reader's queue.
    private let queued: Mutex<[Int]>

    /// Opens `count` read-only connections to `path`.
    init(path: String, count: Int) throws {
        readers = try (0..<count).map { try SQLiteReader(path: path, label: "TaskManagerStore.SQLiteReader.\($0)") }
        queued = Mutex(Array(repeating: 0, count: count))
    }

    /// Whether the pool has no connections (reads must then go elsewhere).
    var isEmpty: Bool { readers.isEmpty }

    /// Runs the one-statement read `body` on the caller's thread when a connection is free, else queues it like
    /// `read`.
    func lookup<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        if let value = try lookupNow(body) { return value }
        return try await read(body)
    }

    /// Runs the one-statement read `body` on the caller's thread when a connection is free; nil when none is.
    func lookupNow<T: Sendable>(_ body: (SQLiteConnection) throws -> T) throws -> T? {
        for reader in readers {
            if let value = try reader.readIfIdle(body) { return value }
        }
        return nil
    }

    /// Runs `body` in one read transaction on the reader with the fewest queued reads.
    func read<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        let index = queued.withLock { queued -> Int in
            // Non-empty: the store sends reads here only when `isEmpty` is false.
            let index = queued.indices.min { queued[$0] < queued[$1] }!
            queued[index] += 1
            return index
        }
        defer { queued.withLock { $0[index] -= 1 } }
        return try await readers[index].read(body)
    }

    /// Closes every reader after the read in progress on it.
    func close() {
        for reader in readers { reader.close() }
    }
}
