import Foundation
import TaskManagerCore

extension Worker {
    /// Which tasks a worker claims.
    public enum Selection: Hashable, Sendable {
        /// Tasks whose type name matches this SQL LIKE pattern, for example `example.%`.
        case typePattern(String)
        /// Tasks of these type ids: one `ClaimTask` per id, in order, until one returns a task.
        case taskTypeIDs([Int64])
    }

    /// How a worker claims and runs tasks. Every field has a default except the worker id.
    public struct Configuration: Sendable {
        /// Identifies this worker's claims; must be non-empty.
        public var workerID: String
        /// Which tasks to claim; default `example.%`.
        public var selection: Selection = .typePattern("example.%")
        /// How long a claim waits on the server for a task to appear (a long poll, at most 30 000); 0 = it
        /// does not wait, and the worker sleeps `pollInterval` between claims that found nothing.
        public var claimWaitMs: UInt32 = 20_000
        /// How long to sleep between claims that found nothing when claims do not wait; errors wait twice as
        /// long, capped at `maxErrorBackoff`.
        public var pollInterval: Duration = .seconds(10)
        /// How often to renew a running task's lease; nil = a third of the lease the claim granted.
        public var heartbeatInterval: Duration?
        /// Stop after handling this many tasks (completed or failed); 0 = no limit.
        public var maxRuns: Int = 0
        /// How many tasks may run at once; at least 1.
        public var maxConcurrentTasks: Int = 1
        /// Stop as soon as nothing is claimable and no task is running.
        public var stopWhenIdle: Bool = false
        /// Consecutive errors talking to the server after which the worker gives up.
        public var maxConsecutiveErrors: Int = 5
        /// The longest wait after an error.
        public var maxErrorBackoff: Duration = .seconds(30)
        /// Task types registered after the health check, before the first claim (`RegisterTaskType` is an upsert).
        public var taskTypes: [RegisterTaskTypeRequest] = []
        /// Where the worker writes what happened (task outcomes, errors); one line per call, without newline.
        public var log: @Sendable (String) -> Void = Worker.logToStandardError

        /// A configuration with the defaults above.
        public init(workerID: String, selection: Selection = .typePattern("example.%")) {
            self.workerID = workerID
            self.selection = selection
        }

        /// The wait after an error: twice the poll interval, capped at `maxErrorBackoff`.
        var errorBackoff: Duration { min(pollInterval * 2, maxErrorBackoff) }
    }

    /// Writes `line` and a newline to standard error: the default `Configuration.log`.
    @Sendable public static func logToStandardError(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
