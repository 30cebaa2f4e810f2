import Foundation
import Prometheus
import Synchronization
import TaskManagerCore
import TaskManagerServer

/// The gauges computed when `/metrics` is read: tasks by type and status, the oldest pending task's age per type,
/// open connections, readiness and the WAL's size. A type that no longer has any task loses its series.
final class ScrapeGauges: Sendable {
    static let tasksName = "taskmanager_tasks"
    static let oldestPendingName = "taskmanager_oldest_pending_age_seconds"
    static let connectionsName = "taskmanager_connections_open"
    static let readyName = "taskmanager_ready"
    static let walBytesName = "taskmanager_wal_bytes"

    private let registry: PrometheusCollectorRegistry
    private let connections: Gauge
    private let ready: Gauge
    private let walBytes: Gauge
    /// The gauges of each type seen at the last scrape.
    private let byType = Mutex<[String: [Gauge]]>([:])

    init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
        connections = registry.makeGauge(descriptor: Self.descriptor(Self.connectionsName, "Client connections open on the binary port"))
        ready = registry.makeGauge(descriptor: Self.descriptor(Self.readyName, "1 when /readyz answers 200, else 0"))
        walBytes = registry.makeGauge(descriptor: Self.descriptor(Self.walBytesName, "Size of the database's write-ahead log file in bytes"))
    }

    /// Sets every gauge from `server` now.
    func update(from server: TaskManagerServer) async {
        connections.set(to: Double(server.openConnections))
        ready.set(to: server.notReadyReason == nil ? 1 : 0)
        let wal = try? FileManager.default.attributesOfItem(atPath: server.configuration.databasePath + "-wal")[.size] as? Int
        walBytes.set(to: Double(wal ?? 0))
        guard let stats = try? await server.stats() else { return }
        byType.withLock { byType in
            var seen: [String: [Gauge]] = [:]
            for type in stats.byType {
                let counts: [(TaskStatus, Int64)] = [
                    (.pending, type.pending), (.claimed, type.claimed), (.completed, type.completed), (.failed, type.failed),
                    (.cancelled, type.cancelled),
                ]
                var gauges: [Gauge] = []
                for (status, count) in counts {
                    let gauge = registry.makeGauge(
                        descriptor: Self.descriptor(Self.tasksName, "Tasks in the database by type and status"),
                        labels: [("type", type.type), ("status", status.name)])
                    gauge.set(to: Double(count))
                    gauges.append(gauge)
                }
                let oldest = registry.makeGauge(
                    descriptor: Self.descriptor(Self.oldestPendingName, "Age of the type's oldest pending task; 0 when none is pending"),
                    labels: [("type", type.type)])
                oldest.set(to: Double(type.oldestPendingAgeMs) / 1000)
                gauges.append(oldest)
                seen[type.type] = gauges
            }
            for (type, gauges) in byType where seen[type] == nil {
                gauges.forEach(registry.unregisterGauge)
            }
            byType = seen
        }
    }

    private static func descriptor(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }
}
