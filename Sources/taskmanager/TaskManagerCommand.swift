import ArgumentParser
import TaskManagerServer

/// The `taskmanager` executable: `serve` runs the server, every other subcommand is one client call.
@main
struct TaskManagerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "taskmanager",
        abstract: "A task-queue server and its command-line client.",
        discussion: """
            Client commands exit 0 on success; on a server error they print `error: CODE: message` to stderr \
            and exit with the numeric gRPC status code (5 NOT_FOUND, 9 FAILED_PRECONDITION, 14 UNAVAILABLE, \
            16 UNAUTHENTICATED, ...).
            """,
        version: TaskService.version,
        subcommands: [
            ServeCommand.self, HealthCommand.self, TypesCommand.self,
            CallCommand.self, CreateCommand.self, ClaimCommand.self, ProgressCommand.self, HeartbeatCommand.self, CompleteCommand.self,
            FailCommand.self, CancelCommand.self, GetCommand.self, ListCommand.self, HistoryCommand.self,
            WorkCommand.self,
            StatsCommand.self, WatchCommand.self, TopCommand.self, KeysCommand.self, BackupCommand.self, CheckCommand.self,
        ])
}
