import Foundation
import TaskManagerCore

/// The live forms of a task's progress that `watch` and `top` draw: the bar, the ETA, the history event lines.
enum ProgressBar {
    /// The width of the bar of `watch`, between the brackets.
    static let width = 30

    /// `[#############.................]`: `#` for the done part of `percent` (clamped to 0...100), `.` for the rest.
    static func bar(_ percent: Int32, width: Int = width) -> String {
        let done = Int(min(max(percent, 0), 100)) * width / 100
        return "[" + String(repeating: "#", count: done) + String(repeating: ".", count: width - done) + "]"
    }

    /// The line `watch` keeps rewriting:
    /// `[#############.................] 45% Step 2/4  ETA 12:34:56 (in 1m 20s)  claimed by w1  stalled  cancel requested`.
    /// The ETA only when there is one; `claimed by W` while claimed, else the status name.
    static func line(_ task: Task, nowMs: Int64 = currentTimeMs()) -> String {
        var head = "\(bar(task.progress)) \(task.progress)%"
        if !task.progressMessage.isEmpty { head += " " + singleLine(task.progressMessage) }
        var parts = [head]
        if let eta = eta(task, nowMs: nowMs) { parts.append("ETA " + eta) }
        parts.append(task.status == .claimed ? "claimed by \(task.claimedBy.isEmpty ? "-" : task.claimedBy)" : task.status.name)
        if task.stalled { parts.append("stalled") }
        if task.cancelRequested { parts.append("cancel requested") }
        return parts.joined(separator: "  ")
    }

    /// `12:34:56 (in 1m 20s)` in local time, `12:34:56 (due)` once passed; nil when the task has no ETA (`eta_ms` 0).
    static func eta(_ task: Task, nowMs: Int64 = currentTimeMs()) -> String? {
        guard task.etaMs > 0 else { return nil }
        let left = task.etaMs - nowMs
        return clockTime(task.etaMs) + (left > 0 ? " (in \(duration(left)))" : " (due)")
    }

    /// A history entry as `watch` prints it, without the time: `claimed by w1`, `completed`, `failed: disk full`,
    /// `retry: Task failed: disk full`, `cancel requested: user asked`, `stalled: No progress for 60 s`.
    ///
    /// The label with `_` as spaces; then `: message`, less the part that only repeats the label (`Task failed: `
    /// under `failed`, `Cancel requested` under `cancel_requested`), and nothing for the fixed texts of `created`,
    /// `claimed` and `completed`.
    static func eventText(_ entry: HistoryEntry) -> String {
        let label = entry.statusChange.replacingOccurrences(of: "_", with: " ")
        var detail = singleLine(entry.message)
        for prefix in [label, "task " + label] {
            if detail.lowercased() == prefix {
                detail = ""
            } else if detail.lowercased().hasPrefix(prefix + ": ") {
                detail = String(detail.dropFirst(prefix.count + 2))
            }
        }
        switch entry.statusChange {
        case HistoryEntry.Change.created, HistoryEntry.Change.claimed, HistoryEntry.Change.completed: detail = ""
        default: break
        }
        var text = label
        if entry.statusChange == HistoryEntry.Change.claimed, !entry.workerID.isEmpty { text += " by \(entry.workerID)" }
        return detail.isEmpty ? text : "\(text): \(detail)"
    }

    /// `HH:MM:SS` of an epoch-milliseconds time, in the local time zone.
    static func clockTime(_ ms: Int64) -> String {
        var seconds = time_t(ms / 1000)
        var parts = tm()
        localtime_r(&seconds, &parts)
        return String(format: "%02d:%02d:%02d", parts.tm_hour, parts.tm_min, parts.tm_sec)
    }

    /// A length of time in its two largest units: `45s`, `1m 20s`, `2h 3m`, `3d 4h`.
    static func duration(_ ms: Int64) -> String {
        let seconds = (max(ms, 0) + 999) / 1000
        let (days, hours, minutes) = (seconds / 86_400, seconds / 3600 % 24, seconds / 60 % 60)
        if days > 0 { return "\(days)d \(hours)h" }
        if hours > 0 { return "\(hours)h \(minutes)m" }
        if minutes > 0 { return "\(minutes)m \(seconds % 60)s" }
        return "\(seconds)s"
    }

