import CoreMetrics

/// The store's metrics, made once through a swift-metrics factory: group-commit batch sizes, commit and WAL sync
/// times, and retries of failed tasks. Given to `SQLiteTaskStore.setMetrics(_:)`; without one the store records
/// nothing.
public final class StoreMetrics: Sendable {
    /// Write calls per committed transaction.
    let batchSize: Recorder
    /// From `BEGIN IMMEDIATE` to the end of `COMMIT` of a batch.
    let commitTime: Timer
    /// One `fdatasync` of the WAL (durability full).
    let syncTime: Timer
    /// Failed attempts that went back to pending for another one.
    let failedRetries: Counter

    /// The names, for the buckets a histogram factory may want per name.
    public static let batchSizeName = "taskmanager_group_commit_batch_size"
    public static let commitTimeName = "taskmanager_group_commit_duration_seconds"
    public static let syncTimeName = "taskmanager_wal_sync_duration_seconds"
    public static let retriesName = "taskmanager_retries_total"

    public init(factory: any MetricsFactory) {
        batchSize = Recorder(label: Self.batchSizeName, dimensions: [], aggregate: true, factory: factory)
        commitTime = Timer(label: Self.commitTimeName, dimensions: [], factory: factory)
        syncTime = Timer(label: Self.syncTimeName, dimensions: [], factory: factory)
        failedRetries = Counter(label: Self.retriesName, dimensions: [("cause", "failed")], factory: factory)
    }
}
