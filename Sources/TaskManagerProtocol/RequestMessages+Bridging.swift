import CProtobufC
import CTaskManagerProto
import TaskManagerCore

// The request messages of proto/taskmanager/v1/task_service.proto.

extension HealthRequest: CBridged, WireMessage {
    typealias CMessage = Taskmanager__V1__HealthRequest
    static let cInit = taskmanager__v1__health_request__init
    static let cUnpack = taskmanager__v1__health_request__unpack
    static let protoName = CTaskManagerProtoNames.name(taskmanager__v1__health_request__descriptor)
    public static let wireCodec = WireCodec(Self.self)
    init(c: CMessage) { self.init() }
    func fill(_ c: inout CMessage, _ arena: CArena) {}
}

extension RegisterTaskTypeRequest: CBridged, WireMessage {
    typealias CMessage = Taskmanager__V1__RegisterTaskTypeRequest
    static let cInit = taskmanager__v1__register_task_type_request__init
    static let cUnpack = taskmanager__v1__register_task_type_request__unpack
    static let protoName = CTaskManagerProtoNames.name(taskmanager__v1__register_task_type_request__descriptor)
    public static let wireCodec = WireCodec(Self.self)
    init(c: CMessage) throws {
        self.init(
            name: string(c.name), version: string(c.version), paramSchemaJSON: string(c.param_schema_json),
            settings: try message(c.settings) ?? TaskTypeSettings())
    }
    func fill(_ c: inout CMessage, _ arena: CArena) {
        c.name = arena.string(name)
        c.version = arena.string(version)
        c.param_schema_json = arena.string(paramSchemaJSON)
        c.settings = settings == TaskTypeSettings() ? nil : arena.message(settings)
    }
}

extension GetTaskTypeRequest: CBridged, WireMessage {
    typealias CMessage = Taskmanager__V1__GetTaskTypeRequest
    static let cInit = taskmanager__v1__get_task_type_request__init
    static let cUnpack = taskmanager__v1__get_task_type_request__unpack
    static let protoName = CTaskManagerProtoNames.name(taskmanager__v1__get_task_type_request__descriptor)
    public static let wireCodec = WireCodec(Self.self)
    init(c: CMessage) { self.init(name: string(c.name)) }
    func fill(_ c: inout CMessage, _ arena: CArena) { c.name = arena.string(name) }
}

extension ListTaskTypesRequest: CBridged, WireMessage {
    typealias CMessage = Taskmanager__V1__ListTaskTypesRequest
    static let cInit = taskmanager__v1__list_task_types_request__init
    static let cUnpack = taskmanager__v1__list_task_types_request__unpack
    static let protoName = CTaskManagerProtoNames.name(taskmanager__v1__list_task_types_request__descriptor)
    public static let wireCodec = WireCodec(Self.self)
    init(c: CMessage) { self.init(activeOnly: c.active_only != 0) }
    func fill(_ c: inout CMessage, _ arena: CArena) { c.active_only = activeOnly ? 1 : 0 }
}

extension SetTaskTypeActiveRequest: CBridged, WireMessage {
    typealias CMessage = Taskmanager__V1__SetTaskTypeActiveRequest
    static let cInit = taskmanager__v1__set_task_type_active_request__init
    static let cUnpack = taskmanager__v1__set_task_type_active_request__unpack
    static let protoName = CTaskManagerProtoNames.name(taskmanager__v1__set_task_type_active_request__descriptor)
    public static let wireCodec = WireCodec(Self.self)
    init(c: CMessage) { self.init(name: string(c.name), active: c.active != 0) }
    func fill(_ c: inout CMessage, _ arena: CArena) {
        c.name = arena.string(name)
        c.active = active ? 1 : 0
    }
}

extension CreateTaskRequest: CBridged, WireMessage {
    typealias CMessage = Taskmanager__V1__CreateTaskRequest
    static let cInit = taskmanager__v1__create_task_request__init
    static let cUnpack = taskmanager__v1__create_task_request__unpack
    static let protoName = CTaskManagerProtoNames.name(taskmanager__v1__create_task_request__descriptor)
    public static let wireCodec = WireCodec(Self.self)
    init(c: CMessage) {
        self.init(
            type: string(c.type), paramsJSON: string(c.params_json), priority: c.priority,
            dedupeKey: string(c.dedupe_key), maxAttempts: c.max_attempts, runAtMs: c.run_at_ms, delayMs: c.delay_ms,
            retryBackoffBaseMs: c.retry_backoff_base_ms, retryBackoffCapMs: c.retry_backoff_cap_ms)
    }
    func fill(_ c: inout CMessage, _ arena: CArena) {
        c.type = arena.string(type)
        c.params_json = arena.string(paramsJSON)
        c.priority = priority
        c.dedupe_key = arena.string(dedupeKey)
        c.max_attempts = maxAttempts
        c.run_at_ms = runAtMs
        c.delay_ms = delayMs
        c.retry_backoff_base_ms = retryBackoffBaseMs
        c.retry_backoff_cap_ms = retryBackoffCapMs
    }
}

