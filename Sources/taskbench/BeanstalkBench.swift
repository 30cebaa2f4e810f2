import Foundation
import NIOCore
import Synchronization

/// The lifecycle scenario against beanstalkd: per task put, reserve, touch ×3, delete, over `connections`
/// connections (the same calls as TaskManager's create, claim, progress ×3, complete).
struct BeanstalkBench: Sendable {
    var host: String
    var port: Int
    var connections: Int
    var duration: Double

    private let runID = UInt64(Date().timeIntervalSince1970 * 1_000_000)

    init(host: String, port: Int, connections: Int, duration: Double) {
        self.host = host
        self.port = port
        self.connections = connections
        self.duration = duration
    }

    func run() async throws -> BenchReport {
        var opened: [BeanstalkConnection] = []
        for _ in 0..<connections { opened.append(try await BeanstalkConnection.connect(host: host, port: port)) }
        let beanstalks = opened
        defer { _Concurrency.Task { for connection in beanstalks { await connection.close() } } }
        let outcome = try await WorkerPool.run(count: connections, duration: duration) { worker, deadline in
            try await lifecycle(beanstalks[worker], worker: worker, deadline: deadline)
        }
        return BenchReport(
            target: .beanstalkd, scenario: .lifecycle, connections: connections, duration: duration,
            elapsed: outcome.elapsed, result: outcome.result)
    }

    /// One connection's lifecycle loop until `deadline`, each command sent from the completion of the one before it,
    /// as `LifecycleChain` does for TaskManager: the two load generators pay the same per call.
    private func lifecycle(_ connection: BeanstalkConnection, worker: Int, deadline: UInt64) async throws -> WorkerResult {
        let result = Mutex(WorkerResult())
        let done = connection.channel.eventLoop.makePromise(of: Void.self)
        @Sendable func timed<T>(_ kind: String, _ command: () -> EventLoopFuture<T>) -> EventLoopFuture<T> {
            let start = monotonicNanos()
            return command().map { value in
                result.withLock { _ = $0.latencies.record(kind, since: start) }
                return value
            }
        }
        // As with ClaimTask: every worker reserves only after its own put, so a job is ready.
        @Sendable func reserve(giveUpAt: UInt64) -> EventLoopFuture<UInt64> {
            timed(CallKind.reserve) { connection.reserveNow() }.flatMap { reserved in
                if let reserved { return connection.channel.eventLoop.makeSucceededFuture(reserved) }
                guard monotonicNanos() < giveUpAt else {
                    return connection.channel.eventLoop.makeFailedFuture(BenchError("reserve found no ready job right after a put"))
                }
                return reserve(giveUpAt: giveUpAt)
            }
        }
        @Sendable func cycle(_ index: Int) {
            let start = monotonicNanos()
            guard start < deadline else { return done.succeed() }
            let data = #"{"run":\#(runID),"worker":\#(worker),"i":\#(index)}"#
            timed(CallKind.put) { connection.put(data) }
                .flatMap { _ in reserve(giveUpAt: monotonicNanos() + 5_000_000_000) }
                .flatMap { id in timed(CallKind.touch) { connection.touch(id) }.map { id } }
                .flatMap { id in timed(CallKind.touch) { connection.touch(id) }.map { id } }
                .flatMap { id in timed(CallKind.touch) { connection.touch(id) }.map { id } }
                .flatMap { id in timed(CallKind.delete) { connection.delete(id) } }
                .whenComplete { outcome in
                    switch outcome {
                    case .success:
                        result.withLock { state in
                            state.latencies.record(CallKind.cycle, since: start)
                            state.tasks += 1
                        }
                        cycle(index + 1)
                    case .failure(let error):
                        done.fail(error)
                    }
                }
        }
        cycle(0)
        try await done.futureResult.get()
        return result.withLock { $0 }
    }
}
