import TaskManagerCore

/// A pending or claimed task as the embedded store holds it in memory: what claims, leases and retries decide on.
///
/// Parameters and other texts are not kept for pending tasks (a million of them would not fit the memory
/// budget); a claim reads them from the row, and `LiveClaim` holds them while the task is claimed.
struct LiveTask: Sendable {
    var id: Int64
    var typeID: Int64
    var priority: Int32
    var createdAtMs: Int64
    var maxAttempts: Int32
    var retryBackoff: RetryBackoff
    var isClaimed: Bool
    var attempts: Int32
    /// Not claimable before this time.
    var runAtMs: Int64
    /// The attempt whose lease ended by expiry; 0 = none.
    var leaseExpiredAttempt: Int32
    var updatedAtMs: Int64
    /// Whether the task has history rows that only durability needs (heartbeats, or everything without history):
    /// they are deleted when the task finishes.
    var hasHiddenEvents: Bool
    /// Counts the times the task entered a queue; a queue entry with another number is stale.
    var queueTicket: UInt32 = 0
}

/// The state of a claimed task's current attempt, the part that changes on every progress report and heartbeat
/// and is kept in event rows rather than in the task row.
struct LiveClaim: Sendable {
    var workerID: String
    var claimedAtMs: Int64
    var leaseExpiresAtMs: Int64
    var progress: Int32
    var progressMessage: String
    /// When progress last changed (or the claim began): the stall clock and the last point of the rate.
    var progressChangedAtMs: Int64
    /// The moving average of the progress speed, percent per second; nil = unknown.
    var progressRate: Double?
    /// When the task was marked stalled; nil = not stalled.
    var stalledSinceMs: Int64?
    var cancelRequested: Bool
    var cancelReason: String
    // Read from the row at claim time, for answers built from memory.
    var paramsJSON: String
    var dedupeKey: String
    var errorMessage: String
    var createdBy: String

    /// The progress rate state of the attempt (`ProgressRate`), for the ETA and the next report.
    var rateState: ProgressRate {
        ProgressRate(progress: progress, atMs: progressChangedAtMs, rate: progressRate)
    }
}

/// What the embedded store keeps of a task type in memory: the type as `GetTaskType` reads it, without its usage
/// count, so that creating a task and granting a lease read no row.
struct LiveType: Sendable {
    var type: TaskType

    var name: String { type.name }

    /// The type's `lease_seconds` in ms; 0 = the server's default.
    var leaseMs: Int64 { Int64(type.settings.leaseSeconds) * 1_000 }

    /// The type's `stall_after_seconds` in ms; 0 = the server's default.
    var stallAfterMs: Int64 { Int64(type.settings.stallAfterSeconds) * 1_000 }

    /// The lease a claim or renewal grants: the type's own, else `defaultMs`.
    func leaseMs(default defaultMs: Int64) -> Int64 {
        leaseMs > 0 ? leaseMs : defaultMs
    }
}
