import ArgumentParser
import TaskManagerCore
import TaskManagerStore

/// `taskmanager check FILE`: integrity, schema version and counts of a database or a backup; exits 1 when unsound.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check a database file or a backup: integrity, schema version, tasks by status.",
        discussion: "Exits 0 when the file is sound and this build can open it, 1 otherwise. Reads only.")

    @Argument(help: "The database file.")
    var file: String

    func run() throws {
        let check = try DatabaseCheck.run(file)
        print("Integrity:      \(check.integrity.joined(separator: "; "))")
        print("Schema version: \(check.schemaVersion) (this build: \(check.supportedVersion))")
        print("Task types:     \(check.taskTypes)")
        for status in TaskStatus.allCases where status != .unspecified {
            print("\((status.name + ":").padding(toLength: 16, withPad: " ", startingAt: 0))\(check.tasksByStatus[status] ?? 0)")
        }
        if !check.isHealthy { throw ExitCode.failure }
    }
}
