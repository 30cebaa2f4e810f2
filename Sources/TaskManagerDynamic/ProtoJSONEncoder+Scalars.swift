import Foundation
import TaskManagerCore

extension ProtoJSONEncoder {
    /// Writes one scalar without its tag: a varint, a fixed-width value, or a length-prefixed string or bytes.
    func scalar(_ json: JSONValue, field: FieldDescriptor, path: String, into writer: inout ProtobufWireWriter) throws {
        let kind = field.kind
        switch kind {
        case .int32: writer.varint(UInt64(bitPattern: Int64(try integer(json, Int32.self, kind, path))))
        case .int64: writer.varint(UInt64(bitPattern: try integer(json, Int64.self, kind, path)))
        case .uint32: writer.varint(UInt64(try integer(json, UInt32.self, kind, path)))
        case .uint64: writer.varint(try integer(json, UInt64.self, kind, path))
        case .sint32:
            let value = try integer(json, Int32.self, kind, path)
            writer.varint(UInt64(UInt32(bitPattern: (value << 1) ^ (value >> 31))))
        case .sint64:
            let value = try integer(json, Int64.self, kind, path)
            writer.varint(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
        case .fixed32: writer.fixed(UInt64(try integer(json, UInt32.self, kind, path)), width: 4)
        case .fixed64: writer.fixed(try integer(json, UInt64.self, kind, path), width: 8)
        case .sfixed32: writer.fixed(UInt64(UInt32(bitPattern: try integer(json, Int32.self, kind, path))), width: 4)
        case .sfixed64: writer.fixed(UInt64(bitPattern: try integer(json, Int64.self, kind, path)), width: 8)
        case .double: writer.fixed(try double(json, kind, path).bitPattern, width: 8)
        case .float:
            let value = try double(json, kind, path)
            guard !value.isFinite || abs(value) <= Double(Float.greatestFiniteMagnitude) else {
                throw ProtoJSONError(.outOfRange, path: path, "out of range for float")
            }
            writer.fixed(UInt64(Float(value).bitPattern), width: 4)
        case .bool:
            guard case .bool(let value) = json else { throw wrongType(json, "bool (true or false)", path) }
            writer.varint(value ? 1 : 0)
        case .string:
            guard case .string(let value) = json else { throw wrongType(json, "string", path) }
            writer.lengthDelimited(Array(value.utf8))
        case .bytes:
            guard case .string(let text) = json else { throw wrongType(json, "bytes (a base64 string)", path) }
            guard let data = Self.base64(text) else { throw ProtoJSONError(.invalidValue, path: path, "not valid base64") }
            writer.lengthDelimited(Array(data))
        case .enumeration:
            writer.varint(UInt64(bitPattern: Int64(try enumNumber(json, typeName: field.typeName, path))))
        case .message, .group:
            throw ProtoJSONError(.wrongType, path: path, "a message cannot be packed")
        }
    }

    /// A JSON object key of a map as the JSON value its key type reads: `"true"` for a bool key, the text for others.
    func mapKey(_ key: String, field: FieldDescriptor, path: String) throws -> JSONValue {
        guard field.kind == .bool else { return .string(key) }
        switch key {
        case "true": return .bool(true)
        case "false": return .bool(false)
        default: throw ProtoJSONError(.wrongType, path: path, "expected a bool map key (\"true\" or \"false\")")
        }
    }

    /// An integer from a JSON integer, an integral number up to 2^53, or a decimal string.
    private func integer<T: FixedWidthInteger>(_ json: JSONValue, _: T.Type, _ kind: FieldDescriptor.Kind, _ path: String) throws -> T {
        let expected = "\(kind.protoName) (a number or a decimal string)"
        let outOfRange = ProtoJSONError(.outOfRange, path: path, "out of range for \(kind.protoName)")
        switch json {
        case .integer(let value):
            guard let exact = T(exactly: value) else { throw outOfRange }
            return exact
        case .number(let value):
            guard value.rounded(.towardZero) == value else { throw wrongType(json, "an integral \(kind.protoName)", path) }
            // From 2^53 on, a JSON number may already have been rounded by the parser: refuse rather than guess.
            guard abs(value) < 9_007_199_254_740_992 else {
                throw ProtoJSONError(.outOfRange, path: path, "an integer of 2^53 or more must be written as a string")
            }
            guard let exact = T(exactly: value) else { throw outOfRange }
            return exact
        case .string(let text):
            if let exact = T(text, radix: 10) { return exact }
            let digits = text.drop { $0 == "-" || $0 == "+" }
            guard !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber) else {
                throw ProtoJSONError(.wrongType, path: path, "expected \(expected), got a string that is not a decimal integer")
            }
            throw outOfRange
        default:
            throw wrongType(json, expected, path)
        }
    }

    /// A double from a JSON number, or a string holding a JSON number, `NaN`, `Infinity` or `-Infinity`.
    private func double(_ json: JSONValue, _ kind: FieldDescriptor.Kind, _ path: String) throws -> Double {
        switch json {
        case .integer(let value): return Double(value)
        case .number(let value): return value
        case .string("NaN"): return .nan
        case .string("Infinity"): return .infinity
        case .string("-Infinity"): return -.infinity
        case .string(let text):
            switch try? JSONValue.parse(text) {
            case .integer(let value)?: return Double(value)
            case .number(let value)?: return value
            default: throw ProtoJSONError(.wrongType, path: path, "expected \(kind.protoName), got a string that is not a number")
            }
        default:
            throw wrongType(json, "\(kind.protoName) (a number, \"NaN\" or \"Infinity\")", path)
        }
    }

    /// An enum's number from its value name or its number.
    private func enumNumber(_ json: JSONValue, typeName: String, _ path: String) throws -> Int32 {
        guard let descriptor = pool.enums[typeName] else {
            throw ProtoJSONError(.invalidDescriptor, path: path, "no enum type \(typeName) in the descriptors")
        }
        switch json {
        case .string(let name):
            guard let number = descriptor.number(named: name) else {
                let names = descriptor.values.map(\.name).joined(separator: ", ")
                throw ProtoJSONError(.invalidValue, path: path, "unknown value of enum \(typeName); one of: \(names)")
            }
            return number
        case .integer, .number:
            return try integer(json, Int32.self, .enumeration, path)
        default:
            throw wrongType(json, "enum \(typeName) (a value name or number)", path)
        }
    }

    private func wrongType(_ json: JSONValue, _ expected: String, _ path: String) -> ProtoJSONError {
        ProtoJSONError(.wrongType, path: path, "expected \(expected), got \(json.typeName)")
    }

    /// Standard or URL-safe base64, with or without padding; nil when not base64.
    static func base64(_ text: String) -> Data? {
        var standard = String(text.map { $0 == "-" ? "+" : $0 == "_" ? "/" : $0 })
        if standard.count % 4 != 0 { standard += String(repeating: "=", count: 4 - standard.count % 4) }
        return Data(base64Encoded: standard)
    }
}
