import TaskManagerCore

/// Durable storage of task types, tasks and their history.
///
/// Every method is one transaction: it either happens whole or not at all. Domain failures are thrown as
/// `TaskManagerError` with the wire messages (for example `.taskNotFound`); storage failures as
/// `TaskManagerError` with code `UNAVAILABLE` (busy, locked) or `INTERNAL`, and no SQL or user data in the message.
/// Inputs arrive validated and normalised by the service (JSON canonical, ranges checked).
public protocol TaskStore: Sendable {
    /// Checks that the database answers.
    func ping() async throws

    /// Inserts a type, or replaces the version and schema of the type with that name and re-activates it.
    func registerTaskType(name: String, version: String, paramSchemaJSON: String, nowMs: Int64) async throws
        -> (taskType: TaskType, created: Bool)

    /// The type with this name, with its usage count, or nil.
    func taskType(named name: String) async throws -> TaskType?

    /// All types (or only the active ones) with their usage counts, most used first, then by name.
    func listTaskTypes(activeOnly: Bool) async throws -> [TaskType]

    /// Sets a type's active flag; nil when no type has this name.
    func setTaskTypeActive(name: String, active: Bool, nowMs: Int64) async throws -> TaskType?

    /// Inserts a pending task with history `created`, or returns the task that has the same dedupe key.
    func createTask(_ task: NewTask) async throws -> (task: Task, deduplicated: Bool)

    /// Atomically claims the first claimable task matching the query (history `claimed`); nil when none.
    func claimTask(_ query: ClaimQuery) async throws -> Task?

    /// Stores progress and message on a task claimed by `workerID` (history `progress_update`).
    func updateProgress(id: Int64, workerID: String, progress: Int32, message: String, nowMs: Int64) async throws -> Task

    /// Marks a task claimed by `workerID` completed with its result (history `completed`).
    func completeTask(id: Int64, workerID: String, resultJSON: String, nowMs: Int64) async throws -> Task

    /// Records a failure of a task claimed by `workerID`: back to pending while attempts remain
    /// (history `retry`, `retried = true`), else failed for good (history `failed`).
    func failTask(id: Int64, workerID: String, error: String, nowMs: Int64) async throws -> (task: Task, retried: Bool)

    /// The task with this id, or nil.
    func task(id: Int64) async throws -> Task?

    /// One page of tasks matching the filter, newest first, and the number of tasks matching it.
    func listTasks(_ filter: TaskFilter) async throws -> (tasks: [Task], total: Int64)

    /// The task's history, oldest first; nil when the task does not exist.
    func history(taskID: Int64) async throws -> [HistoryEntry]?
}

/// A task to insert, already validated.
public struct NewTask: Sendable, Hashable {
    public var typeID: Int64
    /// Canonical JSON object text.
    public var paramsJSON: String
    public var priority: Int32
    public var dedupeKey: String
    public var maxAttempts: Int32
    public var nowMs: Int64

    public init(typeID: Int64, paramsJSON: String, priority: Int32, dedupeKey: String, maxAttempts: Int32, nowMs: Int64) {
        self.typeID = typeID
        self.paramsJSON = paramsJSON
        self.priority = priority
        self.dedupeKey = dedupeKey
        self.maxAttempts = maxAttempts
        self.nowMs = nowMs
    }
}

/// Which task a claim takes.
public struct ClaimQuery: Sendable, Hashable {
    public var workerID: String
    /// Only tasks of this type id, when set.
    public var taskTypeID: Int64?
    /// Only tasks whose type name matches this SQL LIKE pattern, when set.
    public var typePattern: String?
    public var order: ClaimOrder
    public var nowMs: Int64
    /// Claims made before this time are stale: such a task can be claimed again (a new attempt),
    /// or is failed when it has no attempts left.
    public var staleBeforeMs: Int64

    public init(workerID: String, taskTypeID: Int64?, typePattern: String?, order: ClaimOrder, nowMs: Int64, staleBeforeMs: Int64) {
        self.workerID = workerID
        self.taskTypeID = taskTypeID
        self.typePattern = typePattern
        self.order = order
        self.nowMs = nowMs
        self.staleBeforeMs = staleBeforeMs
    }
}

/// The order in which claimable tasks are handed out. Ties are always broken by id ascending.
public enum ClaimOrder: Sendable, Hashable {
    /// priority DESC, created_at ASC, id ASC.
    case priorityThenAge
    /// One column in one direction, then id ASC.
    case by(ClaimSortKey, ascending: Bool)
}

/// The columns a claim may sort by (the original's whitelist).
public enum ClaimSortKey: String, Sendable, Hashable, CaseIterable {
    case createdAt = "created_at"
    case priority
    case id
    case attempts
}

/// Which tasks a listing returns.
public struct TaskFilter: Sendable, Hashable {
    public var status: TaskStatus?
    /// Type name: exact, or an SQL LIKE pattern when it contains `%`.
    public var type: String?
    public var claimedBy: String?
    public var limit: Int
    public var offset: Int

    public init(status: TaskStatus? = nil, type: String? = nil, claimedBy: String? = nil, limit: Int = 50, offset: Int = 0) {
        self.status = status
        self.type = type
        self.claimedBy = claimedBy
        self.limit = limit
        self.offset = offset
    }
}
