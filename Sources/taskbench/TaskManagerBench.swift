import Foundation
import TaskManagerClient
import TaskManagerCore

/// The scenarios against a TaskManager server: one `TaskManagerClient` (one connection) per `--connections`,
/// spread round-robin over the servers given (several instances on one database).
struct TaskManagerBench: Sendable {
    /// The task type the scenarios create and claim.
    static let taskTypeName = "bench.task"
    /// The task type of `--preload` tasks, which the scenarios never claim.
    static let preloadTypeName = "bench.preload"
    static let schema = #"{"type":"object"}"#

    /// The servers; connection `i` goes to `addresses[i % addresses.count]`.
    var addresses: [(host: String, port: Int)]
    var apiKey: String?
    var tls: TLSOptions?
    var connections: Int
    var duration: Double
    var pipeline: Int
    var preload: Int
    var log: @Sendable (String) -> Void

    /// Distinguishes this run's parameters from those of earlier runs on the same database, so dedupe never hits.
    private let runID = UInt64(Date().timeIntervalSince1970 * 1_000_000)

    init(
        addresses: [(host: String, port: Int)], apiKey: String?, tls: TLSOptions?, connections: Int, duration: Double, pipeline: Int,
        preload: Int, log: @escaping @Sendable (String) -> Void
    ) {
        precondition(!addresses.isEmpty, "at least one server address")
        self.addresses = addresses
        self.apiKey = apiKey
        self.tls = tls
        self.connections = connections
        self.duration = duration
        self.pipeline = pipeline
        self.preload = preload
        self.log = log
    }

    func run(_ scenario: Scenario) async throws -> BenchReport {
        let clients = try await connect(connections)
        defer { _Concurrency.Task { for client in clients { await client.close() } } }
        let typeID = try await registerType(Self.taskTypeName, on: clients[0])
        if preload > 0 {
            _ = try await registerType(Self.preloadTypeName, on: clients[0])
            let started = monotonicNanos()
            let created = try await Preloader.create(on: clients, type: Self.preloadTypeName, count: preload) { index in
                params(worker: -1, index: index)
            }
            let seconds = Double(monotonicNanos() - started) / 1e9
            log("preloaded \(created) pending \(Self.preloadTypeName) tasks in \(String(format: "%.1f", seconds)) s")
        }
        var notes: [String] = []
        let outcome: (result: WorkerResult, elapsed: Double)
        switch scenario {
        case .lifecycle:
            outcome = try await WorkerPool.run(count: connections, duration: duration) { [self] worker, deadline in
                try await LifecycleChain.run(clients[worker], worker: worker, typeID: typeID, deadline: deadline) { index in
                    params(worker: worker, index: index)
                }
            }
        case .create:
            outcome = try await WorkerPool.run(count: connections, duration: duration) { worker, deadline in
                try await create(clients[worker], worker: worker, deadline: deadline)
            }
        case .claim:
            let pool = try await fillClaimPool(clients)
            log("created a pool of \(pool) pending \(Self.taskTypeName) tasks to claim")
            outcome = try await WorkerPool.run(count: connections, duration: duration) { worker, deadline in
                try await claim(clients[worker], worker: worker, typeID: typeID, deadline: deadline)
            }
            if outcome.result.tasks >= pool { notes.append("the pool of \(pool) pending tasks ran dry before the deadline") }
        case .progress:
            outcome = try await WorkerPool.run(count: connections, duration: duration) { worker, deadline in
                try await progress(clients[worker], worker: worker, typeID: typeID, deadline: deadline)
            }
        case .get, .pipelinedGet:
            let depth = scenario == .get ? 1 : pipeline
            var ids: [Int64] = []
            for (worker, client) in clients.enumerated() {
                let response = try await client.createTask(
                    CreateTaskRequest(type: Self.taskTypeName, paramsJSON: params(worker: worker, index: -1)))
                ids.append(response.task?.id ?? 0)
            }
            let taskIDs = ids
            if scenario == .get {
                outcome = try await WorkerPool.run(count: connections, duration: duration) { worker, deadline in
                    try await get(clients[worker], id: taskIDs[worker], deadline: deadline)
                }
            } else {
                outcome = try await WorkerPool.run(count: connections, duration: duration) { worker, deadline in
                    try await PipelinedGets.run(clients[worker], id: taskIDs[worker], depth: depth, deadline: deadline)
                }
            }
        case .idle:
            preconditionFailure("idle runs through IdleConnections")
        }
        var report = BenchReport(
            target: .taskmanager, scenario: scenario, connections: connections, duration: duration,
            elapsed: outcome.elapsed, result: outcome.result)
        if scenario == .pipelinedGet { report.pipeline = pipeline }
        if preload > 0 { report.preload = preload }
        if addresses.count > 1 { report.servers = addresses.count }
        if !notes.isEmpty { report.notes = notes }
        return report
    }

    // MARK: Scenarios

