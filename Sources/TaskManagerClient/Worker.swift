import NIOConcurrencyHelpers
import TaskManagerCore

/// Claims tasks from a TaskManager server and runs them with registered handlers, following clients/EXAMPLES.md.
///
/// `run()` checks the server's health, registers `Configuration.taskTypes`, then loops: claim; when nothing is
/// claimable, stop if `stopWhenIdle`, else wait `pollInterval`; run the task's handler and complete the task with
/// its result (canonical JSON), or fail it with the handler's error message. A task whose type has no handler is
/// failed with `Unknown task type: <type>`. Up to `maxConcurrentTasks` tasks run at once. An error talking to the
/// server waits twice the poll interval (at most 30 s); `maxConsecutiveErrors` in a row end the run, and a
/// successful claim resets the count. `stop()` ends the run gracefully: no new claims, running tasks finish.
///
/// ```swift
/// let worker = Worker(client: client, configuration: .init(workerID: "resizer-1", selection: .typePattern("image.%")))
/// worker.register("image.resize") { context in
///     await context.progress.report(50, "resizing")
///     return .object(["ok": .bool(true)])
/// }
/// let summary = await worker.run()
/// ```
public final class Worker: Sendable {
    /// Runs one task: returns its result, or throws to fail it.
    public typealias Handler = @Sendable (TaskContext) async throws -> JSONValue

    private struct State {
        var handlers: [String: Handler] = [:]
        var stopRequested = false
        /// The wait in progress, cancelled by `stop()`.
        var pause: _Concurrency.Task<Void, Never>?
        var processed = 0
        var failed = 0
        var consecutiveErrors = 0
        var lastError = ""
    }

    private enum Outcome {
        case completed(JSONValue)
        case failed(String)

        var isFailure: Bool {
            if case .failed = self { return true }
            return false
        }
    }

    public let client: TaskManagerClient
    public let configuration: Configuration
    private let state = NIOLockedValueBox(State())

    /// A worker that talks to the server through `client`; register handlers, then call `run()` once.
    public init(client: TaskManagerClient, configuration: Configuration) {
        self.client = client
        self.configuration = configuration
    }

    /// Runs tasks of type `type` (the exact type name) with `handler`, replacing any earlier handler for it.
    public func register(_ type: String, handler: @escaping Handler) {
        state.withLockedValue { $0.handlers[type] = handler }
    }

    /// Asks the worker to stop: it claims nothing more and `run()` returns once the running tasks have finished.
    public func stop() {
        let pause = state.withLockedValue { state -> _Concurrency.Task<Void, Never>? in
            state.stopRequested = true
            return state.pause
        }
        pause?.cancel()
    }

    /// Works until stopped, idle (with `stopWhenIdle`), `maxRuns` reached, or too many errors; then returns what
    /// it did. Cancelling the calling task stops the worker as `stop()` does, but also cancels the running handlers.
    public func run() async -> Summary {
        await withTaskCancellationHandler {
            await runUntilStopped()
        } onCancel: {
            stop()
        }
    }

    private func runUntilStopped() async -> Summary {
        do {
            _ = try await client.health()
        } catch {
            configuration.log("Health check failed: \(Self.message(of: error))")
            return summary(.healthCheckFailed(Self.message(of: error)))
        }
        for taskType in configuration.taskTypes {
            do {
                _ = try await client.registerTaskType(taskType)
            } catch {
                configuration.log("Cannot register task type \(taskType.name): \(Self.message(of: error))")
                return summary(.registrationFailed(Self.message(of: error)))
            }
        }
        let reason = await withTaskGroup(of: Void.self) { group in
            await claimLoop(group: &group)
        }
        return summary(reason)
    }

    /// Claims and starts tasks until a reason to stop; the caller's task group then waits for the running ones.
    private func claimLoop(group: inout TaskGroup<Void>) async -> ExitReason {
        var running = 0
        var claimed = 0
        let limit = max(configuration.maxConcurrentTasks, 1)
        while true {
            if let reason = reasonToStop(claimed: claimed) { return reason }
            if running >= limit {
                await group.next()
                running -= 1
                continue
            }
            let claim: Task?
            do {
                claim = try await claimNext()
                state.withLockedValue { $0.consecutiveErrors = 0 }
            } catch {
                configuration.log("Claim failed: \(Self.message(of: error))")
                if recordError(error) >= configuration.maxConsecutiveErrors { return .tooManyErrors(Self.message(of: error)) }
                await pause(for: configuration.errorBackoff)
                continue
            }
            guard let task = claim else {
                if configuration.stopWhenIdle {
                    // A running task may still put work back (a retried failure), so idle means nothing running.
                    guard running > 0 else { return .idle }
                    await group.next()
                    running -= 1
                } else {
                    await pause(for: configuration.pollInterval)
                }
                continue
            }
            claimed += 1
            running += 1
            group.addTask { await self.process(task) }
        }
    }

