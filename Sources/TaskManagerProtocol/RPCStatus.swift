import TaskManagerCore

extension RPCStatus {
    public static let ok = RPCStatus(code: .ok)

    public init(_ error: TaskManagerError) {
        self.init(code: error.code, message: error.message)
    }
}
