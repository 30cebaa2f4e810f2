import Foundation
import TaskManagerClient

/// Holds many connections that send nothing and checks that the server still serves: how much memory an idle
/// connection costs the server.
struct IdleConnections: Sendable {
    /// Connections opened at once.
    static let batch = 200

    var host: String
    var port: Int
    var apiKey: String?
    var tls: TLSOptions?
    var connections: Int
    var duration: Double
    /// The server's process, to read its VmRSS from /proc (same host only).
    var serverPID: Int32?
    var log: @Sendable (String) -> Void

    func run() async throws -> BenchReport {
        let start = monotonicNanos()
        var held: [TaskManagerClient] = []
        held.reserveCapacity(connections)
        while held.count < connections {
            let count = min(Self.batch, connections - held.count)
            let opened = try await withThrowingTaskGroup(of: TaskManagerClient.self) { group in
                for _ in 0..<count {
                    group.addTask { try await TaskManagerClient.connect(host: host, port: port, apiKey: apiKey, tls: tls) }
                }
                return try await group.reduce(into: [TaskManagerClient]()) { $0.append($1) }
            }
            held += opened
        }
        log("opened \(held.count) connections")
        let clients = held
        defer { _Concurrency.Task { for client in clients { await client.close() } } }

        // Let the server settle, then measure while everything is held.
        try await _Concurrency.Task.sleep(for: .seconds(min(duration, 2)))
        let rss = serverPID.flatMap(Self.residentKiB)
        var result = WorkerResult()
        let fresh = try await TaskManagerClient.connect(host: host, port: port, apiKey: apiKey, tls: tls)
        var serving = true
        do {
            _ = try await result.latencies.time("Health") { try await fresh.health() }
        } catch {
            serving = false
            log("a call on a fresh connection failed: \(error)")
        }
        await fresh.close()
        // Every held connection must still be open and answer a Ping.
        let alive = await withTaskGroup(of: Bool.self) { group in
            var alive = 0
            for (index, client) in clients.enumerated() {
                if index >= Self.batch, let answered = await group.next(), answered { alive += 1 }
                group.addTask { (try? await client.ping()) != nil }
            }
            for await answered in group where answered { alive += 1 }
            return alive
        }
        let remaining = duration - Double(monotonicNanos() - start) / 1e9
        if remaining > 0 { try await _Concurrency.Task.sleep(for: .seconds(remaining)) }

        var report = BenchReport(
            target: .taskmanager, scenario: .idle, connections: connections, duration: duration,
            elapsed: Double(monotonicNanos() - start) / 1e9, result: result)
        report.idleOpen = alive
        report.serverRSSKB = rss
        report.stillServing = serving && alive == connections
        return report
    }

    /// VmRSS of `pid` in KiB, from /proc/PID/status.
    static func residentKiB(of pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return nil }
        return line.split(separator: " ").dropFirst().first.flatMap { Int($0) }
    }
}
