extension Worker {
    /// Why `run()` returned.
    public enum ExitReason: Hashable, Sendable {
        /// `stop()` was called (or the running task was cancelled).
        case stopRequested
        /// `stopWhenIdle` was set and nothing was left to claim.
        case idle
        /// `maxRuns` tasks were handled.
        case maxRunsReached
        /// The health check at start failed, with this message.
        case healthCheckFailed(String)
        /// Registering a task type at start failed, with this message.
        case registrationFailed(String)
        /// `maxConsecutiveErrors` errors in a row talking to the server; the message of the last one.
        case tooManyErrors(String)

        /// True when the worker ended because something went wrong (a worker process exits 1 then).
        public var isFailure: Bool {
            switch self {
            case .stopRequested, .idle, .maxRunsReached: false
            case .healthCheckFailed, .registrationFailed, .tooManyErrors: true
            }
        }
    }

    /// What a worker did by the time `run()` returned.
    public struct Summary: Hashable, Sendable {
        /// Tasks handled: completed or failed.
        public var processed: Int
        /// How many of them failed (handler error, unknown type, or the outcome could not be reported).
        public var failed: Int
        public var exitReason: ExitReason

        public init(processed: Int, failed: Int, exitReason: ExitReason) {
            self.processed = processed
            self.failed = failed
            self.exitReason = exitReason
        }
    }
}
