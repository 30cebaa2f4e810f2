import TaskManagerCore
import TaskManagerStore

extension TaskService {
    static let maxCreateBatch = 1000
    static let maxClaimBatch: Int32 = 100

    /// Runs CreateTask for every item, in order, in one store write (one commit); each item succeeds or fails on
    /// its own.
    func createTasks(_ request: CreateTasksRequest, _ context: CallContext) async throws -> CreateTasksResponse {
        guard (1...Self.maxCreateBatch).contains(request.tasks.count) else {
            throw TaskManagerError(.invalidArgument, "tasks must hold 1 to \(Self.maxCreateBatch) items")
        }
        var checked: [Result<NewTask, TaskManagerError>] = []
        checked.reserveCapacity(request.tasks.count)
        for item in request.tasks {
            do {
                let new: NewTask = try await newTask(item, context)
                checked.append(.success(new))
            } catch let error as TaskManagerError {
                checked.append(.failure(error))
            }
        }
        let valid = checked.compactMap { try? $0.get() }
        let outcomes = valid.isEmpty ? [] : try await store.createTasks(valid)
        // One outcome per valid item, in order.
        var next = outcomes.makeIterator()
        let results = checked.map { item -> CreateTaskResult in
            switch item.flatMap({ _ in next.next()! }) {
            case .success(let outcome): return CreateTaskResult(task: outcome.task, deduplicated: outcome.deduplicated)
            case .failure(let error): return CreateTaskResult(code: error.code, message: error.message)
            }
        }
        if results.contains(where: { $0.task != nil && !$0.deduplicated }) {
            claimNotifier.notify()
            historyNotifier.notify()
        }
        return CreateTasksResponse(results: results)
    }

    /// Claims up to `max` tasks for one worker; only the first claim waits (`wait_ms`) when none is claimable.
    func claimTasks(_ request: ClaimTasksRequest, _ context: CallContext) async throws -> ClaimTasksResponse {
        guard (1...Self.maxClaimBatch).contains(request.max) else {
            throw TaskManagerError(.invalidArgument, "max must be between 1 and \(Self.maxClaimBatch)")
        }
        var claim = request.claim
        var tasks: [Task] = []
        while tasks.count < Int(request.max), let task = try await claimTask(claim, context).task {
            tasks.append(task)
            claim.waitMs = 0
        }
        return ClaimTasksResponse(tasks: tasks)
    }
}
