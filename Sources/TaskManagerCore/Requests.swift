// The request messages of `taskmanager.v1.TaskService`, one struct per proto message.
// Field meanings and zero-as-unset rules are documented in proto/taskmanager/v1/task_service.proto.

public struct HealthRequest: Hashable, Sendable {
    public init() {}
}

public struct RegisterTaskTypeRequest: Hashable, Sendable {
    public var name = ""
    public var version = ""
    public var paramSchemaJSON = ""
    public var settings = TaskTypeSettings()
    public init(name: String = "", version: String = "", paramSchemaJSON: String = "", settings: TaskTypeSettings = TaskTypeSettings()) {
        self.name = name
        self.version = version
        self.paramSchemaJSON = paramSchemaJSON
        self.settings = settings
    }
}

public struct GetTaskTypeRequest: Hashable, Sendable {
    public var name = ""
    public init(name: String = "") { self.name = name }
}

public struct ListTaskTypesRequest: Hashable, Sendable {
    public var activeOnly = false
    public init(activeOnly: Bool = false) { self.activeOnly = activeOnly }
}

public struct SetTaskTypeActiveRequest: Hashable, Sendable {
    public var name = ""
    public var active = false
    public init(name: String = "", active: Bool = false) {
        self.name = name
        self.active = active
    }
}

public struct CreateTaskRequest: Hashable, Sendable {
    public var type = ""
    public var paramsJSON = ""
    public var priority: Int32 = 0
    public var dedupeKey = ""
    public var maxAttempts: Int32 = 0
    public var runAtMs: Int64 = 0
    public var delayMs: Int64 = 0
    public var retryBackoffBaseMs: Int32 = 0
    public var retryBackoffCapMs: Int32 = 0
    public init(
        type: String = "", paramsJSON: String = "", priority: Int32 = 0, dedupeKey: String = "", maxAttempts: Int32 = 0,
        runAtMs: Int64 = 0, delayMs: Int64 = 0, retryBackoffBaseMs: Int32 = 0, retryBackoffCapMs: Int32 = 0
    ) {
        self.type = type
        self.paramsJSON = paramsJSON
        self.priority = priority
        self.dedupeKey = dedupeKey
        self.maxAttempts = maxAttempts
        self.runAtMs = runAtMs
        self.delayMs = delayMs
        self.retryBackoffBaseMs = retryBackoffBaseMs
        self.retryBackoffCapMs = retryBackoffCapMs
    }
}

public struct ClaimTaskRequest: Hashable, Sendable {
    public var workerID = ""
    public var taskTypeID: Int64 = 0
    public var typePattern = ""
    public var sortBy = ""
    public var sortOrder = ""
    /// Long poll: when nothing is claimable, wait up to this many milliseconds (at most 30 000) for a task.
    public var waitMs: UInt32 = 0
    public init(
        workerID: String = "", taskTypeID: Int64 = 0, typePattern: String = "", sortBy: String = "", sortOrder: String = "",
        waitMs: UInt32 = 0
    ) {
        self.workerID = workerID
        self.taskTypeID = taskTypeID
        self.typePattern = typePattern
        self.sortBy = sortBy
        self.sortOrder = sortOrder
        self.waitMs = waitMs
    }
}

public struct UpdateProgressRequest: Hashable, Sendable {
    public var id: Int64 = 0
    public var workerID = ""
    public var progress: Int32 = 0
    public var message = ""
    /// The attempt the claim returned; 0 = not checked.
    public var attempt: Int32 = 0
    public init(id: Int64 = 0, workerID: String = "", progress: Int32 = 0, message: String = "", attempt: Int32 = 0) {
        self.id = id
        self.workerID = workerID
        self.progress = progress
        self.message = message
        self.attempt = attempt
    }
}

