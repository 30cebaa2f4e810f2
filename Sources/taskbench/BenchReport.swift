import Foundation

/// The outcome of one run, printed as aligned text or as one JSON object (`--json`).
struct BenchReport: Encodable, Sendable {
    struct Latency: Encodable, Sendable {
        var p50: UInt64
        var p99: UInt64
        var p999: UInt64
        var max: UInt64
        var count: UInt64
    }

    var target: String
    var scenario: String
    var connections: Int
    /// The requested duration.
    var durationS: Double
    /// The measured time from the first call to the last worker's end; rates divide by it.
    var elapsedS: Double
    var tasks: Int
    var tasksPerS: Double
    var calls: UInt64
    var callsPerS: Double
    var latencyUs: [String: Latency]
    var pipeline: Int?
    var preload: Int?
    /// `idle`: connections still open after the hold.
    var idleOpen: Int?
    /// `idle`: the server's VmRSS in KiB while the connections were held (needs `--server-pid`).
    var serverRSSKB: Int?
    /// `idle`: whether a call on a fresh connection succeeded while the connections were held.
    var stillServing: Bool?
    /// Anything the reader should know about the run (a claim pool that ran dry, ...).
    var notes: [String]?
    /// `--target store`: this process's CPU time per call, µs.
    var cpuUsPerCall: Double?
    /// `--target store`: the part of `cpuUsPerCall` spent on the store's threads (not the callers' event loops).
    var storeThreadsCPUUsPerCall: Double?
    /// With `--server-pid`: the server's CPU time per call over the run (from /proc/PID/stat), µs; with several
    /// pids, their sum.
    var serverCPUUsPerCall: Double?
    /// With `--server-pid`: the same per task (a whole lifecycle, in the lifecycle scenario), µs.
    var serverCPUUsPerTask: Double?
    /// With `--database-pid`: the database's CPU time (the process and all its descendants) per call, µs.
    var databaseCPUUsPerCall: Double?
    /// With `--database-pid`: the same per task, µs.
    var databaseCPUUsPerTask: Double?
    /// The number of servers the connections were spread over, when more than one.
    var servers: Int?

    enum CodingKeys: String, CodingKey {
        case target, scenario, connections, tasks, calls, pipeline, preload, notes, servers
        case durationS = "duration_s"
        case elapsedS = "elapsed_s"
        case tasksPerS = "tasks_per_s"
        case callsPerS = "calls_per_s"
        case latencyUs = "latency_us"
        case idleOpen = "idle_open"
        case serverRSSKB = "server_rss_kb"
        case stillServing = "still_serving"
        case cpuUsPerCall = "cpu_us_per_call"
        case storeThreadsCPUUsPerCall = "store_threads_cpu_us_per_call"
        case serverCPUUsPerCall = "server_cpu_us_per_call"
        case serverCPUUsPerTask = "server_cpu_us_per_task"
        case databaseCPUUsPerCall = "database_cpu_us_per_call"
        case databaseCPUUsPerTask = "database_cpu_us_per_task"
    }

    init(target: Target, scenario: Scenario, connections: Int, duration: Double, elapsed: Double, result: WorkerResult) {
        self.target = target.rawValue
        self.scenario = scenario.rawValue
        self.connections = connections
        self.durationS = duration
        self.elapsedS = (elapsed * 1000).rounded() / 1000
        self.tasks = result.tasks
        self.calls = result.latencies.calls
        let seconds = max(elapsed, 1e-9)
        self.tasksPerS = (Double(result.tasks) / seconds).rounded()
        self.callsPerS = (Double(calls) / seconds).rounded()
        self.latencyUs = result.latencies.histograms.mapValues { histogram in
            Latency(
                p50: histogram.valueAtPercentile(50), p99: histogram.valueAtPercentile(99),
                p999: histogram.valueAtPercentile(99.9), max: histogram.max, count: histogram.totalCount)
        }
    }