    private func reasonToStop(claimed: Int) -> ExitReason? {
        state.withLockedValue { state in
            if state.stopRequested { return .stopRequested }
            if state.consecutiveErrors >= configuration.maxConsecutiveErrors { return .tooManyErrors(state.lastError) }
            if configuration.maxRuns > 0 && claimed >= configuration.maxRuns { return .maxRunsReached }
            return nil
        }
    }

    /// The next task of the selection, or nil when none is claimable.
    private func claimNext() async throws -> Task? {
        let workerID = configuration.workerID
        switch configuration.selection {
        case .typePattern(let pattern):
            return try await client.claimTask(ClaimTaskRequest(workerID: workerID, typePattern: pattern))
        case .taskTypeIDs(let ids):
            for id in ids {
                if let task = try await client.claimTask(ClaimTaskRequest(workerID: workerID, taskTypeID: id)) { return task }
            }
            return nil
        }
    }

    /// Runs the task's handler and reports the outcome to the server.
    private func process(_ task: Task) async {
        let outcome = await outcome(of: task)
        let workerID = configuration.workerID
        do {
            switch outcome {
            case .completed(let result):
                _ = try await client.completeTask(CompleteTaskRequest(id: task.id, workerID: workerID, resultJSON: result.canonicalText))
                configuration.log("Task \(task.id) (\(task.type)) completed")
            case .failed(let message):
                _ = try await client.failTask(FailTaskRequest(id: task.id, workerID: workerID, error: message))
                configuration.log("Task \(task.id) (\(task.type)) failed: \(message)")
            }
            record(failed: outcome.isFailure)
        } catch {
            configuration.log("Cannot report the outcome of task \(task.id): \(Self.message(of: error))")
            record(failed: true)
            recordError(error)
        }
    }

    private func outcome(of task: Task) async -> Outcome {
        guard let handler = state.withLockedValue({ $0.handlers[task.type] }) else {
            return .failed("Unknown task type: \(task.type)")
        }
        let params: JSONValue
        do {
            params = task.paramsJSON.isEmpty ? .object([:]) : try JSONValue.parse(task.paramsJSON)
        } catch {
            return .failed("Invalid params: \(error)")
        }
        let log = configuration.log
        let progress = ProgressReporter(
            client: client, taskID: task.id, workerID: configuration.workerID,
            onError: { error in log("Progress update of task \(task.id) failed: \(Self.message(of: error))") })
        do {
            return .completed(try await handler(TaskContext(task: task, params: params, progress: progress, workerID: configuration.workerID)))
        } catch {
            return .failed(Self.message(of: error))
        }
    }

    /// Waits `duration`, or less if `stop()` is called meanwhile.
    private func pause(for duration: Duration) async {
        let pause = _Concurrency.Task { _ = try? await _Concurrency.Task.sleep(for: duration) }
        let stopped = state.withLockedValue { state -> Bool in
            state.pause = pause
            return state.stopRequested
        }
        if stopped { pause.cancel() }
        await pause.value
        state.withLockedValue { $0.pause = nil }
    }

    private func record(failed: Bool) {
        state.withLockedValue { state in
            state.processed += 1
            if failed { state.failed += 1 }
        }
    }

    /// Counts an error talking to the server; returns the consecutive count.
    @discardableResult
    private func recordError(_ error: any Error) -> Int {
        state.withLockedValue { state in
            state.consecutiveErrors += 1
            state.lastError = Self.message(of: error)
            return state.consecutiveErrors
        }
    }

    private func summary(_ reason: ExitReason) -> Summary {
        state.withLockedValue { Summary(processed: $0.processed, failed: $0.failed, exitReason: reason) }
    }

    /// The text that goes to FailTask and the log: a TaskManagerError's message, else the error's description.
    static func message(of error: any Error) -> String {
        (error as? TaskManagerError)?.message ?? String(describing: error)
    }
}
