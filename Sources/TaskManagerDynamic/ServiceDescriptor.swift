/// A service and its methods.
public struct ServiceDescriptor: Hashable, Sendable {
    /// The full name, e.g. `taskmanager.v1.TaskService`.
    public var fullName: String
    public var methods: [MethodDescriptor]

    public init(fullName: String, methods: [MethodDescriptor]) {
        self.fullName = fullName
        self.methods = methods
    }
}
