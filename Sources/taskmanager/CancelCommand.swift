import ArgumentParser
import TaskManagerCore

/// `taskmanager cancel ID`: cancels a pending task at once; asks the worker of a claimed one to stop.
struct CancelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel", abstract: "Cancel a task.",
        discussion: """
            A pending task is cancelled at once. A claimed task is marked cancel requested: its worker learns it \
            from its next progress report or heartbeat, and the task becomes cancelled when the worker fails it \
            or its lease expires (a worker that completes it anyway completes it).
            """)

    @Argument(help: "Task ID.") var id: Int64
    @Option(help: "Why, recorded with the task.") var reason: String?

    @OptionGroup var options: ClientOptions

    func run() async throws {
        let (id, reason, json) = (id, reason ?? "", options.json)
        try await options.withClient { client in
            let task = try await client.cancelTask(id: id, reason: reason)
            if json { return JSONOutput.print(.object(["task": JSONOutput.task(task)])) }
            switch task.status {
            case .cancelled: print("Task \(task.id) cancelled")
            case .claimed where task.cancelRequested:
                print("Task \(task.id) cancel requested; worker \(task.claimedBy) is told at its next progress report or heartbeat")
            default: print("Task \(task.id) is \(task.status.name)")
            }
        }
    }
}
