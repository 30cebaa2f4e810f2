import ArgumentParser
import Dispatch
import Foundation
import TaskManagerClient
import TaskManagerCore

/// `taskmanager work`: the Swift example worker of clients/EXAMPLES.md, running the five example task types.
///
/// Exits 0 when stopped (SIGINT/SIGTERM let the running tasks finish), idle or done with `--max-runs`; exits 1
/// when the server cannot be reached at start or after 5 consecutive errors. Prints `processed=N failed=M` last.
struct WorkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "work", abstract: "Run the example worker (the task types of clients/EXAMPLES.md).")

    @Option(help: "Server address host:port (env TASKMANAGER_SERVER; default 127.0.0.1:7411).")
    var server: String?

    @Option(help: "API key sent with every call (env TASKMANAGER_API_KEY).")
    var apiKey: String?

    @OptionGroup var tls: TLSClientOptions

    @Option(name: .customLong("worker-id"), help: "Worker ID that owns the claims (default swift-worker-<hostname>-<pid>).")
    var workerID: String?

    @Option(help: "SQL LIKE pattern on the type name of the tasks to claim.")
    var typePattern = "example.%"

    @Option(name: .customLong("task-type-ids"), help: "Comma-separated task type ids to claim, one claim per id in turn, instead of the pattern.")
    var taskTypeIDs: String?

    @Option(help: "Seconds to sleep between claims that found nothing when claims do not wait (--wait-ms 0, several --task-type-ids); errors wait twice as long (fractions allowed).")
    var pollInterval = 10.0

    @Option(name: .customLong("wait-ms"), help: "Milliseconds a claim waits on the server for a task to appear (long poll, at most 30000); 0 = no wait.")
    var waitMs: UInt32 = 20_000

    @Option(help: "Stop after handling this many tasks; 0 = no limit.")
    var maxRuns = 0

    @Option(help: "How many tasks to run at once.")
    var concurrency = 1

    @Flag(help: "Exit as soon as nothing is claimable.")
    var stopWhenIdle = false

    @Flag(help: "Do not register the example task types at start.")
    var noRegister = false

    func validate() throws {
        guard pollInterval >= 0, pollInterval.isFinite else { throw ValidationError("Poll interval must not be negative") }
        guard maxRuns >= 0 else { throw ValidationError("Max runs must not be negative") }
        guard waitMs <= 30_000 else { throw ValidationError("Wait must be at most 30000 ms") }
        guard concurrency >= 1 else { throw ValidationError("Concurrency must be at least 1") }
        guard workerID?.isEmpty != true else { throw ValidationError("Worker ID must not be empty") }
        _ = try selection()
    }

    func run() async throws {
        let server = server ?? Environment.string("TASKMANAGER_SERVER") ?? "127.0.0.1:7411"
        let client: TaskManagerClient
        do {
            client = try await TaskManagerClient.connect(
                server: server, apiKey: apiKey ?? Environment.string("TASKMANAGER_API_KEY"), timeoutMs: 10_000,
                tls: try tls.resolved())
        } catch {
            Worker.logToStandardError("Cannot connect: \((error as? TaskManagerError)?.message ?? "\(error)")")
            print("processed=0 failed=0")
            throw ExitCode.failure
        }
        let worker = Worker(client: client, configuration: try workerConfiguration())
        ExampleHandlers.register(with: worker)

        let summary = await Self.stoppingOnSignals(worker) { await worker.run() }
        await client.close()
        print("processed=\(summary.processed) failed=\(summary.failed)")
        if summary.exitReason.isFailure { throw ExitCode.failure }
    }

    private func workerConfiguration() throws -> Worker.Configuration {
        let id = workerID ?? "swift-worker-\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)"
        var configuration = Worker.Configuration(workerID: id, selection: try selection())
        configuration.pollInterval = .milliseconds(Int64((pollInterval * 1000).rounded()))
        configuration.claimWaitMs = waitMs
        configuration.maxRuns = maxRuns
        configuration.maxConcurrentTasks = concurrency
        configuration.stopWhenIdle = stopWhenIdle
        configuration.taskTypes = noRegister ? [] : ExampleHandlers.taskTypes
        return configuration
    }

    private func selection() throws -> Worker.Selection {
        guard let taskTypeIDs else { return .typePattern(typePattern) }
        let ids = taskTypeIDs.split(separator: ",").map { Int64($0.trimmingCharacters(in: .whitespaces)) }
        guard !ids.isEmpty, ids.allSatisfy({ ($0 ?? 0) > 0 }) else {
            throw ValidationError("Task type ids must be positive integers separated by commas, e.g. 1,2,3")
        }
        return .taskTypeIDs(ids.compactMap { $0 })
    }

    /// Runs `body`, turning SIGINT and SIGTERM into `worker.stop()` meanwhile.
    private static func stoppingOnSignals(_ worker: Worker, _ body: () async -> Worker.Summary) async -> Worker.Summary {
        let sources = [SIGINT, SIGTERM].map { number in
            // The default action would kill the process before the dispatch source sees the signal.
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                Worker.logToStandardError("Received \(number == SIGINT ? "SIGINT" : "SIGTERM"), finishing the running tasks")
                worker.stop()
            }
            source.resume()
            return source
        }
        defer { sources.forEach { $0.cancel() } }
        return await body()
    }
}
