import Crypto
import Foundation
import TaskManagerCore
import TaskManagerStore

/// The handlers of `taskmanager.v1.TaskService`: validates requests, applies the rules, and calls the store.
public final class TaskService: Sendable {
    /// The rules the service applies, taken from the server configuration.
    public struct Options: Sendable {
        /// The lease a claim or renewal grants when the task's type sets none.
        public var defaultLeaseMs: Int64 = 300_000
        public var maxAttempts: Int32 = 3
        public var schemaValidation = true
        /// The retry backoff of tasks whose type and request set none; base 0 = retry at once.
        public var retryBackoff = RetryBackoff(baseMs: 1000, capMs: 300_000)
        /// Picks the random part of each retry's backoff, in 0..<1.
        public var jitter: @Sendable () -> Double = { Double.random(in: 0..<1) }
        /// Worker calls must carry the `worker_id` of their connection's client certificate (its CN).
        public var requireWorkerIdentity = false
        public init() {}
    }

    /// The server version reported by Health.
    public static let version = "0.1.0"

    static let defaultListLimit: Int32 = 50
    static let maxListLimit: Int32 = 1000
    /// The longest a claim may wait for a task.
    static let maxClaimWaitMs: UInt32 = 30_000
    /// The longest type name, type pattern or type filter, in UTF-8 bytes (SQLite refuses LIKE patterns over
    /// 50,000 bytes: "SQLITE_MAX_LIKE_PATTERN_LENGTH ... defaults to 50000").
    static let maxTypeNameBytes = 1000

    let store: any TaskStore
    let options: Options
    let clock: any WallClock
    /// Wakes waiting long-poll claims; everything that may make a task claimable calls `notify()`.
    let claimNotifier: ChangeNotifier
    /// Wakes watch streams; everything that writes history calls `notify()`.
    let historyNotifier: ChangeNotifier
    /// The longest a waiting claim or watch goes without looking again: with a shared store, what a lost
    /// notification from another server delays at most.
    let recheckInterval: Duration
    /// The parsed parameter schemas of the types tasks are created for.
    let schemas = SchemaCache()

    public init(store: any TaskStore, options: Options, clock: any WallClock = SystemClock()) {
        self.store = store
        self.options = options
        self.clock = clock
        let coordination = store.coordination
        let waiting = Self.waiting(coordination)
        claimNotifier = ChangeNotifier(relay: Self.relay(.claimable, to: coordination), waiting: waiting)
        historyNotifier = ChangeNotifier(relay: Self.relay(.history, to: coordination), waiting: waiting)
        recheckInterval = coordination?.recheckInterval ?? Self.watchIdleRecheck
        coordination?.start { [claimNotifier, historyNotifier] change in
            switch change {
            case .claimable: claimNotifier.notifyLocally()
            case .history: historyNotifier.notifyLocally()
            }
        }
    }

    /// What tells a shared store's coordination that a call starts or stops waiting; nil without one.
    private static func waiting(_ coordination: (any StoreCoordination)?) -> (@Sendable (Bool) -> Void)? {
        guard let coordination else { return nil }
        return { coordination.callWaits($0) }
    }

    /// What tells the other servers of a change of this kind; nil when no other server shares the store.
    private static func relay(_ change: StoreChange, to coordination: (any StoreCoordination)?) -> (@Sendable () -> Void)? {
        guard let coordination else { return nil }
        return { coordination.announce(change) }
    }

