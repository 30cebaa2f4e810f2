import CProtobufC
import CTaskManagerProto
import TaskManagerCore

// The domain messages of proto/taskmanager/v1/task_service.proto: Task, TaskType, HistoryEntry, TaskStatus.

extension TaskStatus {
    init(c: Taskmanager__V1__TaskStatus) throws {
        guard let status = TaskStatus(rawValue: Int32(bitPattern: c.rawValue)) else {
            throw TaskManagerError(.invalidArgument, "Unknown task status \(c.rawValue)")
        }
        self = status
    }

    var c: Taskmanager__V1__TaskStatus { Taskmanager__V1__TaskStatus(rawValue: UInt32(bitPattern: rawValue)) }
}

extension Task: CBridged, WireMessage {
    typealias CMessage = Taskmanager__V1__Task
    static let cInit = taskmanager__v1__task__init
    static let cUnpack = taskmanager__v1__task__unpack
    static let protoName = CTaskManagerProtoNames.name(taskmanager__v1__task__descriptor)
    public static let wireCodec = WireCodec(Self.self)

    init(c: CMessage) throws {
        self.init()
        id = c.id
        type = string(c.type)
        typeID = c.type_id
        status = try TaskStatus(c: c.status)
        progress = c.progress
        progressMessage = string(c.progress_message)
        priority = c.priority
        attempts = c.attempts
        maxAttempts = c.max_attempts
        claimedBy = string(c.claimed_by)
        claimedAtMs = c.claimed_at_ms
        createdAtMs = c.created_at_ms
        updatedAtMs = c.updated_at_ms
        completedAtMs = c.completed_at_ms
        paramsJSON = string(c.params_json)
        resultJSON = string(c.result_json)
        errorMessage = string(c.error_message)
        dedupeKey = string(c.dedupe_key)
        leaseExpiresAtMs = c.lease_expires_at_ms
        cancelRequested = c.cancel_requested != 0
        cancelReason = string(c.cancel_reason)
        stalled = c.stalled != 0
        stalledSinceMs = c.stalled_since_ms
        runAtMs = c.run_at_ms
        etaMs = c.eta_ms
        progressRate = c.progress_rate
    }

    func fill(_ c: inout CMessage, _ arena: CArena) {
        c.id = id
        c.type = arena.string(type)
        c.type_id = typeID
        c.status = status.c
        c.progress = progress
        c.progress_message = arena.string(progressMessage)
        c.priority = priority
        c.attempts = attempts
        c.max_attempts = maxAttempts
        c.claimed_by = arena.string(claimedBy)
        c.claimed_at_ms = claimedAtMs
        c.created_at_ms = createdAtMs
        c.updated_at_ms = updatedAtMs
        c.completed_at_ms = completedAtMs
        c.params_json = arena.string(paramsJSON)
        c.result_json = arena.string(resultJSON)
        c.error_message = arena.string(errorMessage)
        c.dedupe_key = arena.string(dedupeKey)
        c.lease_expires_at_ms = leaseExpiresAtMs
        c.cancel_requested = cancelRequested ? 1 : 0
        c.cancel_reason = arena.string(cancelReason)
        c.stalled = stalled ? 1 : 0
        c.stalled_since_ms = stalledSinceMs
        c.run_at_ms = runAtMs
        c.eta_ms = etaMs
        c.progress_rate = progressRate
    }
}

extension TaskType: CBridged, WireMessage {
    typealias CMessage = Taskmanager__V1__TaskType
    static let cInit = taskmanager__v1__task_type__init
    static let cUnpack = taskmanager__v1__task_type__unpack
    static let protoName = CTaskManagerProtoNames.name(taskmanager__v1__task_type__descriptor)
    public static let wireCodec = WireCodec(Self.self)

    init(c: CMessage) throws {
        self.init()
        id = c.id
        name = string(c.name)
        version = string(c.version)
        paramSchemaJSON = string(c.param_schema_json)
        isActive = c.is_active != 0
        usageCount = c.usage_count
        createdAtMs = c.created_at_ms
        updatedAtMs = c.updated_at_ms
        settings = try message(c.settings) ?? TaskTypeSettings()
    }

    func fill(_ c: inout CMessage, _ arena: CArena) {
        c.id = id
        c.name = arena.string(name)
        c.version = arena.string(version)
        c.param_schema_json = arena.string(paramSchemaJSON)
        c.is_active = isActive ? 1 : 0
        c.usage_count = usageCount
        c.created_at_ms = createdAtMs
        c.updated_at_ms = updatedAtMs
        c.settings = settings == TaskTypeSettings() ? nil : arena.message(settings)
    }
}

extension TaskTypeSettings: CBridged, WireMessage {
    typealias CMessage = Taskmanager__V1__TaskTypeSettings
    static let cInit = taskmanager__v1__task_type_settings__init
    static let cUnpack = taskmanager__v1__task_type_settings__unpack
    static let protoName = CTaskManagerProtoNames.name(taskmanager__v1__task_type_settings__descriptor)
    public static let wireCodec = WireCodec(Self.self)

    init(c: CMessage) {
        self.init(
            leaseSeconds: c.lease_seconds, maxAttempts: c.max_attempts, stallAfterSeconds: c.stall_after_seconds,
            retryBackoffBaseMs: c.retry_backoff_base_ms, retryBackoffCapMs: c.retry_backoff_cap_ms)
    }

    func fill(_ c: inout CMessage, _ arena: CArena) {
        c.lease_seconds = leaseSeconds
        c.max_attempts = maxAttempts
        c.stall_after_seconds = stallAfterSeconds
        c.retry_backoff_base_ms = retryBackoffBaseMs
        c.retry_backoff_cap_ms = retryBackoffCapMs
    }
}

extension HistoryEntry: CBridged, WireMessage {
    typealias CMessage = Taskmanager__V1__HistoryEntry
    static let cInit = taskmanager__v1__history_entry__init
    static let cUnpack = taskmanager__v1__history_entry__unpack
    static let protoName = CTaskManagerProtoNames.name(taskmanager__v1__history_entry__descriptor)
    public static let wireCodec = WireCodec(Self.self)

    init(c: CMessage) {
        self.init()
        id = c.id
        taskID = c.task_id
        statusChange = string(c.status_change)
        workerID = string(c.worker_id)
        message = string(c.message)
        createdAtMs = c.created_at_ms
    }

    func fill(_ c: inout CMessage, _ arena: CArena) {
        c.id = id
        c.task_id = taskID
        c.status_change = arena.string(statusChange)
        c.worker_id = arena.string(workerID)
        c.message = arena.string(message)
        c.created_at_ms = createdAtMs
    }
}
