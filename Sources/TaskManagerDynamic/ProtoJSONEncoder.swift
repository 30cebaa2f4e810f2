import TaskManagerCore

/// Builds protobuf bytes of any message in a `DescriptorPool` from JSON, by the proto3 JSON mapping.
///
/// Keys may be JSON names (`maxAttempts`) or `.proto` names (`max_attempts`); enums by name or number; 64-bit
/// integers as numbers or decimal strings; bytes as base64 (standard or URL-safe); `null` leaves a field unset.
/// Nothing is changed silently: a number that does not fit its field exactly, an unknown key, or a value of the
/// wrong kind is an error naming the field's path, e.g. `tasks[2].priorty: unknown field`. Strings go out exactly
/// as parsed, NUL characters included, for the server to judge.
public struct ProtoJSONEncoder: Sendable {
    public let pool: DescriptorPool

    public init(pool: DescriptorPool) {
        self.pool = pool
    }

    /// The protobuf encoding of `json` as message `messageName`, fields in number order.
    ///
    /// - Throws: `ProtoJSONError` naming the field path of the first problem.
    public func encode(_ json: JSONValue, as messageName: String) throws -> [UInt8] {
        try encode(json, message: pool.message(messageName), path: "")
    }

    func encode(_ json: JSONValue, message: MessageDescriptor, path: String) throws -> [UInt8] {
        guard case .object(let members) = json else {
            throw ProtoJSONError(.wrongType, path: path, "expected a JSON object for \(message.fullName), got \(json.typeName)")
        }
        var chosen: [Int: (key: String, value: JSONValue)] = [:]
        var oneofs: [Int: String] = [:]
        for (key, value) in JSONValue.sortedMembers(members) {
            let fieldPath = Self.join(path, key)
            guard let field = message.field(jsonKey: key) else {
                throw ProtoJSONError(.unknownField, path: fieldPath, "unknown field")
            }
            if let earlier = chosen[field.number] {
                throw ProtoJSONError(.invalidValue, path: fieldPath, "the same field as \(Self.join(path, earlier.key))")
            }
            if value == .null { continue }
            if let oneof = field.oneofIndex, !message.isMapEntry {
                if let other = oneofs[oneof] {
                    throw ProtoJSONError(.invalidValue, path: fieldPath, "only one field of oneof \(message.oneofNames[oneof]) may be set; \(Self.join(path, other)) is set too")
                }
                oneofs[oneof] = key
            }
            chosen[field.number] = (key, value)
        }
        var writer = ProtobufWireWriter()
        for field in message.fields.sorted(by: { $0.number < $1.number }) {
            guard let (key, value) = chosen[field.number] else { continue }
            try write(value, field: field, path: Self.join(path, key), into: &writer)
        }
        return writer.bytes
    }

    private func write(_ json: JSONValue, field: FieldDescriptor, path: String, into writer: inout ProtobufWireWriter) throws {
        if let (keyField, valueField) = pool.mapEntry(of: field) {
            guard case .object(let members) = json else {
                throw ProtoJSONError(.wrongType, path: path, "expected a JSON object for \(pool.typeDescription(of: field)), got \(json.typeName)")
            }
            for (key, value) in JSONValue.sortedMembers(members) {
                let entryPath = path + "[" + JSONValue.string(key).canonicalText + "]"
                guard value != .null else { throw ProtoJSONError(.wrongType, path: entryPath, "a map value may not be null") }
                var entry = ProtobufWireWriter()
                try writeValue(try mapKey(key, field: keyField, path: entryPath), field: keyField, path: entryPath, into: &entry, always: true)
                try writeValue(value, field: valueField, path: entryPath, into: &entry, always: true)
                writer.tag(field.number, 2)
                writer.lengthDelimited(entry.bytes)
            }
        } else if field.isRepeated {
            guard case .array(let items) = json else {
                throw ProtoJSONError(.wrongType, path: path, "expected a JSON array for \(field.typeDescription), got \(json.typeName)")
            }
            if field.isPacked, field.kind.wireType != 2 {
                var packed = ProtobufWireWriter()
                for (index, item) in items.enumerated() {
                    try scalar(item, field: field, path: "\(path)[\(index)]", into: &packed)
                }
                if !items.isEmpty {
                    writer.tag(field.number, 2)
                    writer.lengthDelimited(packed.bytes)
                }
            } else {
                for (index, item) in items.enumerated() {
                    try writeValue(item, field: field, path: "\(path)[\(index)]", into: &writer, always: true)
                }
            }
        } else {
            try writeValue(json, field: field, path: path, into: &writer, always: field.hasPresence)
        }
    }

    /// Writes one value with its tag; a scalar equal to its default is left out unless `always` (presence).
    private func writeValue(_ json: JSONValue, field: FieldDescriptor, path: String, into writer: inout ProtobufWireWriter, always: Bool) throws {
        guard json != .null else { throw ProtoJSONError(.wrongType, path: path, "null is not a \(field.kind.protoName)") }
        switch field.kind {
        case .group:
            // proto2 only, and deprecated there: no served proto has one.
            throw ProtoJSONError(.invalidDescriptor, path: path, "groups are not supported")
        case .message:
            let bytes = try encode(json, message: pool.message(field.typeName), path: path)
            writer.tag(field.number, 2)
            writer.lengthDelimited(bytes)
        default:
            var value = ProtobufWireWriter()
            try scalar(json, field: field, path: path, into: &value)
            // Every default encodes as zero bytes only (0, false, "", first enum value; -0.0 does not).
            if !always, value.bytes.allSatisfy({ $0 == 0 }) { return }
            writer.tag(field.number, field.kind.wireType)
            writer.append(value.bytes)
        }
    }

    /// `a.b`, or `b` at the top.
    static func join(_ path: String, _ key: String) -> String {
        path.isEmpty ? key : "\(path).\(key)"
    }
}