extension ClaimTaskRequest: CBridged, WireMessage {
    typealias CMessage = Taskmanager__V1__ClaimTaskRequest
    static let cInit = taskmanager__v1__claim_task_request__init
    static let cUnpack = taskmanager__v1__claim_task_request__unpack
    static let protoName = CTaskManagerProtoNames.name(taskmanager__v1__claim_task_request__descriptor)
    public static let wireCodec = WireCodec(Self.self)
    init(c: CMessage) {
        self.init(
            workerID: string(c.worker_id), taskTypeID: c.task_type_id, typePattern: string(c.type_pattern),
            sortBy: string(c.sort_by), sortOrder: string(c.sort_order), waitMs: c.wait_ms)
    }
    func fill(_ c: inout CMessage, _ arena: CArena) {
        c.worker_id = arena.string(workerID)
        c.task_type_id = taskTypeID
        c.type_pattern = arena.string(typePattern)
        c.sort_by = arena.string(sortBy)
        c.sort_order = arena.string(sortOrder)
        c.wait_ms = waitMs
    }
}

extension UpdateProgressRequest: CBridged, WireMessage {
    typealias CMessage = Taskmanager__V1__UpdateProgressRequest
    static let cInit = taskmanager__v1__update_progress_request__init
    static let cUnpack = taskmanager__v1__update_progress_request__unpack
    static let protoName = CTaskManagerProtoNames.name(taskmanager__v1__update_progress_request__descriptor)
    public static let wireCodec = WireCodec(Self.self)
    init(c: CMessage) {
        self.init(id: c.id, workerID: string(c.worker_id), progress: c.progress, message: string(c.message), attempt: c.attempt)
    }
    func fill(_ c: inout CMessage, _ arena: CArena) {
        c.id = id
        c.worker_id = arena.string(workerID)
        c.progress = progress
        c.message = arena.string(message)
        c.attempt = attempt
    }
}

extension CompleteTaskRequest: CBridged, WireMessage {
    typealias CMessage = Taskmanager__V1__CompleteTaskRequest
    static let cInit = taskmanager__v1__complete_task_request__init
    static let cUnpack = taskmanager__v1__complete_task_request__unpack
    static let protoName = CTaskManagerProtoNames.name(taskmanager__v1__complete_task_request__descriptor)
    public static let wireCodec = WireCodec(Self.self)
    init(c: CMessage) {
        self.init(id: c.id, workerID: string(c.worker_id), resultJSON: string(c.result_json), attempt: c.attempt)
    }
    func fill(_ c: inout CMessage, _ arena: CArena) {
        c.id = id
        c.worker_id = arena.string(workerID)
        c.result_json = arena.string(resultJSON)
        c.attempt = attempt
    }
}

extension FailTaskRequest: CBridged, WireMessage {
    typealias CMessage = Taskmanager__V1__FailTaskRequest
    static let cInit = taskmanager__v1__fail_task_request__init
    static let cUnpack = taskmanager__v1__fail_task_request__unpack
    static let protoName = CTaskManagerProtoNames.name(taskmanager__v1__fail_task_request__descriptor)
    public static let wireCodec = WireCodec(Self.self)
    init(c: CMessage) {
        self.init(id: c.id, workerID: string(c.worker_id), error: string(c.error), attempt: c.attempt)
    }
    func fill(_ c: inout CMessage, _ arena: CArena) {
        c.id = id
        c.worker_id = arena.string(workerID)
        c.error = arena.string(error)
        c.attempt = attempt
    }
}

extension GetTaskRequest: CBridged, WireMessage {
    typealias CMessage = Taskmanager__V1__GetTaskRequest
    static let cInit = taskmanager__v1__get_task_request__init
    static let cUnpack = taskmanager__v1__get_task_request__unpack
    static let protoName = CTaskManagerProtoNames.name(taskmanager__v1__get_task_request__descriptor)
    public static let wireCodec = WireCodec(Self.self)
    init(c: CMessage) { self.init(id: c.id) }
    func fill(_ c: inout CMessage, _ arena: CArena) { c.id = id }
}

