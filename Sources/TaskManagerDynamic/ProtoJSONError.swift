/// Why a descriptor set, a method name, a JSON request or a protobuf response could not be used.
///
/// `path` names the field where it went wrong as the JSON request (or the response being printed) spells it, for
/// example `tasks[2].priorty`; it is empty when the whole document is meant. Messages never quote a field's value.
public struct ProtoJSONError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of problem; new codes may be added.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public var description: String { name }

        /// A JSON key that names no field of the message.
        public static let unknownField = Code(name: "unknownField")
        /// A JSON value of the wrong kind for its field (a string for an int32, an array for a message).
        public static let wrongType = Code(name: "wrongType")
        /// A number outside its field's range, or not exactly representable in it.
        public static let outOfRange = Code(name: "outOfRange")
        /// A value of the right kind that cannot be used: an unknown enum name, bad base64, one field given twice.
        public static let invalidValue = Code(name: "invalidValue")
        /// Protobuf bytes that do not match the descriptors (malformed, wrong wire type, invalid UTF-8 string).
        public static let invalidWire = Code(name: "invalidWire")
        /// A descriptor set that cannot be read, or that refers to a type it does not define.
        public static let invalidDescriptor = Code(name: "invalidDescriptor")
        /// A method name that matches no method, or several.
        public static let unknownMethod = Code(name: "unknownMethod")
    }

    public var code: Code
    /// The field path, e.g. `tasks[2].priority`; "" for the whole document.
    public var path: String
    public var message: String

    public init(_ code: Code, path: String = "", _ message: String) {
        self.code = code
        self.path = path
        self.message = message
    }

    /// `path: message`, or the message alone when the path is empty.
    public var description: String { path.isEmpty ? message : "\(path): \(message)" }
}
