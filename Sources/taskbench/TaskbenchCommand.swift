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

    @Option(help: "taskmanager, beanstalkd or store (beanstalkd and store: lifecycle only; store: the embedded store in this process, no server).")
    var target: Target = .taskmanager

    @Option(help: """
        host:port (default 127.0.0.1:7411 for taskmanager, 127.0.0.1:11300 for beanstalkd). taskmanager: several, \
        comma-separated (instances sharing one database), take the connections in turn.
        """)
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

    @Flag(help: "taskmanager: connect with TLS, trusting the system's CAs unless --tls-ca.")
    var tls = false

    @Option(name: .customLong("tls-ca"), help: "taskmanager: PEM file of the CA to trust for the server's certificate; implies --tls.")
    var tlsCA: String?

    @Option(help: """
        The server's process id: idle reports its VmRSS while the connections are held, the other scenarios its CPU \
        time per call and per task. Several, comma-separated (one per --server): their CPU time is summed.
        """)
    var serverPID: String?

    @Option(help: """
        The database server's process id (PostgreSQL's postmaster): the CPU time of it and of all its descendant \
        processes (backends), per call and per task.
        """)
    var databasePID: Int32?

    @Option(help: "store: the store's durability, full or normal.")
    var durability: String = "normal"

    func validate() throws {
        guard connections > 0 else { throw ValidationError("--connections must be at least 1") }
        guard duration > 0 else { throw ValidationError("--duration must be positive") }
        guard pipeline > 0 else { throw ValidationError("--pipeline must be at least 1") }
        guard preload >= 0 else { throw ValidationError("--preload must not be negative") }
        if target != .taskmanager && scenario != .lifecycle {
            throw ValidationError("--target \(target.rawValue) runs only --scenario lifecycle")
        }
        guard durability == "full" || durability == "normal" else { throw ValidationError("--durability is full or normal") }
        let servers = try serverAddresses()
        if servers.count > 1 && (target != .taskmanager || scenario == .idle) {
            throw ValidationError("several --server addresses need --target taskmanager and a scenario other than idle")
        }
        let pids = try serverPIDs()
        if pids.count > 1 && scenario == .idle { throw ValidationError("idle takes one --server-pid") }
    }

    /// The `--server` addresses, or the target's default.
    private func serverAddresses() throws -> [(host: String, port: Int)] {
        let defaultAddress = target == .beanstalkd ? "127.0.0.1:11300" : "127.0.0.1:\(ServerAddress.defaultPort)"
        do {
            return try (server ?? defaultAddress).split(separator: ",", omittingEmptySubsequences: false).map {
                try ServerAddress.parse(String($0))
            }
        } catch {
            throw ValidationError("\(error)")
        }
    }

    /// The `--server-pid` process ids.
    private func serverPIDs() throws -> [Int32] {
        guard let serverPID else { return [] }
        return try serverPID.split(separator: ",", omittingEmptySubsequences: false).map {
            guard let pid = Int32($0.trimmingCharacters(in: .whitespaces)), pid > 0 else {
                throw ValidationError("--server-pid takes process ids, comma-separated")
            }
            return pid
        }
    }

    func run() async throws {
        // The load generator's own tasks run on its event loops: fewer thread switches competing with the server.
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        let addresses = try serverAddresses()
        let (host, port) = addresses[0]
        let pids = try serverPIDs()
        let key = apiKey ?? ProcessInfo.processInfo.environment["TASKMANAGER_API_KEY"]
        let tlsOptions = tls || tlsCA != nil ? TLSOptions(caPath: tlsCA) : nil
        let log: @Sendable (String) -> Void = { message in
            FileHandle.standardError.write(Data("taskbench: \(message)\n".utf8))
        }
        let cpuBefore = pids.isEmpty ? nil : ProcessCPU.micros(of: pids)
        let databaseCPUBefore = databasePID.flatMap(ProcessCPU.treeMicros(of:))
        var report: BenchReport
        switch (target, scenario) {
        case (.store, _):
            report = try await StoreBench(
                callers: connections, duration: duration, synchronous: durability == "full" ? .full : .normal, log: log
            ).run()
        case (.beanstalkd, _):
            report = try await BeanstalkBench(host: host, port: port, connections: connections, duration: duration).run()
        case (.taskmanager, .idle):
            report = try await IdleConnections(
                host: host, port: port, apiKey: key, tls: tlsOptions, connections: connections, duration: duration, serverPID: pids.first,
                log: log
            ).run()
        case (.taskmanager, _):
            report = try await TaskManagerBench(
                addresses: addresses, apiKey: key, tls: tlsOptions, connections: connections, duration: duration, pipeline: pipeline,
                preload: preload, log: log
            ).run(scenario)
        }
        // With a preload the server's CPU would include the bulk load.
        if scenario != .idle, preload == 0 {
            if let cpuBefore, let cpuAfter = ProcessCPU.micros(of: pids) {
                report.setServerCPU(micros: cpuAfter - cpuBefore)
            }
            if let databaseCPUBefore, let pid = databasePID, let after = ProcessCPU.treeMicros(of: pid) {
                report.setDatabaseCPU(micros: after - databaseCPUBefore)
            }
        }
        print(json ? try report.json() : report.text())
        if report.stillServing == false { throw ExitCode(2) }
    }
}
