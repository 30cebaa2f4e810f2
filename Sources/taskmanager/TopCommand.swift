import ArgumentParser
import Foundation
import TaskManagerClient
import TaskManagerCore

/// `taskmanager top`: the running (claimed) tasks with their progress bars, kept up to date from a WatchTasks stream.
struct TopCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "top", abstract: "Show the running tasks with their progress, live.",
        discussion: """
            Lists the claimed tasks (ID, TYPE, WORKER, PROGRESS, MESSAGE, ETA), then follows every change to them \
            over a WatchTasks stream: a task leaves the table when it is no longer claimed. On a terminal the \
            screen is redrawn at most 4 times a second; otherwise the table is printed again after each batch of \
            events. With --once, prints the table once and exits 0. With --json, each table is one JSON object \
            {"tasks": [...], "total": N}. Ctrl-C exits 130.
            """)

    @Option(help: "Only tasks of this type; SQL LIKE when it contains %.") var type: String?
    @Flag(help: "Print the table once and exit.") var once = false
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let monitor = TopMonitor(
            type: type ?? "", server: options.resolvedServer, apiKey: options.resolvedAPIKey, tls: options.resolvedTLS, timeoutMs: options.timeoutMs,
            json: options.json, terminal: !options.json && LiveTerminal.isTerminal)
        if once {
            do {
                return try await monitor.printOnce()
            } catch let error as TaskManagerError {
                throw ClientOptions.exit(error)
            }
        }
        let finished: Void?
        do {
            finished = try await LiveTerminal.interruptible { try await monitor.run() }
        } catch let error as TaskManagerError {
            throw ClientOptions.exit(error)
        }
        if finished == nil { throw ExitCode(LiveTerminal.interruptedStatus) }
    }
}

/// The table of `top` and the stream that keeps it current.
struct TopMonitor: Sendable {
    static let listLimit: Int32 = 1000
    /// At most 4 redraws a second.
    static let redrawInterval: Duration = .milliseconds(250)
    /// On a terminal, the ETAs count down even without events.
    static let idleRedrawMs: Int64 = 1000

    var type: String
    var server: String
    var apiKey: String?
    var tls: TLSOptions?
    var timeoutMs: UInt32
    var json: Bool
    var terminal: Bool

    func printOnce() async throws {
        let client = try await TaskManagerClient.connect(server: server, apiKey: apiKey, timeoutMs: timeoutMs, tls: tls)
        do {
            var table = TopTable(type: type)
            table.load(try await client.listTasks(ListTasksRequest(status: .claimed, type: type, limit: Self.listLimit)))
            await client.close()
            LiveTerminal.write(render(table))
        } catch {
            await client.close()
            throw error
        }
    }

    /// Runs until interrupted; reconnects up to 5 times, 1 s apart, when the connection is lost.
    func run() async throws {
        var failures = 0
        var connected = false
        while true {
            do {
                try await follow { connected = true; failures = 0 }
            } catch let error as TaskManagerError where error.code == .unavailable && connected && failures < TaskWatcher.reconnectAttempts {
                failures += 1
                FileHandle.standardError.write(Data(
                    "top: \(error.message); reconnecting in 1 s (\(failures)/\(TaskWatcher.reconnectAttempts))\n".utf8))
                try await _Concurrency.Task.sleep(for: TaskWatcher.reconnectDelay)
                continue
            }
            // The stream never ends by itself unless the iteration was cancelled (Ctrl-C).
            if _Concurrency.Task.isCancelled { throw CancellationError() }
            guard connected && failures < TaskWatcher.reconnectAttempts else {
                throw TaskManagerError(.unavailable, "The server ended the stream")
            }
            failures += 1
            try await _Concurrency.Task.sleep(for: TaskWatcher.reconnectDelay)
        }
    }

