import Dispatch

/// The read-only connections of a store; each read goes to the reader with the fewest reads in flight.
// @unchecked: `inFlight` is touched only on `state`; `readers` is never mutated.
final class SQLiteReaderPool: @unchecked Sendable {
    private let readers: [SQLiteReader]
    private let state = DispatchQueue(label: "TaskManagerStore.SQLiteReaderPool")
    /// Reads queued or running on each reader.
    private var inFlight: [Int]

    /// Opens `count` read-only connections to `path`.
    init(path: String, count: Int) throws {
        readers = try (0..<count).map { try SQLiteReader(path: path, label: "TaskManagerStore.SQLiteReader.\($0)") }
        inFlight = Array(repeating: 0, count: count)
    }

    /// Whether the pool has no connections (reads must then go elsewhere).
    var isEmpty: Bool { readers.isEmpty }

    /// Runs `body` in one read transaction on the least busy reader.
    func read<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        let index = state.sync { () -> Int in
            // Non-empty: the store sends reads here only when `isEmpty` is false.
            let index = inFlight.indices.min { inFlight[$0] < inFlight[$1] }!
            inFlight[index] += 1
            return index
        }
        defer { state.sync { inFlight[index] -= 1 } }
        return try await readers[index].read(body)
    }

    /// Closes every reader after the reads already queued on it.
    func close() {
        for reader in readers { reader.close() }
    }
}
