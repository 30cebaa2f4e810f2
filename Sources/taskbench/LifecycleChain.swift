import Synchronization
import TaskManagerClient
import TaskManagerCore
import TaskManagerProtocol

/// One connection's lifecycle loop (create, claim, three progress reports, complete, again) until a deadline,
/// each call started from the completion of the one before it (`TaskManagerClient.send`): the same calls in the
/// same order as a worker awaiting each, without a Swift task switch per call in the load generator, whose CPU
/// is shared with the server's on this machine.
final class LifecycleChain: Sendable {
    private struct State {
        var result = WorkerResult()
        var index = 0
        var cycleStart: UInt64 = 0
        var done: CheckedContinuation<WorkerResult, any Error>?
    }

    private let client: TaskManagerClient
    private let worker: Int
    private let workerID: String
    private let typeID: Int64
    private let deadline: UInt64
    private let params: @Sendable (Int) -> String
    private let state: Mutex<State>

    private init(
        client: TaskManagerClient, worker: Int, typeID: Int64, deadline: UInt64, params: @escaping @Sendable (Int) -> String,
        done: CheckedContinuation<WorkerResult, any Error>
    ) {
        self.client = client
        self.worker = worker
        workerID = "bench-\(worker)"
        self.typeID = typeID
        self.deadline = deadline
        self.params = params
        state = Mutex(State(done: done))
    }

    /// Runs lifecycles until `deadline` (monotonic nanoseconds); `params` gives the parameters of the n-th task.
    static func run(
        _ client: TaskManagerClient, worker: Int, typeID: Int64, deadline: UInt64, params: @escaping @Sendable (Int) -> String
    ) async throws -> WorkerResult {
        try await withCheckedThrowingContinuation { done in
            LifecycleChain(client: client, worker: worker, typeID: typeID, deadline: deadline, params: params, done: done).create()
        }
    }

    private func create() {
        let now = monotonicNanos()
        guard now < deadline else { return end(nil) }
        let index = state.withLock { state -> Int in
            state.cycleStart = now
            defer { state.index += 1 }
            return state.index
        }
        call(CallKind.createTask, "CreateTask", CreateTaskRequest(type: TaskManagerBench.taskTypeName, paramsJSON: params(index)),
             as: CreateTaskResponse.self) { [self] _ in claim(giveUpAt: monotonicNanos() + 5_000_000_000) }
    }

    /// Every worker claims only after its own create, so a pending task is there; another worker may take it first.
    private func claim(giveUpAt: UInt64) {
        call(CallKind.claimTask, "ClaimTask", ClaimTaskRequest(workerID: workerID, taskTypeID: typeID), as: ClaimTaskResponse.self) { [self] response in
            guard let task = response.task else {
                guard monotonicNanos() < giveUpAt else {
                    return end(BenchError("ClaimTask found nothing to claim right after a create"))
                }
                return claim(giveUpAt: giveUpAt)
            }
            progress(task, percents: [25, 50, 75])
        }
    }

    private func progress(_ task: Task, percents: ArraySlice<Int32>) {
        guard let percent = percents.first else {
            let complete = CompleteTaskRequest(id: task.id, workerID: workerID, resultJSON: "{}", attempt: task.attempts)
            return call(CallKind.completeTask, "CompleteTask", complete, as: CompleteTaskResponse.self) { [self] _ in
                state.withLock { state in
                    state.result.latencies.record(CallKind.cycle, since: state.cycleStart)
                    state.result.tasks += 1
                }
                create()
            }
        }
        let update = UpdateProgressRequest(id: task.id, workerID: workerID, progress: percent, attempt: task.attempts)
        call(CallKind.updateProgress, "UpdateProgress", update, as: UpdateProgressResponse.self) { [self] _ in
            progress(task, percents: percents.dropFirst())
        }
    }

    /// Sends one call, records its latency under `kind`, and goes on with `next`; a failure ends the chain.
    private func call<Request: WireMessage, Response: WireMessage>(
        _ kind: String, _ method: String, _ request: Request, as: Response.Type, next: @escaping @Sendable (Response) -> Void
    ) {
        let start = monotonicNanos()
        client.send(method, request, as: Response.self) { [self] outcome in
            switch outcome {
            case .success(let response):
                state.withLock { _ = $0.result.latencies.record(kind, since: start) }
                next(response)
            case .failure(let error):
                end(error)
            }
        }
    }

    /// Ends the chain: with its result, or with `error`.
    private func end(_ error: (any Error)?) {
        let (done, result) = state.withLock { state in
            defer { state.done = nil }
            return (state.done, state.result)
        }
        guard let done else { return }
        if let error { return done.resume(throwing: error) }
        done.resume(returning: result)
    }
}
