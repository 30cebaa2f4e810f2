import Synchronization
import TaskManagerClient
import TaskManagerCore

/// Keeps `depth` GetTask calls in flight on one connection until a deadline, each started from the completion of
/// the one before it (`TaskManagerClient.send`): no Swift task or continuation per call, as a pipelining client
/// in C would do, so that the figure measures the server rather than Swift concurrency in the load generator.
final class PipelinedGets: Sendable {
    private struct State {
        var result = WorkerResult()
        var running: Int
        var failure: (any Error)?
        var done: CheckedContinuation<WorkerResult, any Error>?
    }

    private let client: TaskManagerClient
    private let request: GetTaskRequest
    private let deadline: UInt64
    private let state: Mutex<State>

    private init(client: TaskManagerClient, id: Int64, depth: Int, deadline: UInt64, done: CheckedContinuation<WorkerResult, any Error>) {
        self.client = client
        request = GetTaskRequest(id: id)
        self.deadline = deadline
        state = Mutex(State(running: depth, done: done))
    }

    /// Runs `depth` chains of GetTask of task `id` until `deadline` (monotonic nanoseconds).
    static func run(_ client: TaskManagerClient, id: Int64, depth: Int, deadline: UInt64) async throws -> WorkerResult {
        try await withCheckedThrowingContinuation { done in
            let gets = PipelinedGets(client: client, id: id, depth: depth, deadline: deadline, done: done)
            for _ in 0..<depth { gets.next() }
        }
    }

    private func next() {
        let start = monotonicNanos()
        guard start < deadline else { return chainEnded(nil) }
        client.send("GetTask", request, as: Task.self) { [self] outcome in
            switch outcome {
            case .success:
                state.withLock { _ = $0.result.latencies.record(CallKind.getTask, since: start) }
                next()
            case .failure(let error):
                chainEnded(error)
            }
        }
    }

    private func chainEnded(_ error: (any Error)?) {
        let finished = state.withLock { state -> (CheckedContinuation<WorkerResult, any Error>, Result<WorkerResult, any Error>)? in
            if let error, state.failure == nil { state.failure = error }
            state.running -= 1
            guard state.running == 0, let done = state.done else { return nil }
            state.done = nil
            return (done, state.failure.map { .failure($0) } ?? .success(state.result))
        }
        if let (done, result) = finished { done.resume(with: result) }
    }
}
