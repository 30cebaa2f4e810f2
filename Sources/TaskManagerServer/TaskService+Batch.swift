import TaskManagerCore

extension TaskService {
    static let maxCreateBatch = 1000
    static let maxClaimBatch: Int32 = 100

    /// Runs CreateTask for every item, in order; each item succeeds or fails on its own.
    func createTasks(_ request: CreateTasksRequest, _ context: CallContext) async throws -> CreateTasksResponse {
        guard (1...Self.maxCreateBatch).contains(request.tasks.count) else {
            throw TaskManagerError(.invalidArgument, "tasks must hold 1 to \(Self.maxCreateBatch) items")
        }
        var results: [CreateTaskResult] = []
        results.reserveCapacity(request.tasks.count)
        for item in request.tasks {
            do {
                let created = try await createTask(item, context)
                results.append(CreateTaskResult(task: created.task, deduplicated: created.deduplicated))
            } catch let error as TaskManagerError {
                results.append(CreateTaskResult(code: error.code, message: error.message))
            }
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
