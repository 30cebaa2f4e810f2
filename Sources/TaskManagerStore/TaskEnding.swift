import TaskManagerCore

/// How a claimed task finishes: the final values its row gets (both stores).
public struct TaskEnding: Sendable {
    public var status: TaskStatus
    public var resultJSON: String
    public var errorMessage: String
    public var stalledSinceMs: Int64?
    /// The attempt recorded as ended by lease expiry; 0 = none.
    public var leaseExpiredAttempt: Int32

    public init(status: TaskStatus, resultJSON: String, errorMessage: String, stalledSinceMs: Int64?,
                leaseExpiredAttempt: Int32) {
        self.status = status
        self.resultJSON = resultJSON
        self.errorMessage = errorMessage
        self.stalledSinceMs = stalledSinceMs
        self.leaseExpiredAttempt = leaseExpiredAttempt
    }
}
