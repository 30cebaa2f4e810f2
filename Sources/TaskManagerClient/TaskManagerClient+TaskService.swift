import TaskManagerCore

// Typed calls of taskmanager.v1.TaskService.
extension TaskManagerClient {
    public func health() async throws -> HealthResponse {
        try await call("Health", HealthRequest())
    }

    public func registerTaskType(_ request: RegisterTaskTypeRequest) async throws -> RegisterTaskTypeResponse {
        try await call("RegisterTaskType", request)
    }

    public func getTaskType(name: String) async throws -> TaskType {
        try await call("GetTaskType", GetTaskTypeRequest(name: name))
    }

    public func listTaskTypes(activeOnly: Bool = false) async throws -> [TaskType] {
        try await call("ListTaskTypes", ListTaskTypesRequest(activeOnly: activeOnly), as: ListTaskTypesResponse.self).taskTypes
    }

    public func setTaskTypeActive(name: String, active: Bool) async throws -> TaskType {
        try await call("SetTaskTypeActive", SetTaskTypeActiveRequest(name: name, active: active))
    }

    public func createTask(_ request: CreateTaskRequest) async throws -> CreateTaskResponse {
        try await call("CreateTask", request)
    }

    /// The claimed task, or nil when nothing is claimable.
    public func claimTask(_ request: ClaimTaskRequest) async throws -> Task? {
        try await call("ClaimTask", request, as: ClaimTaskResponse.self, waitMs: request.waitMs).task
    }

    public func updateProgress(_ request: UpdateProgressRequest) async throws -> UpdateProgressResponse {
        try await call("UpdateProgress", request)
    }

    public func completeTask(_ request: CompleteTaskRequest) async throws -> CompleteTaskResponse {
        try await call("CompleteTask", request)
    }

    public func failTask(_ request: FailTaskRequest) async throws -> FailTaskResponse {
        try await call("FailTask", request)
    }

    public func getTask(id: Int64) async throws -> Task {
        try await call("GetTask", GetTaskRequest(id: id))
    }

    public func listTasks(_ request: ListTasksRequest = ListTasksRequest()) async throws -> ListTasksResponse {
        try await call("ListTasks", request)
    }

    public func getTaskHistory(taskID: Int64) async throws -> [HistoryEntry] {
        try await call("GetTaskHistory", GetTaskHistoryRequest(taskID: taskID), as: GetTaskHistoryResponse.self).entries
    }

    /// Renews the lease of a task this worker holds; says whether a cancel was requested.
    public func heartbeat(_ request: HeartbeatRequest) async throws -> HeartbeatResponse {
        try await call("Heartbeat", request)
    }

    /// Cancels a task: at once when pending; when claimed, its worker is told through `cancelRequested`.
    public func cancelTask(id: Int64, reason: String = "") async throws -> Task {
        guard let task = try await call("CancelTask", CancelTaskRequest(id: id, reason: reason), as: CancelTaskResponse.self).task else {
            throw TaskManagerError(.internal, "CancelTask answered without a task")
        }
        return task
    }

    /// The task's snapshot (an event without entry), then its history events as they happen, until the task
    /// is finished. Pass the last history id seen to resume after a reconnect without missing or repeating one.
    public func watchTask(id: Int64, afterHistoryID: Int64 = 0) -> AsyncThrowingStream<TaskEvent, any Error> {
        stream("WatchTask", WatchTaskRequest(id: id, afterHistoryID: afterHistoryID))
    }

    /// History events of every task matching `type` (exact, or LIKE with `%`; "" = all), from now on or after
    /// `afterHistoryID`, until the iteration stops.
    public func watchTasks(type: String = "", afterHistoryID: Int64 = 0) -> AsyncThrowingStream<TaskEvent, any Error> {
        stream("WatchTasks", WatchTasksRequest(type: type, afterHistoryID: afterHistoryID))
    }

    /// The dashboard figures.
    public func getStats(slowAfterMinutes: Int32 = 0) async throws -> GetStatsResponse {
        try await call("GetStats", GetStatsRequest(slowAfterMinutes: slowAfterMinutes))
    }

    /// Creates many tasks in one call; each result says what CreateTask would have said for its item.
    public func createTasks(_ items: [CreateTaskRequest]) async throws -> [CreateTaskResult] {
        try await call("CreateTasks", CreateTasksRequest(tasks: items), as: CreateTasksResponse.self).results
    }

    /// Claims up to `max` tasks for one worker in one call.
    public func claimTasks(_ claim: ClaimTaskRequest, max: Int32) async throws -> [Task] {
        try await call("ClaimTasks", ClaimTasksRequest(claim: claim, max: max), as: ClaimTasksResponse.self, waitMs: claim.waitMs).tasks
    }
}
