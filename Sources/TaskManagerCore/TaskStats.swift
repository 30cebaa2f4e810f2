// The dashboard figures of `GetStats`.

public struct GetStatsResponse: Hashable, Sendable {
    public var timeMs: Int64 = 0
    public var byStatus: [StatusCount] = []
    public var byType: [TypeStats] = []
    /// Claimed tasks, most recently claimed first, with progress and ETA.
    public var inProgress: [Task] = []
    /// Claimed longer than the slow threshold with progress below 100, longest first.
    public var slow: [Task] = []
    public var stalled: [Task] = []
    /// Completed and failed per minute over the last 60 minutes, oldest first.
    public var lastHour: [MinuteCount] = []

    public init() {}
}

public struct StatusCount: Hashable, Sendable {
    public var status: TaskStatus
    public var count: Int64
    public init(status: TaskStatus = .unspecified, count: Int64 = 0) {
        self.status = status
        self.count = count
    }
}

public struct TypeStats: Hashable, Sendable {
    public var type = ""
    public var pending: Int64 = 0
    public var claimed: Int64 = 0
    public var completed: Int64 = 0
    public var failed: Int64 = 0
    public var cancelled: Int64 = 0
    /// How long the oldest pending task has waited; 0 when nothing is pending.
    public var oldestPendingAgeMs: Int64 = 0
    /// Average progress of its claimed tasks; 0 when none is claimed.
    public var averageProgress: Double = 0
    public init() {}
}

public struct MinuteCount: Hashable, Sendable {
    public var minuteStartMs: Int64
    public var completed: Int64
    public var failed: Int64
    public init(minuteStartMs: Int64 = 0, completed: Int64 = 0, failed: Int64 = 0) {
        self.minuteStartMs = minuteStartMs
        self.completed = completed
        self.failed = failed
    }
}
