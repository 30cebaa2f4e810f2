import ArgumentParser
import TaskManagerCore

/// `taskmanager create TYPE`: queues a task, or returns the existing one with the same dedupe key.
struct CreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "create", abstract: "Create a task.")

    @Argument(help: "Task type name.") var type: String
    @Option(help: "Parameters as a JSON object (default {}).") var params: String?
    @Option(help: "Higher is claimed first.") var priority: Int32 = 0
    @Option(help: "Tasks with the same key are created once (default: a hash of type and params).") var dedupeKey: String?
    @Option(help: "Attempts before the task fails for good (default: the type's, else the server's).") var maxAttempts: Int32?
    @Option(help: "Not claimable for this many milliseconds from now.") var delayMs: Int64?
    @Option(help: "Not claimable before this time, in Unix epoch milliseconds (not with --delay-ms).") var runAtMs: Int64?
    @Option(help: "Wait before the first retry, in ms, doubling per attempt (default: the type's, else the server's).")
    var retryBackoffBaseMs: Int32?
    @Option(help: "Longest wait before a retry, in ms (default: the type's, else the server's).") var retryBackoffCapMs: Int32?

    @OptionGroup var options: ClientOptions

    func validate() throws {
        try JSONOption.check(params, "--params")
    }

    func run() async throws {
        let request = CreateTaskRequest(
            type: type, paramsJSON: params ?? "", priority: priority, dedupeKey: dedupeKey ?? "", maxAttempts: maxAttempts ?? 0,
            runAtMs: runAtMs ?? 0, delayMs: delayMs ?? 0, retryBackoffBaseMs: retryBackoffBaseMs ?? 0,
            retryBackoffCapMs: retryBackoffCapMs ?? 0)
        let json = options.json
        try await options.withClient { client in
            let response: CreateTaskResponse
            do {
                response = try await client.createTask(request)
            } catch let error as TaskManagerError where error == .taskTypeNotFound {
                throw TaskManagerError(error.code, "Task type \"\(type)\" not found")
            }
            if json {
                return JSONOutput.print(.object([
                    "task": JSONOutput.optionalTask(response.task), "deduplicated": .bool(response.deduplicated),
                ]))
            }
            guard let task = response.task else { return }
            print(response.deduplicated ? "Task \(task.id) already exists (deduplicated)" : "Created task \(task.id)")
            print(HumanOutput.taskDetails(task))
        }
    }
}
