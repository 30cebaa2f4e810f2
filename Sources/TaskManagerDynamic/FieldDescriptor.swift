/// One field of a message, as `google.protobuf.FieldDescriptorProto` describes it.
public struct FieldDescriptor: Hashable, Sendable {
    /// The protobuf type of a field (`FieldDescriptorProto.Type`, same numbers).
    public enum Kind: Int, Hashable, Sendable, CaseIterable {
        case double = 1, float, int64, uint64, int32, fixed64, fixed32, bool, string, group, message, bytes, uint32
        case enumeration, sfixed32, sfixed64, sint32, sint64

        /// The name `.proto` files use, for example `int64` or `enum`.
        public var protoName: String {
            switch self {
            case .enumeration: "enum"
            default: "\(self)"
            }
        }

        /// The wire type of one value: 0 varint, 1 fixed 64-bit, 2 length-delimited, 5 fixed 32-bit.
        var wireType: UInt64 {
            switch self {
            case .double, .fixed64, .sfixed64: 1
            case .float, .fixed32, .sfixed32: 5
            case .string, .bytes, .message, .group: 2
            default: 0
            }
        }
    }

    /// The name in the `.proto` file, e.g. `max_attempts`.
    public var name: String
    /// The proto3 JSON name, e.g. `maxAttempts`.
    public var jsonName: String
    public var number: Int
    public var kind: Kind
    public var isRepeated: Bool
    /// The full name (without the leading dot) of the message or enum type; "" for scalars.
    public var typeName: String
    /// The index of the oneof this field belongs to, if any (a proto3 `optional` field's synthetic oneof included).
    public var oneofIndex: Int?
    /// Repeated numbers are written packed (proto3's default unless `[packed = false]`).
    public var isPacked: Bool
    /// The field tells "unset" from its default: a message, a oneof member or a proto3 `optional` field.
    public var hasPresence: Bool

    public init(
        name: String, jsonName: String? = nil, number: Int, kind: Kind, isRepeated: Bool = false, typeName: String = "",
        oneofIndex: Int? = nil, isPacked: Bool = true, hasPresence: Bool? = nil
    ) {
        self.name = name
        self.jsonName = jsonName ?? Self.lowerCamelCase(name)
        self.number = number
        self.kind = kind
        self.isRepeated = isRepeated
        self.typeName = typeName
        self.oneofIndex = oneofIndex
        self.isPacked = isPacked
        self.hasPresence = hasPresence ?? (kind == .message || oneofIndex != nil)
    }

    /// The JSON name protoc derives when a descriptor has none: `max_attempts` becomes `maxAttempts`.
    public static func lowerCamelCase(_ name: String) -> String {
        var out = ""
        var upperNext = false
        for character in name {
            if character == "_" {
                upperNext = true
            } else {
                out += upperNext ? character.uppercased() : String(character)
                upperNext = false
            }
        }
        return out
    }

    /// The type as a `.proto` file writes it: `int64`, `repeated Task`, `map<string, string>` is left to callers.
    public var typeDescription: String {
        let base = typeName.isEmpty ? kind.protoName : typeName
        return isRepeated ? "repeated \(base)" : base
    }
}
