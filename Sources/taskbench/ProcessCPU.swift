import Foundation

/// The CPU time another process has used, from `/proc/PID/stat` (fields 14 and 15: utime and stime, in clock
/// ticks): how much server CPU a run cost.
enum ProcessCPU {
    /// The user + system CPU time of process `pid` in µs, or nil when it cannot be read.
    static func micros(of pid: Int32) -> Int64? {
        read("/proc/\(pid)/stat")?.micros
    }

    /// The summed user + system CPU time of the processes `pids` in µs, or nil when one cannot be read.
    static func micros(of pids: [Int32]) -> Int64? {
        var total: Int64 = 0
        for pid in pids {
            guard let micros = micros(of: pid) else { return nil }
            total += micros
        }
        return total
    }

    /// The CPU time of process `root` and of every process descending from it, in µs, including those that ended
    /// and were reaped: each process counts its own utime + stime and its cutime + cstime (fields 16 and 17, the
    /// time of its children it waited for). A child that exits between two readings moves from its own fields to
    /// its parent's cutime/cstime, so the difference of two readings is the tree's CPU in between, even though
    /// PostgreSQL's backends come and go. Nil when `root` cannot be read.
    static func treeMicros(of root: Int32) -> Int64? {
        guard let rootStat = read("/proc/\(root)/stat") else { return nil }
        var children: [Int32: [Int32]] = [:]
        var stats: [Int32: Stat] = [root: rootStat]
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = Int32(entry), pid != root, let stat = read("/proc/\(entry)/stat") else { continue }
            stats[pid] = stat
            children[stat.parent, default: []].append(pid)
        }
        var total: Int64 = 0
        var pending = [root]
        while let pid = pending.popLast() {
            // A process that ended since the directory listing has nothing left to read; its time is in its parent's.
            guard let stat = stats[pid] else { continue }
            total += stat.micros + stat.childrenMicros
            pending += children[pid] ?? []
        }
        return total
    }

    /// The CPU time of each thread of this process in µs, with the thread's name, by thread id.
    static func threadsOfThisProcess() -> [Int: (name: String, micros: Int64)] {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
        var threads: [Int: (name: String, micros: Int64)] = [:]
        for task in tasks {
            if let tid = Int(task), let stat = read("/proc/self/task/\(task)/stat") { threads[tid] = (stat.name, stat.micros) }
        }
        return threads
    }

    /// What a `stat` file says about CPU time.
    private struct Stat {
        /// The command name (field 2).
        var name: String
        /// The parent's process id (field 4).
        var parent: Int32
        /// utime + stime, µs.
        var micros: Int64
        /// cutime + cstime: the children this process waited for, µs.
        var childrenMicros: Int64
    }

    /// The command name, parent and CPU times of a `stat` file.
    private static func read(_ path: String) -> Stat? {
        guard let stat = try? String(contentsOfFile: path, encoding: .utf8),
              let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")") else { return nil }
        // The command name (field 2) may hold spaces; the fields after its closing parenthesis start at field 3.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 14, let parent = Int32(fields[1]), let user = Int64(fields[11]), let system = Int64(fields[12]),
              let childrenUser = Int64(fields[13]), let childrenSystem = Int64(fields[14]) else { return nil }
        let perSecond = max(Int64(sysconf(Int32(_SC_CLK_TCK))), 1)
        return Stat(name: String(stat[stat.index(after: open)..<close]), parent: parent,
                    micros: (user + system) * 1_000_000 / perSecond,
                    childrenMicros: (childrenUser + childrenSystem) * 1_000_000 / perSecond)
    }
}