    func register(in table: inout HandlerTable) {
        table.unary("Health", HealthRequest.self, HealthResponse.self, now: { [self] _, _ in healthNow() }) { [self] _, _ in await health() }
        table.unary("RegisterTaskType", RegisterTaskTypeRequest.self, RegisterTaskTypeResponse.self) { [self] in try await registerTaskType($0, $1) }
        table.unary("GetTaskType", GetTaskTypeRequest.self, TaskType.self) { [self] in try await getTaskType($0, $1) }
        table.unary("ListTaskTypes", ListTaskTypesRequest.self, ListTaskTypesResponse.self) { [self] in try await listTaskTypes($0, $1) }
        table.unary("SetTaskTypeActive", SetTaskTypeActiveRequest.self, TaskType.self) { [self] in try await setTaskTypeActive($0, $1) }
        // The calls of a task's life start their store write from the event loop and are answered through a reply,
        // with no Swift task; only a claim that may wait for a task (`wait_ms`) runs in one.
        table.unary("CreateTask", CreateTaskRequest.self, CreateTaskResponse.self) { [self] in try createTask($0, $1, $2) }
        table.unary(
            "ClaimTask", ClaimTaskRequest.self, ClaimTaskResponse.self,
            waiting: (when: { $0.waitMs > 0 }, body: { [self] in try await claimTask($0, $1) })
        ) { [self] in try claimTask($0, $1, $2) }
        table.unary("UpdateProgress", UpdateProgressRequest.self, UpdateProgressResponse.self) { [self] in try updateProgress($0, $1, $2) }
        table.unary("CompleteTask", CompleteTaskRequest.self, CompleteTaskResponse.self) { [self] in try completeTask($0, $1, $2) }
        table.unary("FailTask", FailTaskRequest.self, FailTaskResponse.self) { [self] in try failTask($0, $1, $2) }
        table.unary("GetTask", GetTaskRequest.self, Task.self, now: { [self] in try getTaskNow($0, $1) }) { [self] in try await getTask($0, $1) }
        table.unary("ListTasks", ListTasksRequest.self, ListTasksResponse.self) { [self] in try await listTasks($0, $1) }
        table.unary("GetTaskHistory", GetTaskHistoryRequest.self, GetTaskHistoryResponse.self) { [self] in try await getTaskHistory($0, $1) }
        table.unary("Heartbeat", HeartbeatRequest.self, HeartbeatResponse.self) { [self] in try heartbeat($0, $1, $2) }
        table.unary("CancelTask", CancelTaskRequest.self, CancelTaskResponse.self) { [self] in try await cancelTask($0, $1) }
        table.unary("GetStats", GetStatsRequest.self, GetStatsResponse.self) { [self] in try await getStats($0, $1) }
        table.unary("CreateTasks", CreateTasksRequest.self, CreateTasksResponse.self) { [self] in try await createTasks($0, $1) }
        table.unary("ClaimTasks", ClaimTasksRequest.self, ClaimTasksResponse.self) { [self] in try await claimTasks($0, $1) }
        table.serverStreaming("WatchTask", WatchTaskRequest.self, TaskEvent.self) { [self] in try await watchTask($0, $1, $2) }
        table.serverStreaming("WatchTasks", WatchTasksRequest.self, TaskEvent.self) { [self] in try await watchTasks($0, $1, $2) }
    }

    // MARK: Health and task types

    func health() async -> HealthResponse {
        var response = HealthResponse(status: "healthy", database: "connected", version: Self.version, timeMs: clock.nowMs())
        do {
            try await store.ping()
            // It answers, but a store that cannot take writes is not healthy either.
            if store.notReadyReason != nil { response.status = "unhealthy" }
        } catch {
            response.status = "unhealthy"
            response.database = "disconnected"
        }
        return response
    }

    /// `health()` when the database answers at once; nil when checking would mean waiting.
    func healthNow() -> HealthResponse? {
        var response = HealthResponse(status: "healthy", database: "connected", version: Self.version, timeMs: clock.nowMs())
        do {
            guard case .value = try store.pingNow() else { return nil }
            if store.notReadyReason != nil { response.status = "unhealthy" }
        } catch {
            response.status = "unhealthy"
            response.database = "disconnected"
        }
        return response
    }

    func registerTaskType(_ request: RegisterTaskTypeRequest, _ context: CallContext) async throws -> RegisterTaskTypeResponse {
        let name = try Self.checkLength(try required(request.name, "name"), "name")
        let version = try required(request.version, "version")
        let schemaText = try required(request.paramSchemaJSON, "param_schema_json")
        guard let schema = try? JSONValue.parse(schemaText) else {
            throw TaskManagerError(.invalidArgument, "Invalid JSON schema format")
        }
        if let problem = JSONSchemaValidator.checkSchema(schema) {
            throw TaskManagerError(.invalidArgument, problem)
        }
        let settings = request.settings
        let values = [settings.leaseSeconds, settings.maxAttempts, settings.stallAfterSeconds, settings.retryBackoffBaseMs, settings.retryBackoffCapMs]
        guard values.allSatisfy({ $0 >= 0 }) else {
            throw TaskManagerError(.invalidArgument, "Task type settings must not be negative")
        }
        let (taskType, created) = try await store.registerTaskType(
            name: name, version: version, paramSchemaJSON: schema.canonicalText, settings: settings, nowMs: clock.nowMs())
        return RegisterTaskTypeResponse(taskType: taskType, created: created)
    }

