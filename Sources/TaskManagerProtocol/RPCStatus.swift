import TaskManagerCore

/// The outcome of a call: a gRPC status code and a message.
public struct RPCStatus: Hashable, Sendable {
    public var code: StatusCode
    public var message: String

    public init(code: StatusCode, message: String = "") {
        self.code = code
        self.message = message
    }

    public static let ok = RPCStatus(code: .ok)

    public init(_ error: TaskManagerError) {
        self.init(code: error.code, message: error.message)
    }
}