    static func currentTimeMs() -> Int64 {
        Int64((Date().timeIntervalSince1970 * 1000).rounded())
    }

    /// The task fields `watch --json` and `top --json` print with every event: what the bar shows.
    static func taskSummary(_ task: Task) -> [String: JSONValue] {
        [
            "id": .integer(task.id),
            "type": .string(task.type),
            "status": .string(task.status.name),
            "progress": .integer(Int64(task.progress)),
            "progress_message": .string(task.progressMessage),
            "eta_ms": .integer(task.etaMs),
            "progress_rate": .number(task.progressRate),
            "claimed_by": .string(task.claimedBy),
            "stalled": .bool(task.stalled),
            "cancel_requested": .bool(task.cancelRequested),
            "error_message": .string(task.errorMessage),
            "updated_at_ms": .integer(task.updatedAtMs),
        ]
    }

    private static func singleLine(_ text: String) -> String {
        String(text.map { $0.isNewline || $0 == "\t" ? " " : $0 })
    }
}

/// Standard output as the live commands use it: unbuffered writes, the terminal's size, ANSI redraws, Ctrl-C.
enum LiveTerminal {
    /// Clears the current line and goes back to its start.
    static let clearLine = "\r\u{1B}[2K"
    /// Moves the cursor home and clears the screen.
    static let clearScreen = "\u{1B}[H\u{1B}[2J"

    /// Whether standard output is a terminal (then the commands redraw in place).
    static var isTerminal: Bool { isatty(STDOUT_FILENO) == 1 }

    /// Columns and rows of the terminal on standard output; nil when it is not one or does not say.
    static func size() -> (columns: Int, rows: Int)? {
        var size = winsize()
        #if canImport(Darwin)
        let request = TIOCGWINSZ
        #else
        let request = UInt(TIOCGWINSZ)
        #endif
        guard ioctl(STDOUT_FILENO, request, &size) == 0, size.ws_col > 0, size.ws_row > 0 else { return nil }
        return (Int(size.ws_col), Int(size.ws_row))
    }

    /// Writes `text` to standard output at once (no buffering, so output is live even into a pipe or file).
    static func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    /// `text` cut to `columns` characters, so that a line rewritten with `\r` never wraps.
    static func fit(_ text: String, columns: Int?) -> String {
        guard let columns, columns > 1, text.count >= columns else { return text }
        return String(text.prefix(columns - 1))
    }

    /// Runs `body` in a task that SIGINT (Ctrl-C) cancels. Returns nil when it was interrupted, else its result.
    /// Cancelling a stream's iteration sends `Cancel` for it.
    static func interruptible<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T? {
        let work = _Concurrency.Task { try await body() }
        // The default action would end the process before the dispatch source sees the signal.
        signal(SIGINT, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler { work.cancel() }
        source.resume()
        defer {
            source.cancel()
            signal(SIGINT, SIG_DFL)
        }
        do {
            let value = try await work.value
            return work.isCancelled ? nil : value
        } catch {
            if work.isCancelled { return nil }
            throw error
        }
    }

    /// The exit status of a command ended by Ctrl-C: 128 + SIGINT.
    static let interruptedStatus: Int32 = 130
}

/// An item of a stream, or a tick of the clock that drives the redraws.
enum LiveInput<Item: Sendable>: Sendable {
    case item(Item)
    case tick
}

extension LiveTerminal {
    /// The items of `stream`, with a `.tick` every `interval` in between (none when nil). Ends when `stream` ends;
    /// stopping the iteration stops the iteration of `stream` too (for a watch stream: sends its `Cancel`).
    static func withTicks<Item: Sendable>(
        _ stream: AsyncThrowingStream<Item, any Error>, every interval: Duration?
    ) -> AsyncThrowingStream<LiveInput<Item>, any Error> {
        let (merged, continuation) = AsyncThrowingStream<LiveInput<Item>, any Error>.makeStream()
        let pump = _Concurrency.Task {
            do {
                for try await item in stream { continuation.yield(.item(item)) }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        let ticker = _Concurrency.Task {
            guard let interval else { return }
            while true {
                do { try await _Concurrency.Task.sleep(for: interval) } catch { return }
                continuation.yield(.tick)
            }
        }
        continuation.onTermination = { _ in
            pump.cancel()
            ticker.cancel()
        }
        return merged
    }
}
