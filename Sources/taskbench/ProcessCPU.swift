import Foundation

/// The CPU time another process has used, from `/proc/PID/stat` (fields 14 and 15: utime and stime, in clock
/// ticks): how much server CPU a run cost.
enum ProcessCPU {
    /// The user + system CPU time of process `pid` in µs, or nil when it cannot be read.
    static func micros(of pid: Int32) -> Int64? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        // The command name (field 2) may hold spaces; the fields after its closing parenthesis start at field 3.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Int64(fields[11]), let system = Int64(fields[12]) else { return nil }
        let ticks = Int64(sysconf(Int32(_SC_CLK_TCK)))
        return (user + system) * 1_000_000 / max(ticks, 1)
    }
}
