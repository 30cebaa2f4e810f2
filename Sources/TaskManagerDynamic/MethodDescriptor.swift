/// One RPC of a service.
public struct MethodDescriptor: Hashable, Sendable {
    /// The method's own name, e.g. `CreateTask`.
    public var name: String
    /// The full name of its service, e.g. `taskmanager.v1.TaskService`.
    public var serviceName: String
    /// The full name of the request message.
    public var inputType: String
    /// The full name of the response message (of each item, for a server stream).
    public var outputType: String
    public var clientStreaming: Bool
    public var serverStreaming: Bool

    public init(
        name: String, serviceName: String, inputType: String, outputType: String, clientStreaming: Bool = false,
        serverStreaming: Bool = false
    ) {
        self.name = name
        self.serviceName = serviceName
        self.inputType = inputType
        self.outputType = outputType
        self.clientStreaming = clientStreaming
        self.serverStreaming = serverStreaming
    }

    /// `taskmanager.v1.TaskService/CreateTask`.
    public var fullName: String { "\(serviceName)/\(name)" }

    /// The method string of the wire's `Request.method`: `/taskmanager.v1.TaskService/CreateTask`.
    public var path: String { "/\(fullName)" }
}
