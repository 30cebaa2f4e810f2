/// The messages, enums and services of a `google.protobuf.FileDescriptorSet`, by full name: what the JSON mapping
/// and `taskmanager call` need to know about the served protos.
public struct DescriptorPool: Hashable, Sendable {
    /// Messages by full name (no leading dot), nested ones included, e.g. `taskmanager.v1.Task`.
    public private(set) var messages: [String: MessageDescriptor]
    /// Enums by full name, e.g. `taskmanager.v1.TaskStatus`.
    public private(set) var enums: [String: EnumDescriptor]
    /// The services in the order of the set's files.
    public private(set) var services: [ServiceDescriptor]

    /// A pool of the given types, checked as `init(fileDescriptorSet:)` checks a read one.
    ///
    /// - Throws: `ProtoJSONError` `.invalidDescriptor` when a field or method names a type that is not in the pool.
    public init(messages: [MessageDescriptor], enums: [EnumDescriptor] = [], services: [ServiceDescriptor] = []) throws {
        self.messages = Dictionary(messages.map { ($0.fullName, $0) }) { $1 }
        self.enums = Dictionary(enums.map { ($0.fullName, $0) }) { $1 }
        self.services = services
        try checkReferences()
    }

    /// The message named `fullName`.
    ///
    /// - Throws: `ProtoJSONError` `.invalidDescriptor` when there is none.
    public func message(_ fullName: String) throws -> MessageDescriptor {
        guard let message = messages[fullName] else {
            throw ProtoJSONError(.invalidDescriptor, "No message type \(fullName) in the descriptors")
        }
        return message
    }

    /// Every method of every service, in order.
    public var methods: [MethodDescriptor] { services.flatMap(\.methods) }

    /// A map field's entry type: its key and value fields, or nil when `field` is not a map.
    public func mapEntry(of field: FieldDescriptor) -> (key: FieldDescriptor, value: FieldDescriptor)? {
        guard field.isRepeated, field.kind == .message, let entry = messages[field.typeName], entry.isMapEntry,
            let key = entry.field(number: 1), let value = entry.field(number: 2)
        else { return nil }
        return (key, value)
    }

    /// The type as a `.proto` file writes it: `int64`, `repeated taskmanager.v1.Task`, `map<string, string>`.
    public func typeDescription(of field: FieldDescriptor) -> String {
        if let (key, value) = mapEntry(of: field) {
            return "map<\(key.typeDescription), \(value.typeDescription)>"
        }
        return field.typeDescription
    }

    private func checkReferences() throws {
        for message in messages.values {
            for field in message.fields {
                let known =
                    switch field.kind {
                    case .message, .group: messages[field.typeName] != nil
                    case .enumeration: enums[field.typeName] != nil
                    default: true
                    }
                guard known else {
                    throw ProtoJSONError(
                        .invalidDescriptor, "\(message.fullName).\(field.name) refers to \(field.typeName), which is not in the descriptors")
                }
            }
        }
        for method in methods where messages[method.inputType] == nil || messages[method.outputType] == nil {
            throw ProtoJSONError(.invalidDescriptor, "\(method.fullName) refers to a message that is not in the descriptors")
        }
    }
}
