/// A unit of work of one task type, with its progress and outcome. Times are Unix epoch milliseconds; 0 = unset.
public struct Task: Hashable, Sendable {
    public var id: Int64 = 0
    public var type: String = ""
    public var typeID: Int64 = 0
    public var status: TaskStatus = .unspecified
    public var progress: Int32 = 0
    public var progressMessage: String = ""
    public var priority: Int32 = 0
    public var attempts: Int32 = 0
    public var maxAttempts: Int32 = 0
    public var claimedBy: String = ""
    public var claimedAtMs: Int64 = 0
    public var createdAtMs: Int64 = 0
    public var updatedAtMs: Int64 = 0
    public var completedAtMs: Int64 = 0
    public var paramsJSON: String = ""
    public var resultJSON: String = ""
    public var errorMessage: String = ""
    public var dedupeKey: String = ""
    /// While claimed: when the claim ends unless renewed by progress or a heartbeat.
    public var leaseExpiresAtMs: Int64 = 0
    /// CancelTask was called while the task was claimed; the worker should stop and fail it.
    public var cancelRequested = false
    public var cancelReason: String = ""
    /// Claimed, and its progress has not moved for the stall time.
    public var stalled = false
    public var stalledSinceMs: Int64 = 0
    /// Not claimable before this time (a delayed task, or a retry waiting out its backoff); 0 = at once.
    public var runAtMs: Int64 = 0
    /// While claimed: the estimated completion time from the recent progress rate; 0 = not enough progress yet.
    public var etaMs: Int64 = 0
    /// While claimed: percent per second over the recent progress reports; 0 = unknown.
    public var progressRate: Double = 0

    public init() {}
}
