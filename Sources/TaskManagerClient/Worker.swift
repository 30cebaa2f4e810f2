import NIOConcurrencyHelpers
import TaskManagerCore

/// Claims tasks from a TaskManager server and runs them with registered handlers, following clients/EXAMPLES.md.
///
/// `run()` checks the server's health, registers `Configuration.taskTypes`, then loops: claim, waiting on the
/// server up to `claimWaitMs` for a task to appear (a long poll; with `stopWhenIdle` it does not wait, and with
/// several `taskTypeIDs` it sleeps `pollInterval` instead, as one claim cannot wait on several ids); with free
/// slots for several tasks it claims them in one `ClaimTasks`. Each task's handler runs while the worker renews
/// its lease with `Heartbeat` every third of the lease. Every call about the task sends the claim's attempt.
/// A cancel request (from a heartbeat or progress reply) or a lost lease cancels the handler (`TaskContext.claim`
/// says which); a cancelled task is failed, which the server turns into `cancelled`, and the result of a task
/// whose lease was lost is dropped and logged, since another worker may have it now. Otherwise the task is
/// completed with its result (canonical JSON), or failed with the handler's error message. A task whose type has
/// no handler is failed with `Unknown task type: <type>`. Up to `maxConcurrentTasks` tasks run at once. An error
/// talking to the server waits twice the poll interval (at most 30 s); `maxConsecutiveErrors` in a row end the
/// run, and a successful claim resets the count. CompleteTask and FailTask are tried again after UNAVAILABLE
/// (the client reconnects): with the attempt sent, a repeat of one already applied is refused, never applied
/// twice. `stop()` ends the run gracefully: no new claims, running tasks finish.
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
        /// The claim in flight (it may be waiting on the server), cancelled by `stop()`.
        var claim: _Concurrency.Task<[Task], any Error>?
        var processed = 0
        var failed = 0
        var consecutiveErrors = 0
        var lastError = ""
    }

    private enum Outcome {
        case completed(JSONValue)
        case failed(String)
        /// The handler stopped for a cancel request.
        case cancelled
        /// The lease was lost while the handler ran: nothing is reported.
        case dropped

        var isFailure: Bool {
            if case .completed = self { return false }
            return true
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
        let (pause, claim) = state.withLockedValue { state in
            state.stopRequested = true
            return (state.pause, state.claim)
        }
        pause?.cancel()
        // The server ends a waiting claim when it is cancelled; a task it claimed just before still comes back
        // and runs.
        claim?.cancel()
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
            let claims: [Task]
            do {
                claims = try await claimUnlessStopped(upTo: min(limit - running, configuration.maxRuns > 0 ? configuration.maxRuns - claimed : .max))
                state.withLockedValue { $0.consecutiveErrors = 0 }
            } catch where state.withLockedValue({ $0.stopRequested }) {
                continue
            } catch {
                configuration.log("Claim failed: \(Self.message(of: error))")
                if recordError(error) >= configuration.maxConsecutiveErrors { return .tooManyErrors(Self.message(of: error)) }
                await pause(for: configuration.errorBackoff)
                continue
            }
            guard !claims.isEmpty else {
                if configuration.stopWhenIdle {
                    // A running task may still put work back (a retried failure), so idle means nothing running.
                    guard running > 0 else { return .idle }
                    await group.next()
                    running -= 1
                } else if !claimsWait {
                    await pause(for: configuration.pollInterval)
                }
                continue
            }
            for task in claims {
                claimed += 1
                running += 1
                group.addTask { await self.process(task) }
            }
        }
    }

    /// Whether a claim waits on the server for a task (so no sleep is needed between claims that found none).
    private var claimsWait: Bool {
        guard !configuration.stopWhenIdle, configuration.claimWaitMs > 0 else { return false }
        if case .taskTypeIDs(let ids) = configuration.selection { return ids.count == 1 }
        return true
    }

    private func reasonToStop(claimed: Int) -> ExitReason? {
        state.withLockedValue { state in
            if state.stopRequested { return .stopRequested }
            if state.consecutiveErrors >= configuration.maxConsecutiveErrors { return .tooManyErrors(state.lastError) }
            if configuration.maxRuns > 0 && claimed >= configuration.maxRuns { return .maxRunsReached }
            return nil
        }
    }

    /// `claimNext(upTo:)` in a task that `stop()` can cancel.
    private func claimUnlessStopped(upTo count: Int) async throws -> [Task] {
        let claim = _Concurrency.Task { try await self.claimNext(upTo: count) }
        let stopped = state.withLockedValue { state -> Bool in
            state.claim = claim
            return state.stopRequested
        }
        if stopped { claim.cancel() }
        defer { state.withLockedValue { $0.claim = nil } }
        return try await claim.value
    }

    /// Up to `count` tasks of the selection (one `ClaimTasks` for several); none when nothing is claimable.
    private func claimNext(upTo count: Int) async throws -> [Task] {
        let workerID = configuration.workerID
        let waitMs = claimsWait ? configuration.claimWaitMs : 0
        switch configuration.selection {
        case .typePattern(let pattern):
            return try await claim(ClaimTaskRequest(workerID: workerID, typePattern: pattern, waitMs: waitMs), count)
        case .taskTypeIDs(let ids):
            for id in ids {
                let tasks = try await claim(ClaimTaskRequest(workerID: workerID, taskTypeID: id, waitMs: waitMs), count)
                if !tasks.isEmpty { return tasks }
            }
            return []
        }
    }

    private func claim(_ request: ClaimTaskRequest, _ count: Int) async throws -> [Task] {
        guard count > 1 else { return try await client.claimTask(request).map { [$0] } ?? [] }
        return try await client.claimTasks(request, max: Int32(min(count, Self.maxClaimBatch)))
    }

    /// The most tasks one `ClaimTasks` may take (the server's limit).
    static let maxClaimBatch = 100

    /// Runs the task's handler, renewing its lease meanwhile, and reports the outcome to the server.
    private func process(_ task: Task) async {
        let claim = ClaimState()
        let heartbeats = _Concurrency.Task { await self.renewLease(of: task, claim) }
        let outcome = await outcome(of: task, claim)
        heartbeats.cancel()
        let done = CompleteTaskRequest(id: task.id, workerID: configuration.workerID, attempt: task.attempts)
        do {
            switch outcome {
            case .completed(let result):
                var request = done
                request.resultJSON = result.canonicalText
                _ = try await retryingIfUnavailable { try await self.client.completeTask(request) }
                configuration.log("Task \(task.id) (\(task.type)) completed")
            case .failed(let message):
                try await fail(task, message)
                configuration.log("Task \(task.id) (\(task.type)) failed: \(message)")
            case .cancelled:
                try await fail(task, await cancelMessage(of: task))
                configuration.log("Task \(task.id) (\(task.type)) cancelled")
            case .dropped:
                configuration.log("Task \(task.id) (\(task.type)): lease lost, its result is dropped")
            }
            record(failed: outcome.isFailure)
        } catch let error as TaskManagerError where error.isLostClaim {
            configuration.log("Task \(task.id) (\(task.type)): \(error.message), its result is dropped")
            record(failed: true)
        } catch {
            configuration.log("Cannot report the outcome of task \(task.id): \(Self.message(of: error))")
            record(failed: true)
            recordError(error)
        }
    }

    /// The error a cancelled task is failed with: `Cancelled: <the reason given to CancelTask>`.
    private func cancelMessage(of task: Task) async -> String {
        let reason = (try? await client.getTask(id: task.id).cancelReason) ?? ""
        return reason.isEmpty ? "Cancelled" : "Cancelled: \(reason)"
    }

    private func fail(_ task: Task, _ message: String) async throws {
        let request = FailTaskRequest(id: task.id, workerID: configuration.workerID, error: message, attempt: task.attempts)
        _ = try await retryingIfUnavailable { try await self.client.failTask(request) }
    }

    /// Runs `call`, and again (up to 3 times, 1 s apart) while it fails with UNAVAILABLE: for the calls that
    /// the attempt number makes safe to repeat.
    private func retryingIfUnavailable<T>(_ call: () async throws -> T) async throws -> T {
        var tries = 0
        while true {
            do {
                return try await call()
            } catch let error as TaskManagerError where error.code == .unavailable && tries < 3 {
                tries += 1
                configuration.log("\(error.message); trying again")
                try? await _Concurrency.Task.sleep(for: .seconds(1))
            }
        }
    }

    /// Sends `Heartbeat` every third of the task's lease until cancelled, or until the lease is lost.
    private func renewLease(of task: Task, _ claim: ClaimState) async {
        let request = HeartbeatRequest(id: task.id, workerID: configuration.workerID, attempt: task.attempts)
        let interval = configuration.heartbeatInterval ?? Self.heartbeatInterval(of: task)
        while !_Concurrency.Task.isCancelled {
            do {
                try await _Concurrency.Task.sleep(for: interval)
            } catch {
                return
            }
            do {
                let response = try await client.heartbeat(request)
                if response.cancelRequested { claim.requestCancel() }
            } catch let error as TaskManagerError where error.isLostClaim {
                configuration.log("Task \(task.id): \(error.message)")
                return claim.loseLease()
            } catch {
                // The next beat may get through (the client reconnects); the lease still has two thirds left.
                configuration.log("Heartbeat of task \(task.id) failed: \(Self.message(of: error))")
            }
        }
    }

    /// A third of the lease the claim granted (at least 100 ms; 10 s when the task does not say).
    static func heartbeatInterval(of task: Task) -> Duration {
        let leaseMs = task.leaseExpiresAtMs - task.claimedAtMs
        guard leaseMs > 0 else { return .seconds(10) }
        return .milliseconds(max(leaseMs / 3, 100))
    }

    private func outcome(of task: Task, _ claim: ClaimState) async -> Outcome {
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
            client: client, taskID: task.id, workerID: configuration.workerID, attempt: task.attempts, claim: claim,
            onError: { error in log("Progress update of task \(task.id) failed: \(Self.message(of: error))") })
        let context = TaskContext(task: task, params: params, progress: progress, workerID: configuration.workerID, claim: claim)
        let running = _Concurrency.Task { try await handler(context) }
        claim.onStop { running.cancel() }
        let result = await withTaskCancellationHandler {
            await running.result
        } onCancel: {
            running.cancel()
        }
        if claim.leaseLost { return .dropped }
        switch result {
        case .success(let value):
            // A requested cancel does not undo finished work: the server completes it too.
            return .completed(value)
        case .failure where claim.cancelRequested:
            return .cancelled
        case .failure(let error):
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
