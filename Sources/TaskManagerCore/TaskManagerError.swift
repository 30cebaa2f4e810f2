/// The error every layer of TaskManager throws and every client receives: a status code and a message.
///
/// Messages are the wire contract (for example "Task not found") and never carry SQL or payloads.
/// `cause` is for the server's log only: it never reaches a client, and equality ignores it.
public struct TaskManagerError: Error, Hashable, Sendable, CustomStringConvertible {
    public var code: StatusCode
    public var message: String
    /// What went wrong underneath (for example SQLite's own error), for the log; never sent.
    public var cause: (any Error & Sendable)?

    public init(_ code: StatusCode, _ message: String, cause: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    public var description: String { "\(code): \(message)" }

    public static func == (lhs: TaskManagerError, rhs: TaskManagerError) -> Bool {
        lhs.code == rhs.code && lhs.message == rhs.message
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(code)
        hasher.combine(message)
    }
}

extension TaskManagerError {
    public static let taskNotFound = TaskManagerError(.notFound, "Task not found")
    public static let taskNotClaimed = TaskManagerError(.failedPrecondition, "Task is not in claimed state")
    public static let claimedByAnotherWorker = TaskManagerError(.permissionDenied, "Task is claimed by another worker")
    public static let progressOutOfRange = TaskManagerError(.invalidArgument, "Progress must be between 0 and 100")
    public static let workerIDRequired = TaskManagerError(.invalidArgument, "Worker ID is required")
    public static let taskTypeNotFound = TaskManagerError(.notFound, "Task type not found")
    public static let taskTypeInactive = TaskManagerError(.failedPrecondition, "Task type is not active")
    public static let unauthenticated = TaskManagerError(.unauthenticated, "Invalid or missing API key")
    public static let leaseLost = TaskManagerError(.failedPrecondition, "Lease lost")
    public static let taskFinished = TaskManagerError(.failedPrecondition, "Task is already finished")

    /// A required request field is empty.
    public static func missingField(_ name: String) -> TaskManagerError {
        TaskManagerError(.invalidArgument, "Missing required field: \(name)")
    }
}
