import ArgumentParser
import TaskManagerPostgres
import TaskManagerServer
import TaskManagerStore

/// `taskmanager backup --to FILE`: a consistent copy of the database, taken while the server runs.
struct BackupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copy the database to a new file while the server runs and takes writes.",
        discussion: """
            The copy is one consistent snapshot (every call acknowledged before the backup began is in it) and \
            needs no -wal file. Restore: stop the server, replace the database file with the copy (and delete \
            the old -wal and -shm files), start the server.
            """)

    @Option(name: .customLong("db"), help: "The database (env TASKMANAGER_DB; default: serve's default).")
    var databasePath: String?

    @Option(help: "The file to write; it must not exist.")
    var to: String

    func run() throws {
        var database = databasePath ?? Environment.string("TASKMANAGER_DB") ?? ServerConfiguration().databasePath
        guard !PostgresURL.isPostgres(database) else {
            throw ValidationError("backup copies a SQLite database; back up PostgreSQL with its own tools (pg_dump)")
        }
        if database.hasPrefix("sqlite:") { database.removeFirst("sqlite:".count) }
        try DatabaseBackup.run(database: database, to: to)
        let check = try DatabaseCheck.run(to)
        guard check.isHealthy else {
            throw ValidationError("The copy at \(to) failed its check: \(check.integrity.joined(separator: "; "))")
        }
        let tasks = check.tasksByStatus.values.reduce(0, +)
        print("Backed up \(database) to \(to): schema version \(check.schemaVersion), \(check.taskTypes) task types, \(tasks) tasks")
    }
}
