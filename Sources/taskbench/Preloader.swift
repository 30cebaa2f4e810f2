import TaskManagerClient
import TaskManagerCore

/// Creates many tasks fast: `CreateTasks` calls of `batchSize` items, a few in flight on each connection.
enum Preloader {
    /// Calls in flight on each connection.
    static let depthPerConnection = 4
    /// Tasks per `CreateTasks` call: one store write, one commit.
    static let batchSize = 500

    /// Creates `count` tasks of `type` (or, with `count` nil, as many as fit before `deadline`) and returns how
    /// many it created. `params` gives the parameters of task number `index`.
    static func create(
        on clients: [TaskManagerClient], type: String, count: Int?, until deadline: UInt64 = .max,
        params: @escaping @Sendable (_ index: Int) -> String
    ) async throws -> Int {
        let loops = clients.count * depthPerConnection
        let total = count ?? .max
        // Loop `loop` creates the batches numbered loop, loop + loops, ...: no shared counter needed.
        return try await withThrowingTaskGroup(of: Int.self) { group in
            for loop in 0..<loops {
                let client = clients[loop % clients.count]
                group.addTask {
                    var batch = loop
                    var created = 0
                    while batch * batchSize < total, monotonicNanos() < deadline {
                        let indices = (batch * batchSize)..<min(total, (batch + 1) * batchSize)
                        let results = try await client.createTasks(
                            indices.map { CreateTaskRequest(type: type, paramsJSON: params($0)) })
                        if let failed = results.first(where: { $0.task == nil }) {
                            throw BenchError("CreateTasks item failed: \(failed.code) \(failed.message)")
                        }
                        created += results.count
                        batch += loops
                    }
                    return created
                }
            }
            return try await group.reduce(0, +)
        }
    }
}
