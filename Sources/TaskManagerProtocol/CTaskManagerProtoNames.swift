import CProtobufC

/// Reads names out of generated descriptors.
enum CTaskManagerProtoNames {
    /// The full name of a message, for example `taskmanager.v1.Task`.
    ///
    /// The descriptor arrives as a copy of the C global, but its `name` points at static storage.
    static func name(_ descriptor: ProtobufCMessageDescriptor) -> String {
        String(cString: descriptor.name)
    }
}
