import Foundation

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

    private func lifecycle(_ connection: BeanstalkConnection, worker: Int, deadline: UInt64) async throws -> WorkerResult {
        var result = WorkerResult()
        var index = 0
        while monotonicNanos() < deadline {
            let start = monotonicNanos()
            let data = #"{"run":\#(runID),"worker":\#(worker),"i":\#(index)}"#
            index += 1
            _ = try await result.latencies.time(CallKind.put) { try await connection.put(data) }
            var reserved: UInt64?
            let giveUp = monotonicNanos() + 5_000_000_000
            // As with ClaimTask: every worker reserves only after its own put, so a job is ready.
            while reserved == nil, monotonicNanos() < giveUp {
                reserved = try await result.latencies.time(CallKind.reserve) { try await connection.reserveNow() }
            }
            guard let id = reserved else { throw BenchError("reserve found no ready job right after a put") }
            for _ in 0..<3 {
                try await result.latencies.time(CallKind.touch) { try await connection.touch(id) }
            }
            try await result.latencies.time(CallKind.delete) { try await connection.delete(id) }
            result.latencies.record(CallKind.cycle, since: start)
            result.tasks += 1
        }
        return result
    }
}
