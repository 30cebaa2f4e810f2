import ArgumentParser
import Foundation
import NIOCore
import NIOPosix
import TaskManagerClient

/// `taskbench`: drives a TaskManager server (or beanstalkd, for comparison) with a fixed scenario for a while
/// and reports throughput and latency percentiles.
@main
struct TaskbenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "taskbench",
        abstract: "Load generator for a TaskManager server, with beanstalkd as a baseline.",
        discussion: """
            Each connection runs its scenario in a loop for --duration seconds; every call's latency goes into an \
            HdrHistogram (µs) per call kind, and `cycle` times one whole task. Rates divide by the measured time. \
            Tasks use the type bench.task (registered if missing) and parameters unique per task, so dedupe never hits.
            """)

    @Option(help: "taskmanager or beanstalkd (beanstalkd: lifecycle only).")
    var target: Target = .taskmanager

    @Option(help: "host:port (default 127.0.0.1:7411 for taskmanager, 127.0.0.1:11300 for beanstalkd).")
    var server: String?

    @Option(help: "lifecycle, create, claim, progress, get, pipelined-get or idle.")
    var scenario: Scenario = .lifecycle

    @Option(help: "Connections, one loop each (idle: connections to hold).")
    var connections = 16

    @Option(help: "Seconds to run.")
    var duration = 10.0

    @Option(help: "pipelined-get: calls in flight on each connection.")
    var pipeline = 1

    @Option(help: "Pending tasks of another type (bench.preload) to create before the run.")
    var preload = 0

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    @Option(help: "API key sent with every call (env TASKMANAGER_API_KEY).")
    var apiKey: String?

    @Option(help: "idle: the server's process id, to report its VmRSS while the connections are held.")
    var serverPID: Int32?

    func validate() throws {
        guard connections > 0 else { throw ValidationError("--connections must be at least 1") }
        guard duration > 0 else { throw ValidationError("--duration must be positive") }
        guard pipeline > 0 else { throw ValidationError("--pipeline must be at least 1") }
        guard preload >= 0 else { throw ValidationError("--preload must not be negative") }
        if target == .beanstalkd && scenario != .lifecycle {
            throw ValidationError("--target beanstalkd runs only --scenario lifecycle")
        }
    }

    func run() async throws {
        // The load generator's own tasks run on its event loops: fewer thread switches competing with the server.
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        let defaultAddress = target == .beanstalkd ? "127.0.0.1:11300" : "127.0.0.1:\(ServerAddress.defaultPort)"
        let (host, port) = try ServerAddress.parse(server ?? defaultAddress)
        let key = apiKey ?? ProcessInfo.processInfo.environment["TASKMANAGER_API_KEY"]
        let log: @Sendable (String) -> Void = { message in
            FileHandle.standardError.write(Data("taskbench: \(message)\n".utf8))
        }
        let report: BenchReport
        switch (target, scenario) {
        case (.beanstalkd, _):
            report = try await BeanstalkBench(host: host, port: port, connections: connections, duration: duration).run()
        case (.taskmanager, .idle):
            report = try await IdleConnections(
                host: host, port: port, apiKey: key, connections: connections, duration: duration, serverPID: serverPID,
                log: log
            ).run()
        case (.taskmanager, _):
            report = try await TaskManagerBench(
                host: host, port: port, apiKey: key, connections: connections, duration: duration, pipeline: pipeline,
                preload: preload, log: log
            ).run(scenario)
        }
        print(json ? try report.json() : report.text())
        if report.stillServing == false { throw ExitCode(2) }
    }
}
