import CoreMetrics
import TaskManagerStore

/// The server's metrics, made through a swift-metrics factory (`TaskManagerHTTP` gives a Prometheus one): calls
/// by method and status code, their latency, calls in flight, and what the background jobs did; `store` holds the
/// store's. Give it to `TaskManagerServer.start(...)`; without one the server records nothing.
public final class ServerMetrics: Sendable {
    public static let callsName = "taskmanager_calls_total"
    public static let callDurationName = "taskmanager_call_duration_seconds"
    public static let callsInFlightName = "taskmanager_calls_in_flight"
    public static let leaseExpiriesName = "taskmanager_lease_expiries_total"
    public static let stallsName = "taskmanager_stalls_total"

    public let factory: any MetricsFactory
    /// The store's metrics, given to the store when the server opens it.
    public let store: StoreMetrics
    let callsInFlight: Meter
    /// Calls whose path names no method (counted under `method="unknown"`).
    let unknownMethod: MethodMetrics
    /// Leases that ran out, by what became of the task: pending again (a retry) or failed (no attempt left).
    let leaseExpiredRequeued: Counter
    let leaseExpiredFailed: Counter
    let leaseRetries: Counter
    let stalls: Counter

    public init(factory: any MetricsFactory) {
        self.factory = factory
        store = StoreMetrics(factory: factory)
        callsInFlight = Meter(label: Self.callsInFlightName, dimensions: [], factory: factory)
        unknownMethod = MethodMetrics(method: "unknown", inFlight: callsInFlight, factory: factory)
        leaseExpiredRequeued = Counter(label: Self.leaseExpiriesName, dimensions: [("outcome", "requeued")], factory: factory)
        leaseExpiredFailed = Counter(label: Self.leaseExpiriesName, dimensions: [("outcome", "failed")], factory: factory)
        leaseRetries = Counter(label: StoreMetrics.retriesName, dimensions: [("cause", "lease_expired")], factory: factory)
        stalls = Counter(label: Self.stallsName, dimensions: [], factory: factory)
    }

    /// The metrics of the method called `name`; made once per method, when the dispatcher is built.
    func method(_ name: String) -> MethodMetrics {
        MethodMetrics(method: name, inFlight: callsInFlight, factory: factory)
    }
}
