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

    /// How the servers sharing this store act together; nil when one server owns it alone.
    var coordination: (any StoreCoordination)? { get }

    /// Why the store cannot take writes although it answers (a failed WAL sync, final until a restart); nil while
    /// it can.
    var notReadyReason: String? { get }

    /// Inserts a type, or replaces the version, schema and settings of the type with that name and re-activates it.
    func registerTaskType(name: String, version: String, paramSchemaJSON: String, settings: TaskTypeSettings, nowMs: Int64)
        async throws -> (taskType: TaskType, created: Bool)

    /// The type with this name, or nil; with its usage count only when `includingUsage` (counting its tasks
    /// grows with the queue, so the create path, which needs only the type, leaves it out).
    func taskType(named name: String, includingUsage: Bool) async throws -> TaskType?

    /// `taskType(named:includingUsage: false)` when it can be answered at once on the calling thread; `.wouldWait`
    /// otherwise.
    func taskTypeNow(named name: String) throws -> ImmediateRead<TaskType?>

    /// All types (or only the active ones) with their usage counts, most used first, then by name.
    func listTaskTypes(activeOnly: Bool) async throws -> [TaskType]

    /// Sets a type's active flag; nil when no type has this name.
    func setTaskTypeActive(name: String, active: Bool, nowMs: Int64) async throws -> TaskType?

    /// Inserts a pending task with history `created`, or returns the task that has the same dedupe key.
    ///
    /// The six calls of a task's life (create, claim, progress, heartbeat, complete, fail) take a completion instead
    /// of being `async`, so that a server can start them from its event loop without a Swift task; `then` is called
    /// once, on the thread the call came from when that is an event loop of the store's `AnswerHop`. The `async`
    /// forms are in an extension.
    func createTask(_ task: NewTask, then: @escaping StoreCompletion<(task: Task, deduplicated: Bool)>)

    /// `createTask` for each of `tasks`, in order, as one write; an item that fails leaves the others.
    func createTasks(_ tasks: [NewTask]) async throws -> [Result<(task: Task, deduplicated: Bool), TaskManagerError>]

    /// Atomically claims the first claimable task matching the query (history `claimed`) and gives it a lease;
    /// nil when none. Claimable: pending and due (`run_at_ms <= now`), or claimed with an expired lease (which is
    /// ended first exactly as `reapExpiredLeases` would).
    func claimTask(_ query: ClaimQuery, then: @escaping StoreCompletion<Task?>)

    /// When the next pending task matching the query's filter becomes due (a delayed task or a retry waiting
    /// out its backoff), if any is not due yet at `query.nowMs`.
    func nextDueTime(_ query: ClaimQuery) async throws -> Int64?

    /// Stores progress and message on a task claimed by `claim.workerID` (history `progress_update`), renews its
    /// lease, and clears its stall when the progress changed.
    func updateProgress(_ claim: ClaimCheck, progress: Int32, message: String, then: @escaping StoreCompletion<Task>)

    /// Renews the lease of a task claimed by `claim.workerID`.
    func heartbeat(_ claim: ClaimCheck, then: @escaping StoreCompletion<Task>)

    /// Marks a task claimed by `claim.workerID` completed with its result (history `completed`).
    func completeTask(_ claim: ClaimCheck, resultJSON: String, then: @escaping StoreCompletion<Task>)

    /// Records a failure of a task claimed by `claim.workerID`: cancelled when a cancel was requested (history
    /// `cancelled`); else back to pending, due after the task's retry backoff, while attempts remain (history
    /// `retry`, `retried = true`); else failed for good (history `failed`).
    /// - Parameter jitter: in 0..<1, scales the random part of the backoff (see `RetryBackoff`).
    func failTask(_ claim: ClaimCheck, error: String, jitter: Double, then: @escaping StoreCompletion<(task: Task, retried: Bool)>)

    /// Cancels a task: a pending one at once (status cancelled, history `cancelled`); a claimed one is marked
    /// `cancel_requested` (history `cancel_requested`) and ends when its worker fails it or its lease expires.
    /// Throws NOT_FOUND for an unknown task and `.taskFinished` for a completed, failed or cancelled one.
    func cancelTask(id: Int64, reason: String, nowMs: Int64) async throws -> Task

    /// Ends every lease that expired before `nowMs`: the task goes back to pending (history `lease_expired`,
    /// the attempt counted), or is failed with "lease expired" when it has no attempts left, or is cancelled
    /// when a cancel was requested. Returns the tasks as they are afterwards.
    func reapExpiredLeases(nowMs: Int64) async throws -> [Task]

    /// Marks stalled every claimed task whose progress has not changed for its type's `stall_after_seconds`
    /// (or `defaultStallAfterMs`; 0 turns the default off) and is not marked yet (history `stalled`).
    func markStalledTasks(nowMs: Int64, defaultStallAfterMs: Int64) async throws -> [Task]

    /// Deletes up to `limit` completed, failed or cancelled tasks that finished before `finishedBeforeMs`,
    /// with their history; returns how many were deleted.
    func deleteFinishedTasks(finishedBeforeMs: Int64, limit: Int) async throws -> Int

    /// The task with this id, or nil.
    func task(id: Int64) async throws -> Task?

    /// `task(id:)` when it can be answered at once on the calling thread, without waiting for anything (an event
    /// loop calls it); `.wouldWait` otherwise.
    func taskNow(id: Int64) throws -> ImmediateRead<Task?>

    /// Whether the database answers, when that can be checked at once on the calling thread.
    func pingNow() throws -> ImmediateRead<Void>

    /// One page of tasks matching the filter, newest first, and the number of tasks matching it.
    func listTasks(_ filter: TaskFilter) async throws -> (tasks: [Task], total: Int64)

    /// The task's history, oldest first; nil when the task does not exist.
    func history(taskID: Int64) async throws -> [HistoryEntry]?

    /// Up to `limit` history entries with ids above `afterID`, oldest first, each with its task as it is now:
    /// of one task (`taskID`), or of the tasks whose type matches `type` (exact, or LIKE when it contains `%`;
    /// nil = all). Entries of deleted tasks are skipped.
    func events(afterID: Int64, taskID: Int64?, type: String?, limit: Int) async throws -> [TaskEvent]

    /// The largest history id so far (0 when there is none): where a watch "from now on" starts.
    func lastHistoryID() async throws -> Int64

    /// The dashboard figures at `nowMs`; `slowAfterMs` is how long a claim runs before it counts as slow.
    func stats(nowMs: Int64, slowAfterMs: Int64) async throws -> GetStatsResponse
}

