import CoreMetrics
import Prometheus
import TaskManagerServer
import TaskManagerStore

/// The Prometheus registry behind `/metrics`, and the `ServerMetrics` that record into it (give those to
/// `TaskManagerServer.start(metrics:)`). Histogram buckets suit each measure: calls from 50 µs, commits and syncs
/// from 100 µs, batch sizes in powers of two.
public final class PrometheusExporter: Sendable {
    public let registry: PrometheusCollectorRegistry
    public let serverMetrics: ServerMetrics

    public init() {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        let calls: [Duration] = [
            .microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1),
            .microseconds(2500), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
            .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5),
            .seconds(10), .seconds(30),
        ]
        let disk: [Duration] = [
            .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .microseconds(2500),
            .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
            .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5),
        ]
        factory.durationHistogramBuckets = [
            ServerMetrics.callDurationName: calls, StoreMetrics.commitTimeName: disk, StoreMetrics.syncTimeName: disk,
        ]
        factory.valueHistogramBuckets = [StoreMetrics.batchSizeName: [1, 2, 4, 8, 16, 32, 64, 128, 256]]
        self.registry = registry
        serverMetrics = ServerMetrics(factory: factory)
    }
}