    func getTaskType(_ request: GetTaskTypeRequest, _ context: CallContext) async throws -> TaskType {
        let name = try required(request.name, "name")
        guard let taskType = try await store.taskType(named: name) else { throw TaskManagerError.taskTypeNotFound }
        return taskType
    }

    func listTaskTypes(_ request: ListTaskTypesRequest, _ context: CallContext) async throws -> ListTaskTypesResponse {
        ListTaskTypesResponse(taskTypes: try await store.listTaskTypes(activeOnly: request.activeOnly))
    }

    func setTaskTypeActive(_ request: SetTaskTypeActiveRequest, _ context: CallContext) async throws -> TaskType {
        let name = try required(request.name, "name")
        guard let taskType = try await store.setTaskTypeActive(name: name, active: request.active, nowMs: clock.nowMs()) else {
            throw TaskManagerError.taskTypeNotFound
        }
        return taskType
    }

    // MARK: Tasks

    func createTask(_ request: CreateTaskRequest, _ context: CallContext, _ reply: @escaping Reply<CreateTaskResponse>) throws {
        let checked = try checkCreate(request)
        guard case .value(let taskType) = try store.taskTypeNow(named: checked.typeName) else {
            // A store that must wait to read a type.
            return Self.run(reply) { [self] in
                created(try await store.createTask(try newTask(request, context, checked, try await store.taskType(named: checked.typeName, includingUsage: false))))
            }
        }
        store.createTask(try newTask(request, context, checked, taskType)) { [self] in reply($0.map(created)) }
    }

    /// The answer to a CreateTask whose task was written (or found by its dedupe key).
    private func created(_ outcome: (task: Task, deduplicated: Bool)) -> CreateTaskResponse {
        if !outcome.deduplicated {
            claimNotifier.notify()
            historyNotifier.notify()
        }
        return CreateTaskResponse(task: outcome.task, deduplicated: outcome.deduplicated)
    }

    /// Checks a CreateTask request against its type and the server's settings and makes the row to insert.
    func newTask(_ request: CreateTaskRequest, _ context: CallContext) async throws -> NewTask {
        let checked = try checkCreate(request)
        return try newTask(request, context, checked, try await store.taskType(named: checked.typeName, includingUsage: false))
    }

    /// The checks of a CreateTask request that need no task type, in the order their errors are reported.
    private func checkCreate(_ request: CreateTaskRequest) throws -> (typeName: String, params: JSONValue) {
        let typeName = try required(request.type, "type")
        let params = try Self.parseParams(request.paramsJSON)
        guard request.maxAttempts >= 0 else { throw TaskManagerError(.invalidArgument, "max_attempts must not be negative") }
        guard request.runAtMs >= 0, request.delayMs >= 0 else {
            throw TaskManagerError(.invalidArgument, "run_at_ms and delay_ms must not be negative")
        }
        guard request.runAtMs == 0 || request.delayMs == 0 else {
            throw TaskManagerError(.invalidArgument, "Give run_at_ms or delay_ms, not both")
        }
        guard request.retryBackoffBaseMs >= 0, request.retryBackoffCapMs >= 0 else {
            throw TaskManagerError(.invalidArgument, "Retry backoff must not be negative")
        }
        return (typeName, params)
    }

    /// The row to insert for a checked CreateTask request, given its type (nil: no such type).
    private func newTask(
        _ request: CreateTaskRequest, _ context: CallContext, _ checked: (typeName: String, params: JSONValue), _ taskType: TaskType?
    ) throws -> NewTask {
        let (typeName, params) = checked
        guard let taskType else { throw TaskManagerError.taskTypeNotFound }
        guard taskType.isActive else { throw TaskManagerError.taskTypeInactive }
        if options.schemaValidation, let schema = schemas.schema(taskType.paramSchemaJSON) {
            let violations = JSONSchemaValidator.validate(params, against: schema)
            if !violations.isEmpty {
                throw TaskManagerError(.invalidArgument, "Parameter validation failed: " + violations.joined(separator: ", "))
            }
        }
        let canonical = params.canonicalText
        let dedupeKey = request.dedupeKey.isEmpty ? Self.dedupeKey(type: typeName, canonicalParams: canonical) : request.dedupeKey
        let now = clock.nowMs()
        let settings = taskType.settings
        let backoff = RetryBackoff(
            baseMs: Int64(Self.first(request.retryBackoffBaseMs, settings.retryBackoffBaseMs) ?? Int32(clamping: options.retryBackoff.baseMs)),
            capMs: Int64(Self.first(request.retryBackoffCapMs, settings.retryBackoffCapMs) ?? Int32(clamping: options.retryBackoff.capMs)))
        return NewTask(
            typeID: taskType.id, paramsJSON: canonical, priority: request.priority, dedupeKey: dedupeKey,
            maxAttempts: Self.first(request.maxAttempts, settings.maxAttempts) ?? options.maxAttempts, nowMs: now,
            runAtMs: request.runAtMs > 0 ? request.runAtMs : Self.saturatingSum(now, request.delayMs), retryBackoff: backoff,
            createdBy: context.caller?.name ?? "")
    }

