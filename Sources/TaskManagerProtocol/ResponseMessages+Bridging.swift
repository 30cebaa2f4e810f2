import CProtobufC
import CTaskManagerProto
import TaskManagerCore

// The response messages of proto/taskmanager/v1/task_service.proto.

extension HealthResponse: CBridged, WireMessage {
    typealias CMessage = Taskmanager__V1__HealthResponse
    static let cInit = taskmanager__v1__health_response__init
    static let cUnpack = taskmanager__v1__health_response__unpack
    static let protoName = CTaskManagerProtoNames.name(taskmanager__v1__health_response__descriptor)
    public static let wireCodec = WireCodec(Self.self)
    init(c: CMessage) {
        self.init(status: string(c.status), database: string(c.database), version: string(c.version), timeMs: c.time_ms)
    }
    func fill(_ c: inout CMessage, _ arena: CArena) {
        c.status = arena.string(status)
        c.database = arena.string(database)
        c.version = arena.string(version)
        c.time_ms = timeMs
    }
}

extension RegisterTaskTypeResponse: CBridged, WireMessage {
    typealias CMessage = Taskmanager__V1__RegisterTaskTypeResponse
    static let cInit = taskmanager__v1__register_task_type_response__init
    static let cUnpack = taskmanager__v1__register_task_type_response__unpack
    static let protoName = CTaskManagerProtoNames.name(taskmanager__v1__register_task_type_response__descriptor)
    public static let wireCodec = WireCodec(Self.self)
    init(c: CMessage) throws {
        self.init(taskType: try message(c.task_type), created: c.created != 0)
    }
    func fill(_ c: inout CMessage, _ arena: CArena) {
        c.task_type = taskType.map { arena.message($0) }
        c.created = created ? 1 : 0
    }
}

extension ListTaskTypesResponse: CBridged, WireMessage {
    typealias CMessage = Taskmanager__V1__ListTaskTypesResponse
    static let cInit = taskmanager__v1__list_task_types_response__init
    static let cUnpack = taskmanager__v1__list_task_types_response__unpack
    static let protoName = CTaskManagerProtoNames.name(taskmanager__v1__list_task_types_response__descriptor)
    public static let wireCodec = WireCodec(Self.self)
    init(c: CMessage) throws {
        self.init(taskTypes: try messages(c.n_task_types, c.task_types))
    }
    func fill(_ c: inout CMessage, _ arena: CArena) {
        (c.n_task_types, c.task_types) = arena.messages(taskTypes)
    }
}

extension CreateTaskResponse: CBridged, WireMessage {
    typealias CMessage = Taskmanager__V1__CreateTaskResponse
    static let cInit = taskmanager__v1__create_task_response__init
    static let cUnpack = taskmanager__v1__create_task_response__unpack
    static let protoName = CTaskManagerProtoNames.name(taskmanager__v1__create_task_response__descriptor)
    public static let wireCodec = WireCodec(Self.self)
    init(c: CMessage) throws {
        self.init(task: try message(c.task), deduplicated: c.deduplicated != 0)
    }
    func fill(_ c: inout CMessage, _ arena: CArena) {
        c.task = task.map { arena.message($0) }
        c.deduplicated = deduplicated ? 1 : 0
    }
}

extension ClaimTaskResponse: CBridged, WireMessage {
    typealias CMessage = Taskmanager__V1__ClaimTaskResponse
    static let cInit = taskmanager__v1__claim_task_response__init
    static let cUnpack = taskmanager__v1__claim_task_response__unpack
    static let protoName = CTaskManagerProtoNames.name(taskmanager__v1__claim_task_response__descriptor)
    public static let wireCodec = WireCodec(Self.self)
    init(c: CMessage) throws { self.init(task: try message(c.task)) }
    func fill(_ c: inout CMessage, _ arena: CArena) { c.task = task.map { arena.message($0) } }
}

extension UpdateProgressResponse: CBridged, WireMessage {
    typealias CMessage = Taskmanager__V1__UpdateProgressResponse
    static let cInit = taskmanager__v1__update_progress_response__init
    static let cUnpack = taskmanager__v1__update_progress_response__unpack
    static let protoName = CTaskManagerProtoNames.name(taskmanager__v1__update_progress_response__descriptor)
    public static let wireCodec = WireCodec(Self.self)
    init(c: CMessage) {
        self.init(id: c.id, progress: c.progress, leaseExpiresAtMs: c.lease_expires_at_ms, cancelRequested: c.cancel_requested != 0)
    }
    func fill(_ c: inout CMessage, _ arena: CArena) {
        c.id = id
        c.progress = progress
        c.lease_expires_at_ms = leaseExpiresAtMs
        c.cancel_requested = cancelRequested ? 1 : 0
    }
}

