import TaskManagerCore

/// One field occurrence in protobuf bytes: its number and its undecoded value.
struct WireField {
    enum Value {
        case varint(UInt64)
        case fixed64(UInt64)
        case fixed32(UInt64)
        case bytes([UInt8])
    }

    var number: Int
    var value: Value

    /// Splits a message's bytes into its field occurrences, in order.
    ///
    /// - Throws: `ProtoJSONError` `.invalidWire` at `path` when the bytes end early, a field number is 0 or the
    ///   wire type is unknown or a group (which proto3 has not).
    static func read(_ bytes: [UInt8], path: String) throws -> [WireField] {
        try bytes.withUnsafeBytes { raw in
            var reader = ProtobufWireReader(raw)
            var fields: [WireField] = []
            while !reader.atEnd {
                guard let key = reader.varint(), key >> 3 > 0, key >> 3 <= 536_870_911 else {
                    throw ProtoJSONError(.invalidWire, path: path, "malformed protobuf: bad field key")
                }
                let value: Value?
                switch key & 7 {
                case 0: value = reader.varint().map { .varint($0) }
                case 1: value = reader.fixed(8).map { .fixed64($0) }
                case 5: value = reader.fixed(4).map { .fixed32($0) }
                case 2: value = reader.varint().flatMap { reader.take($0) }.map { .bytes(Array($0)) }
                default:
                    throw ProtoJSONError(.invalidWire, path: path, "malformed protobuf: wire type \(key & 7) is not supported")
                }
                guard let value else { throw ProtoJSONError(.invalidWire, path: path, "malformed protobuf: the bytes end early") }
                fields.append(WireField(number: Int(key >> 3), value: value))
            }
            return fields
        }
    }

    /// The value as a string: UTF-8 bytes of a length-delimited field, refused when not valid UTF-8.
    func string(path: String) throws -> String {
        guard case .bytes(let bytes) = value else { throw wrongWireType(path: path) }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ProtoJSONError(.invalidWire, path: path, "not valid UTF-8")
        }
        return text
    }

    /// The value of a varint field.
    func varint(path: String) throws -> UInt64 {
        guard case .varint(let number) = value else { throw wrongWireType(path: path) }
        return number
    }

    /// The bytes of a length-delimited field.
    func bytes(path: String) throws -> [UInt8] {
        guard case .bytes(let bytes) = value else { throw wrongWireType(path: path) }
        return bytes
    }

    func wrongWireType(path: String) -> ProtoJSONError {
        ProtoJSONError(.invalidWire, path: path, "wrong wire type for this field")
    }
}
