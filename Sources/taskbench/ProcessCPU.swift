import Foundation

/// The CPU time another process has used, from `/proc/PID/stat` (fields 14 and 15: utime and stime, in clock
/// ticks): how much server CPU a run cost.
enum ProcessCPU {
    /// The user + system CPU time of process `pid` in µs, or nil when it cannot be read.
    static func micros(of pid: Int32) -> Int64? {
        read("/proc/\(pid)/stat")?.micros
    }

    /// The CPU time of each thread of this process in µs, with the thread's name, by thread id.
    static func threadsOfThisProcess() -> [Int: (name: String, micros: Int64)] {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
        var threads: [Int: (name: String, micros: Int64)] = [:]
        for task in tasks {
            if let tid = Int(task), let stat = read("/proc/self/task/\(task)/stat") { threads[tid] = stat }
        }
        return threads
    }

    /// The command name and CPU time of a `stat` file.
    private static func read(_ path: String) -> (name: String, micros: Int64)? {
        guard let stat = try? String(contentsOfFile: path, encoding: .utf8),
              let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")") else { return nil }
        // The command name (field 2) may hold spaces; the fields after its closing parenthesis start at field 3.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Int64(fields[11]), let system = Int64(fields[12]) else { return nil }
        let ticks = Int64(sysconf(Int32(_SC_CLK_TCK)))
        return (String(stat[stat.index(after: open)..<close]), (user + system) * 1_000_000 / max(ticks, 1))
    }
}
