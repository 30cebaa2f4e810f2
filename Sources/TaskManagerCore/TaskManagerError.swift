/// The error every layer of TaskManager throws and every client receives: a status code and a message.
///
/// Messages are the wire contract (for example "Task not found") and never carry SQL or payloads.
public struct TaskManagerError: Error, Hashable, Sendable, CustomStringConvertible {
    public var code: StatusCode
    public var message: String

    public init(_ code: StatusCode, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
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
