import CProtobufC
import CTaskManagerProto
import TaskManagerCore

// The watch and dashboard messages of proto/taskmanager/v1/task_service.proto.

extension TaskEvent: CBridged, WireMessage {
    typealias CMessage = Taskmanager__V1__TaskEvent
    static let cInit = taskmanager__v1__task_event__init
    static let cUnpack = taskmanager__v1__task_event__unpack
    static let protoName = CTaskManagerProtoNames.name(taskmanager__v1__task_event__descriptor)
    public static let wireCodec = WireCodec(Self.self)
    init(c: CMessage) throws { self.init(entry: try message(c.entry), task: try message(c.task)) }
    func fill(_ c: inout CMessage, _ arena: CArena) {
        c.entry = entry.map { arena.message($0) }
        c.task = task.map { arena.message($0) }
    }
}

extension StatusCount: CBridged, WireMessage {
    typealias CMessage = Taskmanager__V1__StatusCount
    static let cInit = taskmanager__v1__status_count__init
    static let cUnpack = taskmanager__v1__status_count__unpack
    static let protoName = CTaskManagerProtoNames.name(taskmanager__v1__status_count__descriptor)
    public static let wireCodec = WireCodec(Self.self)
    init(c: CMessage) throws { self.init(status: try TaskStatus(c: c.status), count: c.count) }
    func fill(_ c: inout CMessage, _ arena: CArena) {
        c.status = status.c
        c.count = count
    }
}

extension TypeStats: CBridged, WireMessage {
    typealias CMessage = Taskmanager__V1__TypeStats
    static let cInit = taskmanager__v1__type_stats__init
    static let cUnpack = taskmanager__v1__type_stats__unpack
    static let protoName = CTaskManagerProtoNames.name(taskmanager__v1__type_stats__descriptor)
    public static let wireCodec = WireCodec(Self.self)
    init(c: CMessage) {
        self.init()
        type = string(c.type)
        pending = c.pending
        claimed = c.claimed
        completed = c.completed
        failed = c.failed
        cancelled = c.cancelled
        oldestPendingAgeMs = c.oldest_pending_age_ms
        averageProgress = c.average_progress
    }
    func fill(_ c: inout CMessage, _ arena: CArena) {
        c.type = arena.string(type)
        c.pending = pending
        c.claimed = claimed
        c.completed = completed
        c.failed = failed
        c.cancelled = cancelled
        c.oldest_pending_age_ms = oldestPendingAgeMs
        c.average_progress = averageProgress
    }
}

extension MinuteCount: CBridged, WireMessage {
    typealias CMessage = Taskmanager__V1__MinuteCount
    static let cInit = taskmanager__v1__minute_count__init
    static let cUnpack = taskmanager__v1__minute_count__unpack
    static let protoName = CTaskManagerProtoNames.name(taskmanager__v1__minute_count__descriptor)
    public static let wireCodec = WireCodec(Self.self)
    init(c: CMessage) { self.init(minuteStartMs: c.minute_start_ms, completed: c.completed, failed: c.failed) }
    func fill(_ c: inout CMessage, _ arena: CArena) {
        c.minute_start_ms = minuteStartMs
        c.completed = completed
        c.failed = failed
    }
}

extension GetStatsResponse: CBridged, WireMessage {
    typealias CMessage = Taskmanager__V1__GetStatsResponse
    static let cInit = taskmanager__v1__get_stats_response__init
    static let cUnpack = taskmanager__v1__get_stats_response__unpack
    static let protoName = CTaskManagerProtoNames.name(taskmanager__v1__get_stats_response__descriptor)
    public static let wireCodec = WireCodec(Self.self)
    init(c: CMessage) throws {
        self.init()
        timeMs = c.time_ms
        byStatus = try messages(c.n_by_status, c.by_status)
        byType = try messages(c.n_by_type, c.by_type)
        inProgress = try messages(c.n_in_progress, c.in_progress)
        slow = try messages(c.n_slow, c.slow)
        stalled = try messages(c.n_stalled, c.stalled)
        lastHour = try messages(c.n_last_hour, c.last_hour)
    }
    func fill(_ c: inout CMessage, _ arena: CArena) {
        c.time_ms = timeMs
        (c.n_by_status, c.by_status) = arena.messages(byStatus)
        (c.n_by_type, c.by_type) = arena.messages(byType)
        (c.n_in_progress, c.in_progress) = arena.messages(inProgress)
        (c.n_slow, c.slow) = arena.messages(slow)
        (c.n_stalled, c.stalled) = arena.messages(stalled)
        (c.n_last_hour, c.last_hour) = arena.messages(lastHour)
    }
}

