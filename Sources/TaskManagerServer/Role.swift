/// What an API key may do. Every role may call Health, which needs no key at all, and Reflection.
public enum Role: String, Sendable, CaseIterable, Codable {
    /// Runs tasks: claims them, reports progress and heartbeats, completes or fails them, and reads a task.
    case worker
    /// Submits tasks and follows them: creates, reads, lists, watches, reads history, and cancels its own tasks.
    case producer
    /// Everything, including task types, any task's cancel, and the statistics.
    case admin
    /// Reads `/metrics` on the HTTP side port, and nothing else on the binary port (Health, as every role): the key
    /// to give a Prometheus server, which then cannot create, claim or cancel anything.
    case metrics

    /// The methods each role may call, besides Health; admin may call every method, metrics none.
    static let methods: [Role: Set<String>] = [
        .worker: [
            "ClaimTask", "ClaimTasks", "UpdateProgress", "Heartbeat", "CompleteTask", "FailTask", "GetTask",
            "GetTaskType", "ListTaskTypes",
        ],
        .producer: [
            "CreateTask", "CreateTasks", "GetTask", "ListTasks", "WatchTask", "WatchTasks", "GetTaskHistory",
            "CancelTask", "GetTaskType", "ListTaskTypes",
        ],
    ]

    /// Whether a key of this role may call `method` (a method name such as `CreateTask`). Every role may read the
    /// served protos' descriptors (`GetFileDescriptorSet`).
    public func allows(_ method: String) -> Bool {
        self == .admin || method == "Health" || method == "GetFileDescriptorSet" || Self.methods[self, default: []].contains(method)
    }
}

/// The roles that may call one method, as bits: checked per call without hashing the method's name.
struct RoleSet: OptionSet, Sendable {
    let rawValue: UInt8

    static func of(_ role: Role) -> RoleSet {
        RoleSet(rawValue: 1 << UInt8(Role.allCases.firstIndex(of: role)!))
    }

    /// The roles allowed to call `method`.
    init(allowedToCall method: String) {
        self = Role.allCases.filter { $0.allows(method) }.reduce(into: RoleSet()) { $0.insert(.of($1)) }
    }

    init(rawValue: UInt8) { self.rawValue = rawValue }
}

/// Who made a call: the name and role of the API key it carried.
public struct Caller: Sendable, Hashable {
    public var name: String
    public var role: Role

    public init(name: String, role: Role) {
        self.name = name
        self.role = role
    }
}