    /// One connection: opens the stream, loads the claimed tasks, then applies the events and redraws.
    private func follow(connected: () -> Void) async throws {
        let client = try await TaskManagerClient.connect(server: server, apiKey: apiKey, timeoutMs: timeoutMs, tls: tls)
        do {
            // The stream is opened before the list is read, so that a change made in between is not lost; events
            // older than the listed state are recognised by `updated_at_ms` and skipped.
            let stream = LiveTerminal.withTicks(client.watchTasks(type: type), every: Self.redrawInterval)
            var table = TopTable(type: type)
            table.load(try await client.listTasks(ListTasksRequest(status: .claimed, type: type, limit: Self.listLimit)))
            connected()
            LiveTerminal.write(screen(table))
            var dirty = false
            var lastDrawMs = ProgressBar.currentTimeMs()
            for try await input in stream {
                switch input {
                case .item(let event):
                    if let task = event.task { dirty = table.apply(task) || dirty }
                case .tick:
                    let now = ProgressBar.currentTimeMs()
                    guard dirty || (terminal && now - lastDrawMs >= Self.idleRedrawMs) else { continue }
                    LiveTerminal.write(screen(table))
                    dirty = false
                    lastDrawMs = now
                }
            }
            await client.close()
        } catch {
            await client.close()
            throw error
        }
    }

    /// The table, after ANSI home + clear on a terminal.
    private func screen(_ table: TopTable) -> String {
        guard terminal else { return render(table) + (json ? "" : "\n") }
        let size = LiveTerminal.size()
        let lines = render(table, maxRows: size.map { max($0.rows - 4, 1) }).split(separator: "\n", omittingEmptySubsequences: false)
        return LiveTerminal.clearScreen + lines.map { LiveTerminal.fit(String($0), columns: size?.columns) }.joined(separator: "\n")
    }

    /// `N running tasks ...`, then the table; or one line of JSON. Ends with a newline.
    func render(_ table: TopTable, maxRows: Int? = nil, nowMs: Int64 = ProgressBar.currentTimeMs()) -> String {
        let tasks = table.sortedTasks
        if json {
            return JSONValue.object([
                "tasks": .array(tasks.map { .object(ProgressBar.taskSummary($0)) }), "total": .integer(Int64(tasks.count)),
            ]).canonicalText + "\n"
        }
        var header = "\(tasks.count) running task\(tasks.count == 1 ? "" : "s")"
        if !type.isEmpty { header += " of type \(type)" }
        if table.truncated { header += " (the first \(Self.listLimit) listed)" }
        header += " at \(ProgressBar.clockTime(nowMs))"
        var formatter = TableFormatter(headers: ["ID", "TYPE", "WORKER", "PROGRESS", "MESSAGE", "ETA"])
        let shown = maxRows.map { Array(tasks.prefix($0)) } ?? tasks
        for task in shown {
            var message = task.progressMessage.isEmpty ? "-" : task.progressMessage
            if task.stalled { message += " (stalled)" }
            if task.cancelRequested { message += " (cancel requested)" }
            formatter.append([
                String(task.id), task.type, task.claimedBy.isEmpty ? "-" : task.claimedBy,
                "\(ProgressBar.bar(task.progress, width: TopTable.barWidth)) \(String(task.progress).leftPadded(to: 3))%",
                message, ProgressBar.eta(task, nowMs: nowMs) ?? "-",
            ])
        }
        var text = header + "\n" + formatter.render() + "\n"
        if shown.count < tasks.count { text += "... and \(tasks.count - shown.count) more\n" }
        return text
    }
}

/// The claimed tasks `top` shows, by id.
struct TopTable: Sendable {
    static let barWidth = 20

    var type: String
    private(set) var tasks: [Int64: Task] = [:]
    /// `updated_at_ms` of the newest state seen of every task, in the table or not: older events are skipped.
    private var lastUpdate: [Int64: Int64] = [:]
    /// More claimed tasks than the list returned.
    private(set) var truncated = false

    init(type: String) {
        self.type = type
    }

    var sortedTasks: [Task] { tasks.values.sorted { $0.id < $1.id } }

    mutating func load(_ response: ListTasksResponse) {
        for task in response.tasks { _ = apply(task) }
        truncated = response.total > Int64(response.tasks.count)
    }

    /// Takes in a task's new state: kept while claimed, removed otherwise. Returns whether the table changed.
    mutating func apply(_ task: Task) -> Bool {
        if let seen = lastUpdate[task.id], task.updatedAtMs < seen { return false }
        lastUpdate[task.id] = task.updatedAtMs
        if task.status == .claimed {
            guard tasks[task.id] != task else { return false }
            tasks[task.id] = task
            return true
        }
        return tasks.removeValue(forKey: task.id) != nil
    }
}

extension String {
    /// The string preceded by spaces up to `width` characters.
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