extension ListTasksRequest: CBridged, WireMessage {
    typealias CMessage = Taskmanager__V1__ListTasksRequest
    static let cInit = taskmanager__v1__list_tasks_request__init
    static let cUnpack = taskmanager__v1__list_tasks_request__unpack
    static let protoName = CTaskManagerProtoNames.name(taskmanager__v1__list_tasks_request__descriptor)
    public static let wireCodec = WireCodec(Self.self)
    init(c: CMessage) throws {
        self.init(
            status: try TaskStatus(c: c.status), type: string(c.type), claimedBy: string(c.claimed_by),
            limit: c.limit, offset: c.offset, stalledOnly: c.stalled_only != 0)
    }
    func fill(_ c: inout CMessage, _ arena: CArena) {
        c.status = status.c
        c.type = arena.string(type)
        c.claimed_by = arena.string(claimedBy)
        c.limit = limit
        c.offset = offset
        c.stalled_only = stalledOnly ? 1 : 0
    }
}

extension GetTaskHistoryRequest: CBridged, WireMessage {
    typealias CMessage = Taskmanager__V1__GetTaskHistoryRequest
    static let cInit = taskmanager__v1__get_task_history_request__init
    static let cUnpack = taskmanager__v1__get_task_history_request__unpack
    static let protoName = CTaskManagerProtoNames.name(taskmanager__v1__get_task_history_request__descriptor)
    public static let wireCodec = WireCodec(Self.self)
    init(c: CMessage) { self.init(taskID: c.task_id) }
    func fill(_ c: inout CMessage, _ arena: CArena) { c.task_id = taskID }
}

extension HeartbeatRequest: CBridged, WireMessage {
    typealias CMessage = Taskmanager__V1__HeartbeatRequest
    static let cInit = taskmanager__v1__heartbeat_request__init
    static let cUnpack = taskmanager__v1__heartbeat_request__unpack
    static let protoName = CTaskManagerProtoNames.name(taskmanager__v1__heartbeat_request__descriptor)
    public static let wireCodec = WireCodec(Self.self)
    init(c: CMessage) { self.init(id: c.id, workerID: string(c.worker_id), attempt: c.attempt) }
    func fill(_ c: inout CMessage, _ arena: CArena) {
        c.id = id
        c.worker_id = arena.string(workerID)
        c.attempt = attempt
    }
}

extension CancelTaskRequest: CBridged, WireMessage {
    typealias CMessage = Taskmanager__V1__CancelTaskRequest
    static let cInit = taskmanager__v1__cancel_task_request__init
    static let cUnpack = taskmanager__v1__cancel_task_request__unpack
    static let protoName = CTaskManagerProtoNames.name(taskmanager__v1__cancel_task_request__descriptor)
    public static let wireCodec = WireCodec(Self.self)
    init(c: CMessage) { self.init(id: c.id, reason: string(c.reason)) }
    func fill(_ c: inout CMessage, _ arena: CArena) {
        c.id = id
        c.reason = arena.string(reason)
    }
}

extension WatchTaskRequest: CBridged, WireMessage {
    typealias CMessage = Taskmanager__V1__WatchTaskRequest
    static let cInit = taskmanager__v1__watch_task_request__init
    static let cUnpack = taskmanager__v1__watch_task_request__unpack
    static let protoName = CTaskManagerProtoNames.name(taskmanager__v1__watch_task_request__descriptor)
    public static let wireCodec = WireCodec(Self.self)
    init(c: CMessage) { self.init(id: c.id, afterHistoryID: c.after_history_id) }
    func fill(_ c: inout CMessage, _ arena: CArena) {
        c.id = id
        c.after_history_id = afterHistoryID
    }
}

extension WatchTasksRequest: CBridged, WireMessage {
    typealias CMessage = Taskmanager__V1__WatchTasksRequest
    static let cInit = taskmanager__v1__watch_tasks_request__init
    static let cUnpack = taskmanager__v1__watch_tasks_request__unpack
    static let protoName = CTaskManagerProtoNames.name(taskmanager__v1__watch_tasks_request__descriptor)
    public static let wireCodec = WireCodec(Self.self)
    init(c: CMessage) { self.init(type: string(c.type), afterHistoryID: c.after_history_id) }
    func fill(_ c: inout CMessage, _ arena: CArena) {
        c.type = arena.string(type)
        c.after_history_id = afterHistoryID
    }
}

extension GetStatsRequest: CBridged, WireMessage {
    typealias CMessage = Taskmanager__V1__GetStatsRequest
    static let cInit = taskmanager__v1__get_stats_request__init
    static let cUnpack = taskmanager__v1__get_stats_request__unpack
    static let protoName = CTaskManagerProtoNames.name(taskmanager__v1__get_stats_request__descriptor)
    public static let wireCodec = WireCodec(Self.self)
    init(c: CMessage) { self.init(slowAfterMinutes: c.slow_after_minutes) }
    func fill(_ c: inout CMessage, _ arena: CArena) { c.slow_after_minutes = slowAfterMinutes }
}
