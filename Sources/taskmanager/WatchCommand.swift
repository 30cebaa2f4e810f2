import ArgumentParser
import Foundation
import TaskManagerClient
import TaskManagerCore

/// `taskmanager watch ID`: follows one task over a WatchTask stream until it is finished.
///
/// The stream is not subject to `--timeout-ms` (that deadline applies to the one-off calls only), and it is
/// resumed after a lost connection from the last history entry seen, so no event is missed or shown twice.
struct WatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch", abstract: "Follow a task's progress live until it is finished.",
        discussion: """
            Shows a progress bar with the message, the ETA, the worker and the stalled / cancel requested flags, \
            rewritten in place on a terminal (one line per event otherwise), and every other history event on a \
            line of its own. With --json, prints one JSON object per event. When the connection is lost, \
            reconnects up to 5 times, 1 s apart, and resumes after the last event seen.

            Exit status: 0 when the task completed, 1 when it failed or was cancelled, 130 when stopped with \
            Ctrl-C; on a server error, the numeric status code (5 when the task does not exist).
            """)

    @Argument(help: "Task ID.") var id: Int64
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let watcher = TaskWatcher(
            id: id, server: options.resolvedServer, apiKey: options.resolvedAPIKey, tls: options.resolvedTLS, timeoutMs: options.timeoutMs,
            display: WatchDisplay(json: options.json, terminal: !options.json && LiveTerminal.isTerminal))
        let status: Int32?
        do {
            status = try await LiveTerminal.interruptible { try await watcher.run() }
        } catch let error as TaskManagerError {
            throw ClientOptions.exit(error)
        }
        guard let status else {
            if watcher.display.terminal { LiveTerminal.write("\n") }
            throw ExitCode(LiveTerminal.interruptedStatus)
        }
        if status != 0 { throw ExitCode(status) }
    }
}

/// One `watch`: the stream, its reconnects and the final status.
struct TaskWatcher: Sendable {
    static let reconnectAttempts = 5
    static let reconnectDelay: Duration = .seconds(1)

    var id: Int64
    var server: String
    var apiKey: String?
    var tls: TLSOptions?
    var timeoutMs: UInt32
    var display: WatchDisplay

    /// Streams the task until it is finished; returns the exit status (0 completed, 1 failed, cancelled or gone).
    func run() async throws -> Int32 {
        var display = display
        var lastEntryID: Int64 = 0
        var task: Task?
        var failures = 0
        while true {
            let client: TaskManagerClient
            do {
                // No watchdog here, unlike `withClient`: the stream lasts as long as the task runs. `timeoutMs` is
                // the deadline of the unary calls only (streams never have one).
                client = try await TaskManagerClient.connect(server: server, apiKey: apiKey, timeoutMs: timeoutMs, tls: tls)
            } catch let error as TaskManagerError where error.code == .unavailable && task != nil && failures < Self.reconnectAttempts {
                failures += 1
                display.notice("\(error.message); reconnecting in 1 s (\(failures)/\(Self.reconnectAttempts))")
                try await _Concurrency.Task.sleep(for: Self.reconnectDelay)
                continue
            }
            let stream = LiveTerminal.withTicks(
                client.watchTask(id: id, afterHistoryID: lastEntryID), every: display.terminal ? .seconds(1) : nil)
            do {
                for try await input in stream {
                    switch input {
                    case .tick:
                        display.refresh()
                    case .item(let event):
                        failures = 0
                        if let entry = event.entry { lastEntryID = max(lastEntryID, entry.id) }
                        if let current = event.task { task = current }
                        if let task { display.show(event.entry, task: task) }
                    }
                }
            } catch let error as TaskManagerError where error.code == .unavailable && task != nil && failures < Self.reconnectAttempts {
                await client.close()
                failures += 1
                display.notice("\(error.message); reconnecting in 1 s (\(failures)/\(Self.reconnectAttempts))")
                try await _Concurrency.Task.sleep(for: Self.reconnectDelay)
                continue
            } catch {
                await client.close()
                throw error
            }
            if _Concurrency.Task.isCancelled {
                await client.close()
                throw CancellationError()
            }
            // The stream ended: the task is finished, or gone. Without history (`serve --no-history`) the stream
            // carries the snapshot only, so ask for the final state.
            var final = task
            if final.map({ !Self.isFinished($0.status) }) ?? true {
                do {
                    final = try await client.getTask(id: id)
                    if let final, final != task { display.show(nil, task: final) }
                } catch let error as TaskManagerError where error.code == .notFound {
                    final = nil
                } catch {
                    await client.close()
                    throw error
                }
            }
            await client.close()
            return display.finish(final, id: id)
        }
    }