public struct CompleteTaskRequest: Hashable, Sendable {
    public var id: Int64 = 0
    public var workerID = ""
    public var resultJSON = ""
    /// The attempt the claim returned; 0 = not checked.
    public var attempt: Int32 = 0
    public init(id: Int64 = 0, workerID: String = "", resultJSON: String = "", attempt: Int32 = 0) {
        self.id = id
        self.workerID = workerID
        self.resultJSON = resultJSON
        self.attempt = attempt
    }
}

public struct FailTaskRequest: Hashable, Sendable {
    public var id: Int64 = 0
    public var workerID = ""
    public var error = ""
    /// The attempt the claim returned; 0 = not checked.
    public var attempt: Int32 = 0
    public init(id: Int64 = 0, workerID: String = "", error: String = "", attempt: Int32 = 0) {
        self.id = id
        self.workerID = workerID
        self.error = error
        self.attempt = attempt
    }
}

public struct GetTaskRequest: Hashable, Sendable {
    public var id: Int64 = 0
    public init(id: Int64 = 0) { self.id = id }
}

public struct ListTasksRequest: Hashable, Sendable {
    public var status: TaskStatus = .unspecified
    public var type = ""
    public var claimedBy = ""
    public var limit: Int32 = 0
    public var offset: Int32 = 0
    public var stalledOnly = false
    public init(
        status: TaskStatus = .unspecified, type: String = "", claimedBy: String = "", limit: Int32 = 0, offset: Int32 = 0,
        stalledOnly: Bool = false
    ) {
        self.status = status
        self.type = type
        self.claimedBy = claimedBy
        self.limit = limit
        self.offset = offset
        self.stalledOnly = stalledOnly
    }
}

public struct GetTaskHistoryRequest: Hashable, Sendable {
    public var taskID: Int64 = 0
    public init(taskID: Int64 = 0) { self.taskID = taskID }
}

public struct HeartbeatRequest: Hashable, Sendable {
    public var id: Int64 = 0
    public var workerID = ""
    /// The attempt the claim returned; 0 = not checked.
    public var attempt: Int32 = 0
    public init(id: Int64 = 0, workerID: String = "", attempt: Int32 = 0) {
        self.id = id
        self.workerID = workerID
        self.attempt = attempt
    }
}

public struct CancelTaskRequest: Hashable, Sendable {
    public var id: Int64 = 0
    public var reason = ""
    public init(id: Int64 = 0, reason: String = "") {
        self.id = id
        self.reason = reason
    }
}

public struct WatchTaskRequest: Hashable, Sendable {
    public var id: Int64 = 0
    /// Replay history entries after this id (0 = all of them).
    public var afterHistoryID: Int64 = 0
    public init(id: Int64 = 0, afterHistoryID: Int64 = 0) {
        self.id = id
        self.afterHistoryID = afterHistoryID
    }
}

public struct WatchTasksRequest: Hashable, Sendable {
    /// Exact type name, or SQL LIKE when it contains `%`; "" = all types.
    public var type = ""
    /// 0 = only events from now on; otherwise replay history entries after this id first.
    public var afterHistoryID: Int64 = 0
    public init(type: String = "", afterHistoryID: Int64 = 0) {
        self.type = type
        self.afterHistoryID = afterHistoryID
    }
}

public struct GetStatsRequest: Hashable, Sendable {
    /// "Slow" = claimed longer than this with progress below 100; 0 = 5 minutes.
    public var slowAfterMinutes: Int32 = 0
    public init(slowAfterMinutes: Int32 = 0) { self.slowAfterMinutes = slowAfterMinutes }
}

public struct CreateTasksRequest: Hashable, Sendable {
    /// 1 to 1000 items.
    public var tasks: [CreateTaskRequest] = []
    public init(tasks: [CreateTaskRequest] = []) { self.tasks = tasks }
}

public struct ClaimTasksRequest: Hashable, Sendable {
    public var claim = ClaimTaskRequest()
    /// 1 to 100.
    public var max: Int32 = 0
    public init(claim: ClaimTaskRequest = ClaimTaskRequest(), max: Int32 = 0) {
        self.claim = claim
        self.max = max
    }
}
