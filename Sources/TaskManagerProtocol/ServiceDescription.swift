import CProtobufC
import CTaskManagerProto

/// The methods of a protobuf service as protoc-c describes them: the source of the dispatcher's table.
public struct ServiceDescription: Sendable, Hashable {
    /// One RPC: its name and the full names of its input and output messages.
    public struct Method: Sendable, Hashable {
        public var name: String
        public var inputType: String
        public var outputType: String
        /// The wire method string, `/<package>.<Service>/<Method>`.
        public var path: String
    }

    /// The full service name, for example `taskmanager.v1.TaskService`.
    public var name: String
    public var methods: [Method]

    /// `taskmanager.v1.TaskService`, read from the generated `ProtobufCServiceDescriptor`.
    public static let taskService = ServiceDescription(taskmanager__v1__task_service__descriptor)

    /// `taskmanager.rpc.v1.Reflection`: the descriptors of the served protos.
    public static let reflection = ServiceDescription(taskmanager__rpc__v1__reflection__descriptor)

    init(_ descriptor: ProtobufCServiceDescriptor) {
        // The descriptor is a copy of the C global, but every pointer in it refers to static storage.
        let name = String(cString: descriptor.name)
        self.name = name
        self.methods = (0..<Int(descriptor.n_methods)).map { index in
            let method = descriptor.methods[index]
            let methodName = String(cString: method.name)
            return Method(
                name: methodName,
                inputType: String(cString: method.input.pointee.name),
                outputType: String(cString: method.output.pointee.name),
                path: "/\(name)/\(methodName)")
        }
    }
}