    /// A claim that does not wait (`wait_ms` 0).
    func claimTask(_ request: ClaimTaskRequest, _ context: CallContext, _ reply: @escaping Reply<ClaimTaskResponse>) throws {
        store.claimTask(try claimQuery(request, context)) { [self] in reply($0.map(claimed)) }
    }

    /// A claim that may wait up to `wait_ms` for a task.
    func claimTask(_ request: ClaimTaskRequest, _ context: CallContext) async throws -> ClaimTaskResponse {
        var query = try claimQuery(request, context)
        let deadline = ContinuousClock.now + .milliseconds(Int64(min(request.waitMs, Self.maxClaimWaitMs)))
        while true {
            let generation = claimNotifier.generation
            query.nowMs = clock.nowMs()
            if let task = try await store.claimTask(query) { return claimed(task) }
            var wait = deadline - ContinuousClock.now
            guard wait > .zero else { return ClaimTaskResponse() }
            // A delayed task or a retry falling due is no event: wake for it on time.
            if let due = try await store.nextDueTime(query) {
                wait = min(wait, .milliseconds(max(due - query.nowMs, 1)))
            }
            wait = min(wait, recheckInterval)
            await claimNotifier.wait(after: generation, timeout: wait)
            try _Concurrency.Task.checkCancellation()
        }
    }

    /// The query of a ClaimTask request.
    private func claimQuery(_ request: ClaimTaskRequest, _ context: CallContext) throws -> ClaimQuery {
        let workerID = try self.workerID(request.workerID, context)
        guard request.taskTypeID >= 0 else { throw TaskManagerError(.invalidArgument, "task_type_id must be a positive integer") }
        let pattern = try Self.checkLength(request.typePattern.trimmingCharacters(in: .whitespaces), "type_pattern")
        guard request.taskTypeID > 0 || !pattern.isEmpty else {
            throw TaskManagerError(.invalidArgument, "task_type_id or type_pattern is required")
        }
        return ClaimQuery(
            workerID: workerID, taskTypeID: request.taskTypeID > 0 ? request.taskTypeID : nil,
            typePattern: pattern.isEmpty ? nil : pattern, order: try Self.claimOrder(request.sortBy, request.sortOrder),
            nowMs: clock.nowMs(), defaultLeaseMs: options.defaultLeaseMs)
    }

    /// The answer to a claim that took `task`, or found none.
    private func claimed(_ task: Task?) -> ClaimTaskResponse {
        guard let task else { return ClaimTaskResponse() }
        historyNotifier.notify()
        return ClaimTaskResponse(task: task)
    }

    func updateProgress(_ request: UpdateProgressRequest, _ context: CallContext, _ reply: @escaping Reply<UpdateProgressResponse>) throws {
        let workerID = try self.workerID(request.workerID, context)
        guard (0...100).contains(request.progress) else { throw TaskManagerError.progressOutOfRange }
        store.updateProgress(try claimCheck(request.id, workerID, request.attempt), progress: request.progress, message: request.message) { [self] in
            reply($0.map { task in
                historyNotifier.notify()
                return UpdateProgressResponse(
                    id: task.id, progress: task.progress, leaseExpiresAtMs: task.leaseExpiresAtMs, cancelRequested: task.cancelRequested)
            })
        }
    }

