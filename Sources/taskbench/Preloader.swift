import TaskManagerClient
import TaskManagerCore

/// Creates many tasks fast: many `CreateTask` calls in flight on each connection.
enum Preloader {
    /// Calls in flight on each connection.
    static let depthPerConnection = 64

    /// Creates `count` tasks of `type` (or, with `count` nil, as many as fit before `deadline`) and returns how
    /// many it created. `params` gives the parameters of task number `index`.
    static func create(
        on clients: [TaskManagerClient], type: String, count: Int?, until deadline: UInt64 = .max,
        params: @escaping @Sendable (_ index: Int) -> String
    ) async throws -> Int {
        let loops = clients.count * depthPerConnection
        // Loop `loop` creates the tasks numbered loop, loop + loops, ...: no shared counter needed.
        return try await withThrowingTaskGroup(of: Int.self) { group in
            for loop in 0..<loops {
                let client = clients[loop % clients.count]
                group.addTask {
                    var index = loop
                    var created = 0
                    while index < (count ?? .max), monotonicNanos() < deadline {
                        _ = try await client.createTask(CreateTaskRequest(type: type, paramsJSON: params(index)))
                        created += 1
                        index += loops
                    }
                    return created
                }
            }
            return try await group.reduce(0, +)
        }
    }
}
