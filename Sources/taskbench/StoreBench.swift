#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import NIOPosix
import TaskManagerCore
import TaskManagerStore

/// The embedded store alone, with no network and no protocol: `callers` concurrent loops each run task
/// lifecycles (create, claim, progress 25/50/75, complete) straight on a `SQLiteTaskStore` in a new file, as 16
/// connections' calls would reach it. Reports the process's CPU time per write call (`getrusage`, user + system,
/// over the measured run), which is the store's cost plus that of the callers' loops, and the part of it spent on
/// the store's own threads (every thread but the event loops the callers run on, from /proc/self/task).
struct StoreBench: Sendable {
    var callers: Int
    var duration: Double
    var synchronous: SQLiteTaskStore.Synchronous
    var log: @Sendable (String) -> Void

    func run() async throws -> BenchReport {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("taskbench-store-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        // Answers go back to the caller's event loop, as `taskmanager serve` has them.
        let store = try SQLiteTaskStore(
            path: directory.appendingPathComponent("store.db").path, synchronous: synchronous,
            answerHop: {
                MultiThreadedEventLoopGroup.currentEventLoop.map { loop in
                    AnswerHop(key: ObjectIdentifier(loop), run: { loop.execute($0) })
                }
            })
        defer { store.close() }
        let type = try await store.registerTaskType(
            name: TaskManagerBench.taskTypeName, version: "1", paramSchemaJSON: TaskManagerBench.schema,
            settings: TaskTypeSettings(), nowMs: SystemClock().nowMs()
        ).taskType
        let cpuBefore = Self.processCPUMicros()
        let threadsBefore = ProcessCPU.threadsOfThisProcess()
        let commitsBefore = store.commitCount
        let outcome = try await WorkerPool.run(count: callers, duration: duration) { worker, deadline in
            try await lifecycle(store, worker: worker, typeID: type.id, deadline: deadline)
        }
        let cpu = Self.processCPUMicros() - cpuBefore
        let storeCPU = ProcessCPU.threadsOfThisProcess().reduce(Int64(0)) { sum, thread in
            // The callers' loops run on NIO's event loops (taskbench makes them Swift's global executor).
            thread.value.name.hasPrefix("NIO-") ? sum : sum + thread.value.micros - (threadsBefore[thread.key]?.micros ?? 0)
        }
        var report = BenchReport(target: .store, scenario: .lifecycle, connections: callers, duration: duration,
                                 elapsed: outcome.elapsed, result: outcome.result)
        report.cpuUsPerCall = report.calls > 0 ? (Double(cpu) / Double(report.calls) * 10).rounded() / 10 : nil
        let commits = store.commitCount - commitsBefore
        if report.calls > 0 { report.storeThreadsCPUUsPerCall = (Double(storeCPU) / Double(report.calls) * 10).rounded() / 10 }
        report.notes = ["\(commits) group commits, \(commits > 0 ? Int(report.calls) / commits : 0) calls per commit"]
        return report
    }

    private func lifecycle(_ store: SQLiteTaskStore, worker: Int, typeID: Int64, deadline: UInt64) async throws -> WorkerResult {
        var result = WorkerResult()
        let workerID = "bench-\(worker)"
        let clock = SystemClock()
        var index = 0
        while monotonicNanos() < deadline {
            let start = monotonicNanos()
            let now = clock.nowMs()
            // Due at once (run_at 0): another caller's claim may read the clock a millisecond before this create.
            let new = NewTask(typeID: typeID, paramsJSON: #"{"w":\#(worker),"i":\#(index)}"#, priority: 0,
                              dedupeKey: "\(worker)-\(index)-\(start)", maxAttempts: 3, nowMs: now)
            index += 1
            _ = try await result.latencies.time(CallKind.createTask) { try await store.createTask(new) }
            let query = ClaimQuery(workerID: workerID, taskTypeID: typeID, typePattern: nil, order: .priorityThenAge,
                                   nowMs: clock.nowMs(), defaultLeaseMs: 300_000)
            guard let task = try await result.latencies.time(CallKind.claimTask, { try await store.claimTask(query) }) else {
                throw BenchError("claimTask found nothing to claim right after a create")
            }
            for percent: Int32 in [25, 50, 75] {
                let check = ClaimCheck(id: task.id, workerID: workerID, attempt: task.attempts, nowMs: clock.nowMs(),
                                       defaultLeaseMs: 300_000)
                _ = try await result.latencies.time(CallKind.updateProgress) {
                    try await store.updateProgress(check, progress: percent, message: "")
                }
            }
            let check = ClaimCheck(id: task.id, workerID: workerID, attempt: task.attempts, nowMs: clock.nowMs(),
                                   defaultLeaseMs: 300_000)
            _ = try await result.latencies.time(CallKind.completeTask) { try await store.completeTask(check, resultJSON: "{}") }
            result.latencies.record(CallKind.cycle, since: start)
            result.tasks += 1
        }
        return result
    }

    /// The CPU time (user + system) this process has used, in µs.
    static func processCPUMicros() -> Int64 {
        var usage = rusage()
        // RUSAGE_SELF with a valid pointer cannot fail.
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let user = Int64(usage.ru_utime.tv_sec) * 1_000_000 + Int64(usage.ru_utime.tv_usec)
        let system = Int64(usage.ru_stime.tv_sec) * 1_000_000 + Int64(usage.ru_stime.tv_usec)
        return user + system
    }
}