/// A task to insert, already validated, with every default resolved.
public struct NewTask: Sendable, Hashable {
    public var typeID: Int64
    /// Canonical JSON object text.
    public var paramsJSON: String
    public var priority: Int32
    public var dedupeKey: String
    public var maxAttempts: Int32
    public var nowMs: Int64
    /// Not claimable before this time; `nowMs` (or earlier) = at once.
    public var runAtMs: Int64
    /// The retry backoff of this task's failed attempts.
    public var retryBackoff: RetryBackoff
    /// The name of the API key that creates it; "" without keys.
    public var createdBy: String

    public init(
        typeID: Int64, paramsJSON: String, priority: Int32, dedupeKey: String, maxAttempts: Int32, nowMs: Int64,
        runAtMs: Int64 = 0, retryBackoff: RetryBackoff = RetryBackoff(baseMs: 0, capMs: 0), createdBy: String = ""
    ) {
        self.createdBy = createdBy
        self.typeID = typeID
        self.paramsJSON = paramsJSON
        self.priority = priority
        self.dedupeKey = dedupeKey
        self.maxAttempts = maxAttempts
        self.nowMs = nowMs
        self.runAtMs = runAtMs
        self.retryBackoff = retryBackoff
    }
}

/// Who claims to hold a task: checked by every call a worker makes about its task.
///
/// In order: unknown task → `.taskNotFound`; `attempt` given (> 0) and not the task's current attempt, or the
/// lease of that attempt already ended (expired) → `.leaseLost`; not claimed → `.taskNotClaimed`; claimed by
/// another worker → `.claimedByAnotherWorker`.
public struct ClaimCheck: Sendable, Hashable {
    public var id: Int64
    public var workerID: String
    /// The attempt number the claim returned; 0 = not checked.
    public var attempt: Int32
    public var nowMs: Int64
    /// The lease a renewal grants when the task's type sets none.
    public var defaultLeaseMs: Int64