    private func lifecycle(_ client: TaskManagerClient, worker: Int, typeID: Int64, deadline: UInt64) async throws -> WorkerResult {
        var result = WorkerResult()
        let workerID = "bench-\(worker)"
        var index = 0
        while monotonicNanos() < deadline {
            let start = monotonicNanos()
            let request = CreateTaskRequest(type: Self.taskTypeName, paramsJSON: params(worker: worker, index: index))
            index += 1
            _ = try await result.latencies.time(CallKind.createTask) { try await client.createTask(request) }
            // Every worker claims only after its own create, so a pending task is always there to claim.
            guard let task = try await claimOne(client, workerID: workerID, typeID: typeID, into: &result.latencies) else {
                throw BenchError("ClaimTask found nothing to claim right after a create")
            }
            for percent: Int32 in [25, 50, 75] {
                let update = UpdateProgressRequest(id: task.id, workerID: workerID, progress: percent, attempt: task.attempts)
                _ = try await result.latencies.time(CallKind.updateProgress) { try await client.updateProgress(update) }
            }
            let complete = CompleteTaskRequest(id: task.id, workerID: workerID, resultJSON: "{}", attempt: task.attempts)
            _ = try await result.latencies.time(CallKind.completeTask) { try await client.completeTask(complete) }
            result.latencies.record(CallKind.cycle, since: start)
            result.tasks += 1
        }
        return result
    }

    private func create(_ client: TaskManagerClient, worker: Int, deadline: UInt64) async throws -> WorkerResult {
        var result = WorkerResult()
        var index = 0
        while monotonicNanos() < deadline {
            let request = CreateTaskRequest(type: Self.taskTypeName, paramsJSON: params(worker: worker, index: index))
            index += 1
            _ = try await result.latencies.time(CallKind.createTask) { try await client.createTask(request) }
            result.tasks += 1
        }
        return result
    }

    private func claim(_ client: TaskManagerClient, worker: Int, typeID: Int64, deadline: UInt64) async throws -> WorkerResult {
        var result = WorkerResult()
        let workerID = "bench-\(worker)"
        while monotonicNanos() < deadline {
            let start = monotonicNanos()
            let request = ClaimTaskRequest(workerID: workerID, taskTypeID: typeID)
            guard let task = try await result.latencies.time(CallKind.claimTask, { try await client.claimTask(request) }) else {
                break  // The pool ran dry.
            }
            let complete = CompleteTaskRequest(id: task.id, workerID: workerID, resultJSON: "{}", attempt: task.attempts)
            _ = try await result.latencies.time(CallKind.completeTask) { try await client.completeTask(complete) }
            result.latencies.record(CallKind.cycle, since: start)
            result.tasks += 1
        }
        return result
    }

    private func progress(_ client: TaskManagerClient, worker: Int, typeID: Int64, deadline: UInt64) async throws -> WorkerResult {
        var result = WorkerResult()
        let workerID = "bench-\(worker)"
        _ = try await client.createTask(CreateTaskRequest(type: Self.taskTypeName, paramsJSON: params(worker: worker, index: -1)))
        var setup = LatencyRecorder()
        guard let task = try await claimOne(client, workerID: workerID, typeID: typeID, into: &setup) else {
            throw BenchError("ClaimTask found nothing to claim right after a create")
        }
        var percent: Int32 = 0
        while monotonicNanos() < deadline {
            percent = (percent + 1) % 100
            let update = UpdateProgressRequest(id: task.id, workerID: workerID, progress: percent, attempt: task.attempts)
            _ = try await result.latencies.time(CallKind.updateProgress) { try await client.updateProgress(update) }
        }
        return result
    }

    private func get(_ client: TaskManagerClient, id: Int64, deadline: UInt64) async throws -> WorkerResult {
        var result = WorkerResult()
        while monotonicNanos() < deadline {
            _ = try await result.latencies.time(CallKind.getTask) { try await client.getTask(id: id) }
        }
        return result
    }

    // MARK: Helpers

    /// Claims one task of the bench type, retrying for up to 5 s when another worker took the one that was there.
    private func claimOne(
        _ client: TaskManagerClient, workerID: String, typeID: Int64, into latencies: inout LatencyRecorder
    ) async throws -> TaskManagerCore.Task? {
        let request = ClaimTaskRequest(workerID: workerID, taskTypeID: typeID)
        let giveUp = monotonicNanos() + 5_000_000_000
        repeat {
            if let task = try await latencies.time(CallKind.claimTask, { try await client.claimTask(request) }) { return task }
        } while monotonicNanos() < giveUp
        return nil
    }

    /// Creates pending tasks of the bench type, pipelined, for as long as a run lasts: more than the claim
    /// scenario can take in the same time, since creating is one call where claiming is two.
    private func fillClaimPool(_ clients: [TaskManagerClient]) async throws -> Int {
        let deadline = monotonicNanos() + UInt64(duration * 1e9)
        return try await Preloader.create(on: clients, type: Self.taskTypeName, count: nil, until: deadline) { index in
            params(worker: -2, index: index)
        }
    }

    private func registerType(_ name: String, on client: TaskManagerClient) async throws -> Int64 {
        let response = try await client.registerTaskType(
            RegisterTaskTypeRequest(name: name, version: "1.0.0", paramSchemaJSON: Self.schema))
        guard let type = response.taskType else { throw BenchError("RegisterTaskType returned no task type") }
        return type.id
    }

    private func connect(_ count: Int) async throws -> [TaskManagerClient] {
        var clients: [TaskManagerClient] = []
        for index in 0..<count {
            let (host, port) = addresses[index % addresses.count]
            clients.append(try await TaskManagerClient.connect(host: host, port: port, apiKey: apiKey, tls: tls))
        }
        return clients
    }

    /// Parameters unique to this run, worker and index.
    private func params(worker: Int, index: Int) -> String {
        #"{"run":\#(runID),"worker":\#(worker),"i":\#(index)}"#
    }
}

/// A failure of the benchmark itself (not of a call, which throws `TaskManagerError`).
struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