    func heartbeat(_ request: HeartbeatRequest, _ context: CallContext, _ reply: @escaping Reply<HeartbeatResponse>) throws {
        let workerID = try self.workerID(request.workerID, context)
        store.heartbeat(try claimCheck(request.id, workerID, request.attempt)) {
            reply($0.map { HeartbeatResponse(id: $0.id, leaseExpiresAtMs: $0.leaseExpiresAtMs, cancelRequested: $0.cancelRequested) })
        }
    }

    func cancelTask(_ request: CancelTaskRequest, _ context: CallContext) async throws -> CancelTaskResponse {
        let reason = request.reason.trimmingCharacters(in: .whitespacesAndNewlines)
        if let caller = context.caller, caller.role == .producer {
            // A producer may cancel only what it created; the creator of a task never changes, so reading it first
            // leaves no race.
            guard let task = try await store.task(id: request.id) else { throw TaskManagerError.taskNotFound }
            guard task.createdBy == caller.name else {
                throw TaskManagerError(.permissionDenied, "API key \"\(caller.name)\" may cancel only the tasks it created")
            }
        }
        let task = try await store.cancelTask(id: request.id, reason: reason, nowMs: clock.nowMs())
        historyNotifier.notify()
        return CancelTaskResponse(task: task)
    }

    func completeTask(_ request: CompleteTaskRequest, _ context: CallContext, _ reply: @escaping Reply<CompleteTaskResponse>) throws {
        let workerID = try self.workerID(request.workerID, context)
        var result = ""
        if !request.resultJSON.isEmpty {
            guard let value = try? JSONValue.parse(request.resultJSON) else {
                throw TaskManagerError(.invalidArgument, "Invalid JSON in result_json")
            }
            result = value.canonicalText
        }
        store.completeTask(try claimCheck(request.id, workerID, request.attempt), resultJSON: result) { [self] in
            reply($0.map { task in
                historyNotifier.notify()
                return CompleteTaskResponse(task: task)
            })
        }
    }

    func failTask(_ request: FailTaskRequest, _ context: CallContext, _ reply: @escaping Reply<FailTaskResponse>) throws {
        let workerID = try self.workerID(request.workerID, context)
        store.failTask(try claimCheck(request.id, workerID, request.attempt), error: request.error, jitter: options.jitter()) { [self] in
            reply($0.map { task, retried in
                if retried { claimNotifier.notify() }
                historyNotifier.notify()
                return FailTaskResponse(task: task, retried: retried)
            })
        }
    }

    func getTask(_ request: GetTaskRequest, _ context: CallContext) async throws -> Task {
        guard let task = try await store.task(id: request.id) else { throw TaskManagerError.taskNotFound }
        return task
    }

    /// `getTask` when the store can answer at once; nil when it would have to wait.
    func getTaskNow(_ request: GetTaskRequest, _ context: CallContext) throws -> Task? {
        guard case .value(let task) = try store.taskNow(id: request.id) else { return nil }
        guard let task else { throw TaskManagerError.taskNotFound }
        return task
    }

    func listTasks(_ request: ListTasksRequest, _ context: CallContext) async throws -> ListTasksResponse {
        guard request.limit >= 0 else { throw TaskManagerError(.invalidArgument, "limit must not be negative") }
        guard request.offset >= 0 else { throw TaskManagerError(.invalidArgument, "offset must not be negative") }
        _ = try Self.checkLength(request.type, "type")
        let limit = request.limit == 0 ? Self.defaultListLimit : min(request.limit, Self.maxListLimit)
        let filter = TaskFilter(
            status: request.status == .unspecified ? nil : request.status,
            type: request.type.isEmpty ? nil : request.type,
            claimedBy: request.claimedBy.isEmpty ? nil : request.claimedBy, stalledOnly: request.stalledOnly,
            limit: Int(limit), offset: Int(request.offset))
        let (tasks, total) = try await store.listTasks(filter)
        return ListTasksResponse(tasks: tasks, count: Int32(tasks.count), total: total, limit: limit, offset: request.offset)
    }

    func getTaskHistory(_ request: GetTaskHistoryRequest, _ context: CallContext) async throws -> GetTaskHistoryResponse {
        guard let entries = try await store.history(taskID: request.taskID) else { throw TaskManagerError.taskNotFound }
        return GetTaskHistoryResponse(entries: entries)
    }
}