    public init(id: Int64, workerID: String, attempt: Int32 = 0, nowMs: Int64, defaultLeaseMs: Int64) {
        self.id = id
        self.workerID = workerID
        self.attempt = attempt
        self.nowMs = nowMs
        self.defaultLeaseMs = defaultLeaseMs
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
    /// The lease a claim grants when the task's type sets no `lease_seconds`.
    public var defaultLeaseMs: Int64

    public init(workerID: String, taskTypeID: Int64?, typePattern: String?, order: ClaimOrder, nowMs: Int64, defaultLeaseMs: Int64) {
        self.workerID = workerID
        self.taskTypeID = taskTypeID
        self.typePattern = typePattern
        self.order = order
        self.nowMs = nowMs
        self.defaultLeaseMs = defaultLeaseMs
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
    /// Only claimed tasks marked stalled.
    public var stalledOnly: Bool
    public var limit: Int
    public var offset: Int

    public init(
        status: TaskStatus? = nil, type: String? = nil, claimedBy: String? = nil, stalledOnly: Bool = false, limit: Int = 50,
        offset: Int = 0
    ) {
        self.status = status
        self.type = type
        self.claimedBy = claimedBy
        self.stalledOnly = stalledOnly
        self.limit = limit
        self.offset = offset
    }
}

/// Called once with the outcome of a store call that takes a completion.
public typealias StoreCompletion<T> = @Sendable (Result<T, any Error>) -> Void

extension TaskStore {
    public var coordination: (any StoreCoordination)? { nil }

    public var notReadyReason: String? { nil }

    public func createTask(_ task: NewTask) async throws -> (task: Task, deduplicated: Bool) {
        try await awaiting { createTask(task, then: $0) }
    }

    public func claimTask(_ query: ClaimQuery) async throws -> Task? {
        try await awaiting { claimTask(query, then: $0) }
    }

    public func updateProgress(_ claim: ClaimCheck, progress: Int32, message: String) async throws -> Task {
        try await awaiting { updateProgress(claim, progress: progress, message: message, then: $0) }
    }

    public func heartbeat(_ claim: ClaimCheck) async throws -> Task {
        try await awaiting { heartbeat(claim, then: $0) }
    }

    public func completeTask(_ claim: ClaimCheck, resultJSON: String) async throws -> Task {
        try await awaiting { completeTask(claim, resultJSON: resultJSON, then: $0) }
    }

    public func failTask(_ claim: ClaimCheck, error: String, jitter: Double) async throws -> (task: Task, retried: Bool) {
        try await awaiting { failTask(claim, error: error, jitter: jitter, then: $0) }
    }

    /// One `createTask` after another: for stores that cannot do better.
    public func createTasks(_ tasks: [NewTask]) async throws -> [Result<(task: Task, deduplicated: Bool), TaskManagerError>] {
        var results: [Result<(task: Task, deduplicated: Bool), TaskManagerError>] = []
        for task in tasks {
            do {
                results.append(.success(try await createTask(task)))
            } catch let error as TaskManagerError {
                results.append(.failure(error))
            }
        }
        return results
    }

    /// Stores that cannot answer without waiting never do.
    public func taskNow(id: Int64) throws -> ImmediateRead<Task?> { .wouldWait }

    public func pingNow() throws -> ImmediateRead<Void> { .wouldWait }

    public func taskTypeNow(named name: String) throws -> ImmediateRead<TaskType?> { .wouldWait }

    /// The type with this name and its usage count, or nil.
    public func taskType(named name: String) async throws -> TaskType? {
        try await taskType(named: name, includingUsage: true)
    }
}

/// The result of a call that takes a `StoreCompletion`, awaited.
func awaiting<T: Sendable>(_ start: (@escaping StoreCompletion<T>) -> Void) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        start { continuation.resume(with: $0) }
    }
}