extension CreateTasksRequest: CBridged, WireMessage {
    typealias CMessage = Taskmanager__V1__CreateTasksRequest
    static let cInit = taskmanager__v1__create_tasks_request__init
    static let cUnpack = taskmanager__v1__create_tasks_request__unpack
    static let protoName = CTaskManagerProtoNames.name(taskmanager__v1__create_tasks_request__descriptor)
    public static let wireCodec = WireCodec(Self.self)
    init(c: CMessage) throws { self.init(tasks: try messages(c.n_tasks, c.tasks)) }
    func fill(_ c: inout CMessage, _ arena: CArena) { (c.n_tasks, c.tasks) = arena.messages(tasks) }
}

extension CreateTaskResult: CBridged, WireMessage {
    typealias CMessage = Taskmanager__V1__CreateTaskResult
    static let cInit = taskmanager__v1__create_task_result__init
    static let cUnpack = taskmanager__v1__create_task_result__unpack
    static let protoName = CTaskManagerProtoNames.name(taskmanager__v1__create_task_result__descriptor)
    public static let wireCodec = WireCodec(Self.self)
    init(c: CMessage) throws {
        self.init(code: StatusCode(rawValue: c.code), message: string(c.message), task: try TaskManagerProtocol.message(c.task), deduplicated: c.deduplicated != 0)
    }
    func fill(_ c: inout CMessage, _ arena: CArena) {
        c.code = code.rawValue
        c.message = arena.string(message)
        c.task = task.map { arena.message($0) }
        c.deduplicated = deduplicated ? 1 : 0
    }
}

extension CreateTasksResponse: CBridged, WireMessage {
    typealias CMessage = Taskmanager__V1__CreateTasksResponse
    static let cInit = taskmanager__v1__create_tasks_response__init
    static let cUnpack = taskmanager__v1__create_tasks_response__unpack
    static let protoName = CTaskManagerProtoNames.name(taskmanager__v1__create_tasks_response__descriptor)
    public static let wireCodec = WireCodec(Self.self)
    init(c: CMessage) throws { self.init(results: try messages(c.n_results, c.results)) }
    func fill(_ c: inout CMessage, _ arena: CArena) { (c.n_results, c.results) = arena.messages(results) }
}

extension ClaimTasksRequest: CBridged, WireMessage {
    typealias CMessage = Taskmanager__V1__ClaimTasksRequest
    static let cInit = taskmanager__v1__claim_tasks_request__init
    static let cUnpack = taskmanager__v1__claim_tasks_request__unpack
    static let protoName = CTaskManagerProtoNames.name(taskmanager__v1__claim_tasks_request__descriptor)
    public static let wireCodec = WireCodec(Self.self)
    init(c: CMessage) throws { self.init(claim: try message(c.claim) ?? ClaimTaskRequest(), max: c.max) }
    func fill(_ c: inout CMessage, _ arena: CArena) {
        c.claim = arena.message(claim)
        c.max = max
    }
}

extension ClaimTasksResponse: CBridged, WireMessage {
    typealias CMessage = Taskmanager__V1__ClaimTasksResponse
    static let cInit = taskmanager__v1__claim_tasks_response__init
    static let cUnpack = taskmanager__v1__claim_tasks_response__unpack
    static let protoName = CTaskManagerProtoNames.name(taskmanager__v1__claim_tasks_response__descriptor)
    public static let wireCodec = WireCodec(Self.self)
    init(c: CMessage) throws { self.init(tasks: try messages(c.n_tasks, c.tasks)) }
    func fill(_ c: inout CMessage, _ arena: CArena) { (c.n_tasks, c.tasks) = arena.messages(tasks) }
}
