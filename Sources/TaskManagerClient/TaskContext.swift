import TaskManagerCore

/// What a task handler gets: the claimed task, its parameters and a way to report progress.
public struct TaskContext: Sendable {
    /// The task as claimed (status claimed, `attempts` already counting this attempt).
    public let task: Task
    /// The task's parameters, parsed from `task.paramsJSON` (an empty object when it was empty).
    public let params: JSONValue
    /// Reports this task's progress; throttled, and never throws.
    public let progress: ProgressReporter
    /// The worker that holds the claim.
    public let workerID: String

    public init(task: Task, params: JSONValue, progress: ProgressReporter, workerID: String) {
        self.task = task
        self.params = params
        self.progress = progress
        self.workerID = workerID
    }

    /// The parameter `name` when the parameters are an object that has it.
    public subscript(param name: String) -> JSONValue? {
        guard case .object(let members) = params else { return nil }
        return members[name]
    }
}
