import ArgumentParser
import TaskManagerCore

/// `taskmanager heartbeat ID --worker ID`: renews the lease of a claimed task without reporting progress.
struct HeartbeatCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "heartbeat", abstract: "Renew the lease of a claimed task; says whether a cancel was requested.")

    @Argument(help: "Task ID.") var id: Int64
    @Option(name: .customLong("worker"), help: "Worker ID that claimed the task.") var workerID: String
    @Option(help: .attempt) var attempt: Int32 = 0

    @OptionGroup var options: ClientOptions

    func run() async throws {
        let request = HeartbeatRequest(id: id, workerID: workerID, attempt: attempt)
        let json = options.json
        try await options.withClient { client in
            let response = try await client.heartbeat(request)
            if json {
                return JSONOutput.print(.object([
                    "id": .integer(response.id), "lease_expires_at_ms": .integer(response.leaseExpiresAtMs),
                    "cancel_requested": .bool(response.cancelRequested),
                ]))
            }
            print(HumanOutput.fields([
                ("Task", String(response.id)),
                ("Lease expires", HumanOutput.time(response.leaseExpiresAtMs)),
                ("Cancel requested", response.cancelRequested ? "yes" : "no"),
            ]))
            if response.cancelRequested { print(cancelRequestedNotice) }
        }
    }
}
