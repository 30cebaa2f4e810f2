import Foundation
import TaskManagerCore

extension ProtoJSONDecoder {
    /// The JSON of one scalar occurrence.
    func scalar(_ occurrence: WireField, field: FieldDescriptor, path: String) throws -> JSONValue {
        let kind = field.kind
        switch (kind, occurrence.value) {
        case (.string, _): return .string(try occurrence.string(path: path))
        case (.bytes, .bytes(let bytes)): return .string(Data(bytes).base64EncodedString())
        case (.bool, .varint(let raw)): return .bool(raw != 0)
        case (.int32, .varint(let raw)): return .integer(Int64(Int32(truncatingIfNeeded: raw)))
        case (.uint32, .varint(let raw)), (.fixed32, .fixed32(let raw)): return .integer(Int64(UInt32(truncatingIfNeeded: raw)))
        case (.sint32, .varint(let raw)):
            let value = UInt32(truncatingIfNeeded: raw)
            return .integer(Int64(Int32(bitPattern: value >> 1) ^ -Int32(bitPattern: value & 1)))
        case (.sfixed32, .fixed32(let raw)): return .integer(Int64(Int32(bitPattern: UInt32(truncatingIfNeeded: raw))))
        case (.int64, .varint(let raw)), (.sfixed64, .fixed64(let raw)): return .string(String(Int64(bitPattern: raw)))
        case (.uint64, .varint(let raw)), (.fixed64, .fixed64(let raw)): return .string(String(raw))
        case (.sint64, .varint(let raw)): return .string(String(Int64(bitPattern: raw >> 1) ^ -Int64(bitPattern: raw & 1)))
        case (.double, .fixed64(let raw)): return Self.number(Double(bitPattern: raw))
        case (.float, .fixed32(let raw)):
            let value = Float(bitPattern: UInt32(truncatingIfNeeded: raw))
            // Through the float's shortest text, so that 0.1f prints as 0.1 and not as 0.10000000149011612.
            return value.isFinite ? .number(Double(value.description) ?? Double(value)) : Self.number(Double(value))
        case (.enumeration, .varint(let raw)):
            let number = Int32(truncatingIfNeeded: raw)
            return pool.enums[field.typeName]?.name(of: number).map { .string($0) } ?? .integer(Int64(number))
        default:
            throw occurrence.wrongWireType(path: path)
        }
    }

    /// What an unset field prints as with `emitDefaults`.
    func defaultValue(of field: FieldDescriptor) throws -> JSONValue {
        if pool.mapEntry(of: field) != nil { return .object([:]) }
        if field.isRepeated { return .array([]) }
        switch field.kind {
        case .string, .bytes: return .string("")
        case .bool: return .bool(false)
        case .int64, .uint64, .sint64, .fixed64, .sfixed64: return .string("0")
        case .double, .float: return .number(0)
        case .enumeration: return pool.enums[field.typeName]?.name(of: 0).map { .string($0) } ?? .integer(0)
        case .message, .group: return .null
        default: return .integer(0)
        }
    }

    /// A double as JSON: a number, or `"NaN"`, `"Infinity"`, `"-Infinity"`, which JSON numbers cannot be.
    private static func number(_ value: Double) -> JSONValue {
        if value.isNaN { return .string("NaN") }
        if value.isInfinite { return .string(value < 0 ? "-Infinity" : "Infinity") }
        return .number(value)
    }
}

extension WireField {
    /// The values of a packed repeated scalar field, as if each had been sent alone.
    static func readPacked(_ bytes: [UInt8], kind: FieldDescriptor.Kind, path: String) throws -> [WireField] {
        try bytes.withUnsafeBytes { raw in
            var reader = ProtobufWireReader(raw)
            var values: [WireField] = []
            while !reader.atEnd {
                let value: Value? =
                    switch kind.wireType {
                    case 1: reader.fixed(8).map { .fixed64($0) }
                    case 5: reader.fixed(4).map { .fixed32($0) }
                    default: reader.varint().map { .varint($0) }
                    }
                guard let value else { throw ProtoJSONError(.invalidWire, path: path, "malformed packed values") }
                values.append(WireField(number: 0, value: value))
            }
            return values
        }
    }
}
