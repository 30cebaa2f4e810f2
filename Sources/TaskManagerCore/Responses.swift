// The response messages of `taskmanager.v1.TaskService` that are not domain values themselves
// (`GetTask` answers a `Task`, `GetTaskType` and `SetTaskTypeActive` a `TaskType`).

public struct HealthResponse: Hashable, Sendable {
    public var status = ""
    public var database = ""
    public var version = ""
    public var timeMs: Int64 = 0
    public init(status: String = "", database: String = "", version: String = "", timeMs: Int64 = 0) {
        self.status = status
        self.database = database
        self.version = version
        self.timeMs = timeMs
    }
}

public struct RegisterTaskTypeResponse: Hashable, Sendable {
    public var taskType: TaskType?
    public var created = false
    public init(taskType: TaskType? = nil, created: Bool = false) {
        self.taskType = taskType
        self.created = created
    }
}

public struct ListTaskTypesResponse: Hashable, Sendable {
    public var taskTypes: [TaskType] = []
    public init(taskTypes: [TaskType] = []) { self.taskTypes = taskTypes }
}

public struct CreateTaskResponse: Hashable, Sendable {
    public var task: Task?
    public var deduplicated = false
    public init(task: Task? = nil, deduplicated: Bool = false) {
        self.task = task
        self.deduplicated = deduplicated
    }
}

public struct ClaimTaskResponse: Hashable, Sendable {
    /// nil when no task was claimable.
    public var task: Task?
    public init(task: Task? = nil) { self.task = task }
}

public struct UpdateProgressResponse: Hashable, Sendable {
    public var id: Int64 = 0
    public var progress: Int32 = 0
    public var leaseExpiresAtMs: Int64 = 0
    public var cancelRequested = false
    public init(id: Int64 = 0, progress: Int32 = 0, leaseExpiresAtMs: Int64 = 0, cancelRequested: Bool = false) {
        self.id = id
        self.progress = progress
        self.leaseExpiresAtMs = leaseExpiresAtMs
        self.cancelRequested = cancelRequested
    }
}

public struct CompleteTaskResponse: Hashable, Sendable {
    public var task: Task?
    public init(task: Task? = nil) { self.task = task }
}

public struct FailTaskResponse: Hashable, Sendable {
    public var task: Task?
    public var retried = false
    public init(task: Task? = nil, retried: Bool = false) {
        self.task = task
        self.retried = retried
    }
}

public struct ListTasksResponse: Hashable, Sendable {
    public var tasks: [Task] = []
    public var count: Int32 = 0
    public var total: Int64 = 0
    public var limit: Int32 = 0
    public var offset: Int32 = 0
    public init(tasks: [Task] = [], count: Int32 = 0, total: Int64 = 0, limit: Int32 = 0, offset: Int32 = 0) {
        self.tasks = tasks
        self.count = count
        self.total = total
        self.limit = limit
        self.offset = offset
    }
}

public struct GetTaskHistoryResponse: Hashable, Sendable {
    public var entries: [HistoryEntry] = []
    public init(entries: [HistoryEntry] = []) { self.entries = entries }
}

public struct HeartbeatResponse: Hashable, Sendable {
    public var id: Int64 = 0
    public var leaseExpiresAtMs: Int64 = 0
    public var cancelRequested = false
    public init(id: Int64 = 0, leaseExpiresAtMs: Int64 = 0, cancelRequested: Bool = false) {
        self.id = id
        self.leaseExpiresAtMs = leaseExpiresAtMs
        self.cancelRequested = cancelRequested
    }
}

public struct CancelTaskResponse: Hashable, Sendable {
    public var task: Task?
    public init(task: Task? = nil) { self.task = task }
}

public struct CreateTasksResponse: Hashable, Sendable {
    /// One per request item, in the same order.
    public var results: [CreateTaskResult] = []
    public init(results: [CreateTaskResult] = []) { self.results = results }
}

/// The outcome of one item of CreateTasks: code OK with the task, or the error CreateTask would have returned.
public struct CreateTaskResult: Hashable, Sendable {
    public var code: StatusCode = .ok
    public var message = ""
    public var task: Task?
    public var deduplicated = false
    public init(code: StatusCode = .ok, message: String = "", task: Task? = nil, deduplicated: Bool = false) {
        self.code = code
        self.message = message
        self.task = task
        self.deduplicated = deduplicated
    }
}

public struct ClaimTasksResponse: Hashable, Sendable {
    public var tasks: [Task] = []
    public init(tasks: [Task] = []) { self.tasks = tasks }
}
