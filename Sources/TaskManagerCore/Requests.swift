// The request messages of `taskmanager.v1.TaskService`, one struct per proto message.
// Field meanings and zero-as-unset rules are documented in proto/taskmanager/v1/task_service.proto.

public struct HealthRequest: Hashable, Sendable {
    public init() {}
}

public struct RegisterTaskTypeRequest: Hashable, Sendable {
    public var name = ""
    public var version = ""
    public var paramSchemaJSON = ""
    public init(name: String = "", version: String = "", paramSchemaJSON: String = "") {
        self.name = name
        self.version = version
        self.paramSchemaJSON = paramSchemaJSON
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
    public init(type: String = "", paramsJSON: String = "", priority: Int32 = 0, dedupeKey: String = "", maxAttempts: Int32 = 0) {
        self.type = type
        self.paramsJSON = paramsJSON
        self.priority = priority
        self.dedupeKey = dedupeKey
        self.maxAttempts = maxAttempts
    }
}

public struct ClaimTaskRequest: Hashable, Sendable {
    public var workerID = ""
    public var taskTypeID: Int64 = 0
    public var typePattern = ""
    public var sortBy = ""
    public var sortOrder = ""
    public init(workerID: String = "", taskTypeID: Int64 = 0, typePattern: String = "", sortBy: String = "", sortOrder: String = "") {
        self.workerID = workerID
        self.taskTypeID = taskTypeID
        self.typePattern = typePattern
        self.sortBy = sortBy
        self.sortOrder = sortOrder
    }
}

public struct UpdateProgressRequest: Hashable, Sendable {
    public var id: Int64 = 0
    public var workerID = ""
    public var progress: Int32 = 0
    public var message = ""
    public init(id: Int64 = 0, workerID: String = "", progress: Int32 = 0, message: String = "") {
        self.id = id
        self.workerID = workerID
        self.progress = progress
        self.message = message
    }
}

public struct CompleteTaskRequest: Hashable, Sendable {
    public var id: Int64 = 0
    public var workerID = ""
    public var resultJSON = ""
    public init(id: Int64 = 0, workerID: String = "", resultJSON: String = "") {
        self.id = id
        self.workerID = workerID
        self.resultJSON = resultJSON
    }
}

public struct FailTaskRequest: Hashable, Sendable {
    public var id: Int64 = 0
    public var workerID = ""
    public var error = ""
    public init(id: Int64 = 0, workerID: String = "", error: String = "") {
        self.id = id
        self.workerID = workerID
        self.error = error
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
    public init(status: TaskStatus = .unspecified, type: String = "", claimedBy: String = "", limit: Int32 = 0, offset: Int32 = 0) {
        self.status = status
        self.type = type
        self.claimedBy = claimedBy
        self.limit = limit
        self.offset = offset
    }
}

public struct GetTaskHistoryRequest: Hashable, Sendable {
    public var taskID: Int64 = 0
    public init(taskID: Int64 = 0) { self.taskID = taskID }
}
