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

    func ping() async throws { try await base.ping() }
    func registerTaskType(name: String, version: String, paramSchemaJSON: String, nowMs: Int64) async throws -> (taskType: TaskType, created: Bool) {
        try await base.registerTaskType(name: name, version: version, paramSchemaJSON: paramSchemaJSON, nowMs: nowMs)
    }
    func taskType(named name: String) async throws -> TaskType? { try await base.taskType(named: name) }
    func listTaskTypes(activeOnly: Bool) async throws -> [TaskType] { try await base.listTaskTypes(activeOnly: activeOnly) }
    func setTaskTypeActive(name: String, active: Bool, nowMs: Int64) async throws -> TaskType? {
        try await base.setTaskTypeActive(name: name, active: active, nowMs: nowMs)
    }
    func createTask(_ task: NewTask) async throws -> (task: Task, deduplicated: Bool) { try await base.createTask(task) }
    func claimTask(_ query: ClaimQuery) async throws -> Task? { try await base.claimTask(query) }
    func updateProgress(id: Int64, workerID: String, progress: Int32, message: String, nowMs: Int64) async throws -> Task {
        try await base.updateProgress(id: id, workerID: workerID, progress: progress, message: message, nowMs: nowMs)
    }
    func completeTask(id: Int64, workerID: String, resultJSON: String, nowMs: Int64) async throws -> Task {
        try await base.completeTask(id: id, workerID: workerID, resultJSON: resultJSON, nowMs: nowMs)
    }
    func failTask(id: Int64, workerID: String, error: String, nowMs: Int64) async throws -> (task: Task, retried: Bool) {
        try await base.failTask(id: id, workerID: workerID, error: error, nowMs: nowMs)
    }
    func listTasks(_ filter: TaskFilter) async throws -> (tasks: [Task], total: Int64) { try await base.listTasks(filter) }
    func history(taskID: Int64) async throws -> [HistoryEntry]? { try await base.history(taskID: taskID) }
}
