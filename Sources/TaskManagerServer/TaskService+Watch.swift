import TaskManagerCore

extension TaskService {
    /// History entries read per round; a round that fills it reads again at once.
    static let watchBatch = 500
    /// The longest a watch waits without looking again, in case a change came from elsewhere (another server
    /// process on the same database file); a shared store's `recheckInterval` when it has one.
    static let watchIdleRecheck: Duration = .seconds(5)

    /// The task's snapshot, then every history entry after `after_history_id`, live, until the task is finished.
    func watchTask(_ request: WatchTaskRequest, _ context: CallContext, _ sink: StreamSink<TaskEvent>) async throws {
        guard let snapshot = try await store.task(id: request.id) else { throw TaskManagerError.taskNotFound }
        try sink.send(TaskEvent(task: snapshot))
        var cursor = max(request.afterHistoryID, 0)
        while true {
            let generation = historyNotifier.generation
            // The state is read before the entries: the entry that finished the task is written together with
            // the final status, so once the status is final, this round's read includes that entry.
            let finished = try await store.task(id: request.id).map { Self.isFinished($0.status) } ?? true
            let events = try await store.events(afterID: cursor, taskID: request.id, type: nil, limit: Self.watchBatch)
            for event in events {
                try sink.send(event)
                cursor = event.entry?.id ?? cursor
            }
            if events.count == Self.watchBatch { continue }
            // Finished, or deleted by retention: the stream is complete.
            if finished { return }
            await historyNotifier.wait(after: generation, timeout: recheckInterval)
            try _Concurrency.Task.checkCancellation()
        }
    }

    /// Every history entry of the tasks matching the filter, live, until the client cancels.
    func watchTasks(_ request: WatchTasksRequest, _ context: CallContext, _ sink: StreamSink<TaskEvent>) async throws {
        let type = try Self.checkLength(request.type.trimmingCharacters(in: .whitespaces), "type")
        var cursor = request.afterHistoryID > 0 ? request.afterHistoryID : try await store.lastHistoryID()
        while true {
            let generation = historyNotifier.generation
            let events = try await store.events(afterID: cursor, taskID: nil, type: type.isEmpty ? nil : type, limit: Self.watchBatch)
            for event in events {
                try sink.send(event)
            }
            if let last = events.last?.entry?.id { cursor = last }
            if events.count == Self.watchBatch { continue }
            await historyNotifier.wait(after: generation, timeout: recheckInterval)
            try _Concurrency.Task.checkCancellation()
        }
    }

    static func isFinished(_ status: TaskStatus) -> Bool {
        status == .completed || status == .failed || status == .cancelled
    }
}
