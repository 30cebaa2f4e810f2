import ArgumentParser
import TaskManagerCore

// The commands a worker runs on a task: claim, progress, complete, fail (heartbeat is in HeartbeatCommand.swift).
//
// `--attempt N` (progress, complete, fail, heartbeat) is the `attempts` value the claim returned: with it, a call
// about an attempt whose lease has ended fails with FAILED_PRECONDITION "Lease lost" even if the same worker
// claimed the task again. 0 (the default) skips the check.

/// `taskmanager claim --worker ID`: takes the next claimable task, if any.
struct ClaimCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "claim", abstract: "Claim the next pending task.")

    @Option(name: .customLong("worker"), help: "Worker ID that will own the task.") var workerID: String
    @Option(help: "Only tasks of this task type id.") var typeID: Int64?
    @Option(help: "Only types whose name matches this SQL LIKE pattern, e.g. 'email.%' (default: any type).")
    var typePattern: String?
    @Option(help: "created_at, priority, id or attempts (default: priority, then age).") var sortBy: String?
    @Option(help: "ASC or DESC (default ASC).") var sortOrder: String?
    @Option(help: "When nothing is claimable, wait up to this many milliseconds (at most 30000) for a task.")
    var waitMs: UInt32 = 0

    @OptionGroup var options: ClientOptions

    func run() async throws {
        // The server wants a type id or a pattern; from the command line, no filter means any type.
        let pattern = typePattern ?? (typeID == nil ? "%" : "")
        let request = ClaimTaskRequest(
            workerID: workerID, taskTypeID: typeID ?? 0, typePattern: pattern, sortBy: sortBy ?? "", sortOrder: sortOrder ?? "",
            waitMs: waitMs)
        var options = self.options
        // The call's deadline covers the wait: the timeout counts from when a task could be handed out.
        if options.timeoutMs > 0 { options.timeoutMs += min(waitMs, 30_000) }
        let json = options.json
        try await options.withClient { client in
            let task = try await client.claimTask(request)
            if json { return JSONOutput.print(.object(["task": JSONOutput.optionalTask(task)])) }
            guard let task else { return print("No task available") }
            print("Claimed task \(task.id)")
            print(HumanOutput.taskDetails(task))
        }
    }
}

/// `taskmanager progress ID PERCENT --worker ID`: reports how far a claimed task is.
struct ProgressCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "progress", abstract: "Report progress of a claimed task.")

    @Argument(help: "Task ID.") var id: Int64
    @Argument(help: "Percent done, 0 to 100.") var percent: Int32
    @Option(name: .customLong("worker"), help: "Worker ID that claimed the task.") var workerID: String
    @Option(help: "What is being done, e.g. 'Step 2/4'.") var message: String?
    @Option(help: .attempt) var attempt: Int32 = 0

    @OptionGroup var options: ClientOptions

    func run() async throws {
        let request = UpdateProgressRequest(id: id, workerID: workerID, progress: percent, message: message ?? "", attempt: attempt)
        let json = options.json
        try await options.withClient { client in
            let response = try await client.updateProgress(request)
            if json {
                return JSONOutput.print(.object([
                    "id": .integer(response.id), "progress": .integer(Int64(response.progress)),
                    "lease_expires_at_ms": .integer(response.leaseExpiresAtMs), "cancel_requested": .bool(response.cancelRequested),
                ]))
            }
            let suffix = request.message.isEmpty ? "" : " - \(request.message)"
            print("Task \(response.id) progress: \(response.progress)%\(suffix)")
            print("Lease expires at \(HumanOutput.time(response.leaseExpiresAtMs))")
            if response.cancelRequested { print(cancelRequestedNotice) }
        }
    }
}

/// `taskmanager complete ID --worker ID`: finishes a claimed task with an optional result.
struct CompleteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "complete", abstract: "Complete a claimed task.")

    @Argument(help: "Task ID.") var id: Int64
    @Option(name: .customLong("worker"), help: "Worker ID that claimed the task.") var workerID: String
    @Option(help: "Result as any JSON value.") var result: String?
    @Option(help: .attempt) var attempt: Int32 = 0

    @OptionGroup var options: ClientOptions

    func validate() throws {
        try JSONOption.check(result, "--result")
    }

    func run() async throws {
        let request = CompleteTaskRequest(id: id, workerID: workerID, resultJSON: result ?? "", attempt: attempt)
        let json = options.json
        try await options.withClient { client in
            let response = try await client.completeTask(request)
            if json { return JSONOutput.print(.object(["task": JSONOutput.optionalTask(response.task)])) }
            print("Completed task \(request.id)")
        }
    }
}

/// `taskmanager fail ID --worker ID --error TEXT`: gives up on an attempt; the server retries (after the backoff)
/// while attempts remain. On a task whose cancel was requested it acknowledges the cancel: the task is cancelled.
struct FailCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "fail", abstract: "Fail a claimed task.")

    @Argument(help: "Task ID.") var id: Int64
    @Option(name: .customLong("worker"), help: "Worker ID that claimed the task.") var workerID: String
    @Option(help: "Why the attempt failed.") var error: String
    @Option(help: .attempt) var attempt: Int32 = 0

    @OptionGroup var options: ClientOptions

    func run() async throws {
        let request = FailTaskRequest(id: id, workerID: workerID, error: error, attempt: attempt)
        let json = options.json
        try await options.withClient { client in
            let response = try await client.failTask(request)
            if json {
                return JSONOutput.print(.object([
                    "task": JSONOutput.optionalTask(response.task), "retried": .bool(response.retried),
                ]))
            }
            if response.task?.status == .cancelled { return print("Task \(request.id) cancelled") }
            let attempts = response.task.map { " (attempt \($0.attempts) of \($0.maxAttempts))" } ?? ""
            guard response.retried else { return print("Task \(request.id) failed\(attempts); it will not be retried") }
            // The retry waits out its backoff: claimable again at run_at_ms (the fail happened at updated_at_ms).
            let after = response.task.map { $0.runAtMs > $0.updatedAtMs ? " after \(HumanOutput.time($0.runAtMs))" : "" } ?? ""
            print("Task \(request.id) failed\(attempts); it will be retried\(after)")
        }
    }
}

extension ArgumentHelp {
    /// The help of every `--attempt` option.
    static let attempt: ArgumentHelp = "The attempt number the claim returned (its attempts); 0 = not checked."
}

/// What progress and heartbeat print when the task's cancel was requested.
let cancelRequestedNotice = "Cancel requested: stop the work and run `taskmanager fail` to acknowledge it"