extension CompleteTaskResponse: CBridged, WireMessage {
    typealias CMessage = Taskmanager__V1__CompleteTaskResponse
    static let cInit = taskmanager__v1__complete_task_response__init
    static let cUnpack = taskmanager__v1__complete_task_response__unpack
    static let protoName = CTaskManagerProtoNames.name(taskmanager__v1__complete_task_response__descriptor)
    public static let wireCodec = WireCodec(Self.self)
    init(c: CMessage) throws { self.init(task: try message(c.task)) }
    func fill(_ c: inout CMessage, _ arena: CArena) { c.task = task.map { arena.message($0) } }
}

extension FailTaskResponse: CBridged, WireMessage {
    typealias CMessage = Taskmanager__V1__FailTaskResponse
    static let cInit = taskmanager__v1__fail_task_response__init
    static let cUnpack = taskmanager__v1__fail_task_response__unpack
    static let protoName = CTaskManagerProtoNames.name(taskmanager__v1__fail_task_response__descriptor)
    public static let wireCodec = WireCodec(Self.self)
    init(c: CMessage) throws {
        self.init(task: try message(c.task), retried: c.retried != 0)
    }
    func fill(_ c: inout CMessage, _ arena: CArena) {
        c.task = task.map { arena.message($0) }
        c.retried = retried ? 1 : 0
    }
}

extension ListTasksResponse: CBridged, WireMessage {
    typealias CMessage = Taskmanager__V1__ListTasksResponse
    static let cInit = taskmanager__v1__list_tasks_response__init
    static let cUnpack = taskmanager__v1__list_tasks_response__unpack
    static let protoName = CTaskManagerProtoNames.name(taskmanager__v1__list_tasks_response__descriptor)
    public static let wireCodec = WireCodec(Self.self)
    init(c: CMessage) throws {
        self.init(tasks: try messages(c.n_tasks, c.tasks), count: c.count, total: c.total, limit: c.limit, offset: c.offset)
    }
    func fill(_ c: inout CMessage, _ arena: CArena) {
        (c.n_tasks, c.tasks) = arena.messages(tasks)
        c.count = count
        c.total = total
        c.limit = limit
        c.offset = offset
    }
}

extension GetTaskHistoryResponse: CBridged, WireMessage {
    typealias CMessage = Taskmanager__V1__GetTaskHistoryResponse
    static let cInit = taskmanager__v1__get_task_history_response__init
    static let cUnpack = taskmanager__v1__get_task_history_response__unpack
    static let protoName = CTaskManagerProtoNames.name(taskmanager__v1__get_task_history_response__descriptor)
    public static let wireCodec = WireCodec(Self.self)
    init(c: CMessage) throws { self.init(entries: try messages(c.n_entries, c.entries)) }
    func fill(_ c: inout CMessage, _ arena: CArena) { (c.n_entries, c.entries) = arena.messages(entries) }
}

extension HeartbeatResponse: CBridged, WireMessage {
    typealias CMessage = Taskmanager__V1__HeartbeatResponse
    static let cInit = taskmanager__v1__heartbeat_response__init
    static let cUnpack = taskmanager__v1__heartbeat_response__unpack
    static let protoName = CTaskManagerProtoNames.name(taskmanager__v1__heartbeat_response__descriptor)
    public static let wireCodec = WireCodec(Self.self)
    init(c: CMessage) {
        self.init(id: c.id, leaseExpiresAtMs: c.lease_expires_at_ms, cancelRequested: c.cancel_requested != 0)
    }
    func fill(_ c: inout CMessage, _ arena: CArena) {
        c.id = id
        c.lease_expires_at_ms = leaseExpiresAtMs
        c.cancel_requested = cancelRequested ? 1 : 0
    }
}

extension CancelTaskResponse: CBridged, WireMessage {
    typealias CMessage = Taskmanager__V1__CancelTaskResponse
    static let cInit = taskmanager__v1__cancel_task_response__init
    static let cUnpack = taskmanager__v1__cancel_task_response__unpack
    static let protoName = CTaskManagerProtoNames.name(taskmanager__v1__cancel_task_response__descriptor)
    public static let wireCodec = WireCodec(Self.self)
    init(c: CMessage) throws { self.init(task: try message(c.task)) }
    func fill(_ c: inout CMessage, _ arena: CArena) { c.task = task.map { arena.message($0) } }
}