    /// Sets the server's CPU time per call and per task from `micros` over the run.
    mutating func setServerCPU(micros: Int64) {
        serverCPUUsPerCall = Self.per(micros, calls)
        serverCPUUsPerTask = Self.per(micros, UInt64(tasks))
    }

    /// Sets the database's CPU time per call and per task from `micros` over the run.
    mutating func setDatabaseCPU(micros: Int64) {
        databaseCPUUsPerCall = Self.per(micros, calls)
        databaseCPUUsPerTask = Self.per(micros, UInt64(tasks))
    }

    /// `micros / count` to 0.1, or nil when nothing was counted.
    private static func per(_ micros: Int64, _ count: UInt64) -> Double? {
        count > 0 ? (Double(micros) / Double(count) * 10).rounded() / 10 : nil
    }

    func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    func text() -> String {
        var lines = [
            "target       \(target)",
            "scenario     \(scenario)",
            "connections  \(connections)" + (pipeline.map { " × pipeline \($0)" } ?? "") + (servers.map { " over \($0) servers" } ?? ""),
            "elapsed      \(format(elapsedS)) s (requested \(format(durationS)) s)",
        ]
        if let preload { lines.append("preload      \(preload) pending tasks of another type") }
        if tasks > 0 { lines.append("tasks        \(tasks)  (\(Int(tasksPerS))/s)") }
        lines.append("calls        \(calls)  (\(Int(callsPerS))/s)")
        if let idleOpen { lines.append("idle open    \(idleOpen)") }
        if let serverRSSKB { lines.append("server RSS   \(serverRSSKB / 1024) MiB") }
        if let stillServing { lines.append("serving      \(stillServing ? "yes" : "NO")") }
        if let cpuUsPerCall { lines.append("CPU          \(cpuUsPerCall) µs per call (this process)") }
        if let storeThreadsCPUUsPerCall { lines.append("store CPU    \(storeThreadsCPUUsPerCall) µs per call (the store's threads)") }
        if let serverCPUUsPerCall {
            lines.append("server CPU   \(serverCPUUsPerCall) µs per call" + (serverCPUUsPerTask.map { ", \($0) µs per task" } ?? "")
                         + (servers.map { " (\($0) servers)" } ?? ""))
        }
        if let databaseCPUUsPerCall {
            lines.append("database CPU \(databaseCPUUsPerCall) µs per call" + (databaseCPUUsPerTask.map { ", \($0) µs per task" } ?? ""))
        }
        for note in notes ?? [] { lines.append("note         \(note)") }
        if !latencyUs.isEmpty {
            lines.append("")
            let header = ["latency µs", "count", "p50", "p99", "p99.9", "max"]
            var rows = [header]
            // Wire calls first in the order a task meets them, the whole-task cycle last.
            let order = [
                CallKind.createTask, CallKind.put, CallKind.claimTask, CallKind.reserve, CallKind.updateProgress,
                CallKind.touch, CallKind.completeTask, CallKind.delete, CallKind.getTask, CallKind.cycle,
            ]
            let kinds = latencyUs.keys.sorted { (order.firstIndex(of: $0) ?? 99, $0) < (order.firstIndex(of: $1) ?? 99, $1) }
            for kind in kinds {
                let l = latencyUs[kind]!  // `kinds` are the dictionary's own keys.
                rows.append([kind, "\(l.count)", "\(l.p50)", "\(l.p99)", "\(l.p999)", "\(l.max)"])
            }
            let widths = header.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
            for row in rows {
                let cells = row.enumerated().map { column, cell in
                    let pad = String(repeating: " ", count: widths[column] - cell.count)
                    return column == 0 ? cell + pad : pad + cell
                }
                lines.append(cells.joined(separator: "  "))
            }
        }
        return lines.joined(separator: "\n")
    }

    private func format(_ value: Double) -> String {
        String(format: "%.2f", value)
    }
}
