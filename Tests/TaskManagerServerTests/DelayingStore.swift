import TaskManagerCore
import TaskManagerStore

/// The real SQLite store with one seam for tests: reading the task `slowTaskID` first sleeps `delay`.
///
/// It lets a test hold one call in flight for a known time, to watch pipelining, cancel and deadlines.
struct DelayingStore: TaskStore {
    static let slowTaskID: Int64 = 999_999
    let base: SQLiteTaskStore
    let delay: Duration

    func task(id: Int64) async throws -> Task? {
        if id == Self.slowTaskID { try await _Concurrency.Task.sleep(for: delay) }
        return try await base.task(id: id)
    }

    func taskNow(id: Int64) throws -> ImmediateRead<Task?> {
        id == Self.slowTaskID ? .wouldWait : try base.taskNow(id: id)
    }

    func ping() async throws { try await base.ping() }
    func pingNow() throws -> ImmediateRead<Void> { try base.pingNow() }
    func taskTypeNow(named name: String) throws -> ImmediateRead<TaskType?> { try base.taskTypeNow(named: name) }
    func registerTaskType(name: String, version: String, paramSchemaJSON: String, settings: TaskTypeSettings, nowMs: Int64)
        async throws -> (taskType: TaskType, created: Bool)
    {
        try await base.registerTaskType(name: name, version: version, paramSchemaJSON: paramSchemaJSON, settings: settings, nowMs: nowMs)
    }
    func taskType(named name: String, includingUsage: Bool) async throws -> TaskType? {
        try await base.taskType(named: name, includingUsage: includingUsage)
    }
    func listTaskTypes(activeOnly: Bool) async throws -> [TaskType] { try await base.listTaskTypes(activeOnly: activeOnly) }
    func setTaskTypeActive(name: String, active: Bool, nowMs: Int64) async throws -> TaskType? {
        try await base.setTaskTypeActive(name: name, active: active, nowMs: nowMs)
    }
    func createTask(_ task: NewTask, then: @escaping StoreCompletion<(task: Task, deduplicated: Bool)>) {
        base.createTask(task, then: then)
    }
    func claimTask(_ query: ClaimQuery, then: @escaping StoreCompletion<Task?>) { base.claimTask(query, then: then) }
    func updateProgress(_ claim: ClaimCheck, progress: Int32, message: String, then: @escaping StoreCompletion<Task>) {
        base.updateProgress(claim, progress: progress, message: message, then: then)
    }
    func heartbeat(_ claim: ClaimCheck, then: @escaping StoreCompletion<Task>) { base.heartbeat(claim, then: then) }
    func completeTask(_ claim: ClaimCheck, resultJSON: String, then: @escaping StoreCompletion<Task>) {
        base.completeTask(claim, resultJSON: resultJSON, then: then)
    }
    func failTask(_ claim: ClaimCheck, error: String, jitter: Double, then: @escaping StoreCompletion<(task: Task, retried: Bool)>) {
        base.failTask(claim, error: error, jitter: jitter, then: then)
    }
    func cancelTask(id: Int64, reason: String, nowMs: Int64) async throws -> Task {
        try await base.cancelTask(id: id, reason: reason, nowMs: nowMs)
    }
    func reapExpiredLeases(nowMs: Int64) async throws -> [Task] { try await base.reapExpiredLeases(nowMs: nowMs) }
    func markStalledTasks(nowMs: Int64, defaultStallAfterMs: Int64) async throws -> [Task] {
        try await base.markStalledTasks(nowMs: nowMs, defaultStallAfterMs: defaultStallAfterMs)
    }
    func deleteFinishedTasks(finishedBeforeMs: Int64, limit: Int) async throws -> Int {
        try await base.deleteFinishedTasks(finishedBeforeMs: finishedBeforeMs, limit: limit)
    }
    func listTasks(_ filter: TaskFilter) async throws -> (tasks: [Task], total: Int64) { try await base.listTasks(filter) }
    func history(taskID: Int64) async throws -> [HistoryEntry]? { try await base.history(taskID: taskID) }
    func nextDueTime(_ query: ClaimQuery) async throws -> Int64? { try await base.nextDueTime(query) }
    func events(afterID: Int64, taskID: Int64?, type: String?, limit: Int) async throws -> [TaskEvent] {
        try await base.events(afterID: afterID, taskID: taskID, type: type, limit: limit)
    }
    func lastHistoryID() async throws -> Int64 { try await base.lastHistoryID() }
    func stats(nowMs: Int64, slowAfterMs: Int64) async throws -> GetStatsResponse {
        try await base.stats(nowMs: nowMs, slowAfterMs: slowAfterMs)
    }
}