extension TaskService {
    /// The trimmed value of a required text field.
    private func required(_ value: String, _ field: String) throws -> String {
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw TaskManagerError.missingField(field) }
        return trimmed
    }

    private func claimCheck(_ id: Int64, _ workerID: String, _ attempt: Int32) throws -> ClaimCheck {
        guard attempt >= 0 else { throw TaskManagerError(.invalidArgument, "attempt must not be negative") }
        return ClaimCheck(id: id, workerID: workerID, attempt: attempt, nowMs: clock.nowMs(), defaultLeaseMs: options.defaultLeaseMs)
    }

    /// Runs `body` in a Swift task and replies with its outcome: for the rare write that must wait before it can start.
    static func run<Output>(_ reply: @escaping Reply<Output>, _ body: @escaping @Sendable () async throws -> Output) {
        _Concurrency.Task {
            do {
                reply(.success(try await body()))
            } catch {
                reply(.failure(error))
            }
        }
    }

    /// `a + b`, or `Int64.max` where that would overflow: a client's huge delay must not trap the server.
    static func saturatingSum(_ a: Int64, _ b: Int64) -> Int64 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? .max : sum
    }

    /// The first value that is set (> 0), in order of precedence; nil when none is.
    static func first(_ values: Int32...) -> Int32? {
        values.first { $0 > 0 }
    }

    /// `value`, unless it is longer than `maxTypeNameBytes`: INVALID_ARGUMENT naming `field`.
    static func checkLength(_ value: String, _ field: String) throws -> String {
        guard value.utf8.count <= maxTypeNameBytes else {
            throw TaskManagerError(.invalidArgument, "\(field) must be at most \(maxTypeNameBytes) bytes")
        }
        return value
    }

    static func workerID(_ value: String) throws -> String {
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw TaskManagerError.workerIDRequired }
        return trimmed
    }

    /// The call's worker id, which with `requireWorkerIdentity` must be its client certificate's common name.
    func workerID(_ value: String, _ context: CallContext) throws -> String {
        let workerID = try Self.workerID(value)
        guard options.requireWorkerIdentity else { return workerID }
        guard let name = context.peer?.commonName else {
            throw TaskManagerError(.permissionDenied, "Worker calls need a client certificate with a common name (CN)")
        }
        guard name == workerID else {
            throw TaskManagerError(
                .permissionDenied, "Worker \"\(workerID)\" does not match the client certificate's common name \"\(name)\"")
        }
        return workerID
    }

    /// Task parameters: a JSON object; the empty string means `{}`.
    static func parseParams(_ text: String) throws -> JSONValue {
        if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return .object([:]) }
        guard let value = try? JSONValue.parse(text) else {
            throw TaskManagerError(.invalidArgument, "Invalid JSON in params_json")
        }
        guard case .object = value else {
            throw TaskManagerError(.invalidArgument, "Task parameters must be a JSON object")
        }
        return value
    }

    /// SHA-256 (hex) of the type name, a NUL byte and the canonical parameters.
    static func dedupeKey(type: String, canonicalParams: String) -> String {
        let digest = SHA256.hash(data: Array(type.utf8) + [0] + Array(canonicalParams.utf8))
        // String(format:) per byte cost more than the rest of CreateTask put together.
        let hexDigits = Array("0123456789abcdef".utf8)
        var hex: [UInt8] = []
        hex.reserveCapacity(SHA256.byteCount * 2)
        for byte in digest {
            hex.append(hexDigits[Int(byte >> 4)])
            hex.append(hexDigits[Int(byte & 0x0f)])
        }
        return String(decoding: hex, as: UTF8.self)
    }

    /// The claim order from the original's `sort_by` / `sort_order` strings.
    static func claimOrder(_ sortBy: String, _ sortOrder: String) throws -> ClaimOrder {
        let by = sortBy.trimmingCharacters(in: .whitespaces)
        let order = sortOrder.trimmingCharacters(in: .whitespaces).uppercased()
        guard order.isEmpty || order == "ASC" || order == "DESC" else {
            throw TaskManagerError(.invalidArgument, "Invalid sort_order. Allowed values: ASC, DESC")
        }
        if by.isEmpty && order.isEmpty { return .priorityThenAge }
        guard let key = by.isEmpty ? .createdAt : ClaimSortKey(rawValue: by) else {
            throw TaskManagerError(.invalidArgument, "Invalid sort_by field. Allowed values: created_at, priority, id, attempts")
        }
        return .by(key, ascending: order != "DESC")
    }
}