    static func isFinished(_ status: TaskStatus) -> Bool {
        status == .completed || status == .failed || status == .cancelled
    }
}

/// What `watch` writes: the live bar and event lines, or one JSON object per event.
struct WatchDisplay: Sendable {
    var json: Bool
    /// Standard output is a terminal (and not --json): the bar is one line rewritten in place.
    var terminal: Bool
    private var task: Task?
    /// An event line said how the task ended: the final status line would say it again.
    private var outcomeShown = false

    init(json: Bool, terminal: Bool) {
        self.json = json
        self.terminal = terminal
    }

    /// One stream event: `entry` nil for the snapshot; `task` as it is after the entry.
    mutating func show(_ entry: HistoryEntry?, task: Task) {
        self.task = task
        if json {
            var object = ProgressBar.taskSummary(task)
            object["entry"] = entry.map(JSONOutput.historyEntry) ?? .null
            return LiveTerminal.write(JSONValue.object(object).canonicalText + "\n")
        }
        let eventLine = entry.flatMap { entry in
            entry.statusChange == HistoryEntry.Change.progressUpdate
                ? nil : "\(ProgressBar.clockTime(entry.createdAtMs)) \(ProgressBar.eventText(entry))"
        }
        outcomeShown = eventLine != nil && TaskWatcher.isFinished(task.status)
        if terminal {
            // The event goes above the bar, which is then drawn again below it.
            LiveTerminal.write(LiveTerminal.clearLine + (eventLine.map { $0 + "\n" } ?? "") + bar(task))
        } else {
            LiveTerminal.write((eventLine ?? ProgressBar.line(task)) + "\n")
        }
    }

    /// Redraws the bar on a terminal, so that the relative ETA counts down between events.
    func refresh() {
        guard terminal, let task else { return }
        LiveTerminal.write(LiveTerminal.clearLine + bar(task))
    }

    /// A message about the connection, on standard error (leaving the bar's line on a terminal first).
    func notice(_ text: String) {
        if terminal && task != nil { LiveTerminal.write("\n") }
        FileHandle.standardError.write(Data("watch: \(text)\n".utf8))
    }

    /// Prints the final status line (`completed`, `failed: <error>`, `cancelled`) and returns the exit status.
    func finish(_ final: Task?, id: Int64) -> Int32 {
        if terminal && task != nil { LiveTerminal.write("\n") }
        guard let final else {
            let text = "task \(id) no longer exists (deleted by retention)"
            if json {
                FileHandle.standardError.write(Data("watch: \(text)\n".utf8))
            } else {
                LiveTerminal.write(text + "\n")
            }
            return 1
        }
        let line: String
        switch final.status {
        case .completed: line = "completed"
        case .failed: line = final.errorMessage.isEmpty ? "failed" : "failed: \(final.errorMessage)"
        case .cancelled: line = final.cancelReason.isEmpty ? "cancelled" : "cancelled: \(final.cancelReason)"
        default: line = "stream ended with the task \(final.status.name)"
        }
        if !json && !(outcomeShown && task?.status == final.status) { LiveTerminal.write(line + "\n") }
        return final.status == .completed ? 0 : 1
    }

    private func bar(_ task: Task) -> String {
        LiveTerminal.fit(ProgressBar.line(task), columns: LiveTerminal.size()?.columns)
    }
}
