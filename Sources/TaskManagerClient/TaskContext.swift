import TaskManagerCore

/// What a task handler gets: the claimed task, its parameters, a way to report progress, and what the worker
/// learned about the claim meanwhile (`claim`: a cancel request, a lost lease).
public struct TaskContext: Sendable {
    /// The task as claimed (status claimed, `attempts` already counting this attempt).
    public let task: Task
    /// The task's parameters, parsed from `task.paramsJSON` (an empty object when it was empty).
    public let params: JSONValue
    /// Reports this task's progress; throttled, and never throws.
    public let progress: ProgressReporter
    /// The worker that holds the claim.
    public let workerID: String
    /// A cancel request or a lost lease, as the worker's heartbeats and progress reports learn of them.
    public let claim: ClaimState

    public init(task: Task, params: JSONValue, progress: ProgressReporter, workerID: String, claim: ClaimState = ClaimState()) {
        self.task = task
        self.params = params
        self.progress = progress
        self.workerID = workerID
        self.claim = claim
    }

    /// The parameter `name` when the parameters are an object that has it.
    public subscript(param name: String) -> JSONValue? {
        guard case .object(let members) = params else { return nil }
        return members[name]
    }
}
