import ArgumentParser
import TaskManagerCore

// The read-only task commands: get, list, history.

/// `taskmanager get ID`: every field of one task.
struct GetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "get", abstract: "Show a task.")

    @Argument(help: "Task ID.") var id: Int64
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let (id, json) = (id, options.json)
        try await options.withClient { client in
            let task = try await client.getTask(id: id)
            if json { return JSONOutput.print(JSONOutput.task(task)) }
            print(HumanOutput.taskDetails(task))
        }
    }
}

/// `taskmanager list`: one page of tasks, newest first as the server orders them.
struct ListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List tasks.")

    @Option(help: "pending, claimed, completed, failed or cancelled.") var status: String?
    @Option(help: "Task type name; SQL LIKE when it contains %.") var type: String?
    @Option(help: "Worker ID holding the task.") var claimedBy: String?
    @Option(help: "Page size (server default 50, at most 1000).") var limit: Int32?
    @Option(help: "Tasks to skip.") var offset: Int32?
    @Flag(help: "Only claimed tasks marked stalled (no progress for the stall time).") var stalled = false

    @OptionGroup var options: ClientOptions

    func validate() throws {
        if let status, TaskStatus(name: status) == nil || TaskStatus(name: status) == .unspecified {
            throw ValidationError("Invalid status '\(status)': expected pending, claimed, completed, failed or cancelled")
        }
    }

    func run() async throws {
        let request = ListTasksRequest(
            status: status.flatMap { TaskStatus(name: $0) } ?? .unspecified, type: type ?? "", claimedBy: claimedBy ?? "",
            limit: limit ?? 0, offset: offset ?? 0, stalledOnly: stalled)
        let json = options.json
        try await options.withClient { client in
            let response = try await client.listTasks(request)
            if json { return JSONOutput.print(JSONOutput.listTasks(response)) }
            print(HumanOutput.taskTable(response.tasks))
            print("\(response.count) of \(response.total) tasks")
        }
    }
}

/// `taskmanager history ID`: a task's audit trail, oldest first.
struct HistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "history", abstract: "Show a task's history.")

    @Argument(help: "Task ID.") var id: Int64
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let (id, json) = (id, options.json)
        try await options.withClient { client in
            let entries = try await client.getTaskHistory(taskID: id)
            if json { return JSONOutput.print(.object(["entries": .array(entries.map(JSONOutput.historyEntry))])) }
            print(HumanOutput.historyTable(entries))
        }
    }
}
