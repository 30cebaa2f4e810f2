/// A decoded JSON document: task parameters, results and parameter schemas.
///
/// Integers and fractional numbers are kept apart (`5` is `.integer`, `5.0` and `5e0` are `.number`) so that
/// schema validation can tell them apart and `canonicalText` reproduces what was written.
public enum JSONValue: Hashable, Sendable {
    case null
    case bool(Bool)
    /// A number written without fraction or exponent that fits in an `Int64`.
    case integer(Int64)
    /// Any other number: written with a fraction or exponent, or outside the `Int64` range.
    case number(Double)
    case string(String)
    case array([JSONValue])
    /// An object; key order is not kept (see `canonicalText`).
    case object([String: JSONValue])

    /// Why `parse(_:)` rejected a text: a reason and the UTF-8 byte offset where it was found. Never the text itself.
    public struct ParseError: Error, Hashable, Sendable, CustomStringConvertible {
        /// What was wrong, for example "Unexpected character".
        public var reason: String
        /// The UTF-8 byte offset in the text where parsing stopped.
        public var offset: Int

        public init(_ reason: String, offset: Int) {
            self.reason = reason
            self.offset = offset
        }

        public var description: String { "Invalid JSON at byte \(offset): \(reason)" }
    }

    /// Parses one JSON text (RFC 8259). Any kind of value is accepted at the top level; callers check the kind.
    ///
    /// A number with a fraction or exponent, or outside the `Int64` range, becomes `.number`. A repeated object key
    /// keeps its last value, as PHP's `json_decode` does.
    /// - Throws: `JSONValue.ParseError` when the text is not exactly one JSON value, a number overflows a `Double`,
    ///   a `\u` escape is an unpaired surrogate, nesting is deeper than 512, or two keys of one object differ only in
    ///   Unicode normalization (a Swift dictionary could keep only one of them).
    public static func parse(_ text: String) throws -> JSONValue {
        var parser = JSONParser(Array(text.utf8))
        return try parser.parseDocument()
    }

    /// Parses as `parse(_:)` does, but refuses a repeated object key ("Repeated object key", at the second one)
    /// instead of keeping its last value: for requests a person types, where a repeated key is a mistake that
    /// keeping one value would hide.
    public static func parseRefusingRepeatedKeys(_ text: String) throws -> JSONValue {
        var parser = JSONParser(Array(text.utf8), refusesRepeatedKeys: true)
        return try parser.parseDocument()
    }

    /// The JSON Schema type name of this value: "null", "boolean", "integer", "number", "string", "array" or "object".
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .integer: "integer"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    /// Canonical JSON: object keys in Unicode scalar order, no whitespace, nothing escaped that JSON does not require.
    ///
    /// Integers are plain digits and doubles use their shortest round-trip form (`0.1`, `2.0`, `1e+300`), so
    /// `JSONValue.parse(v.canonicalText) == v`. Two texts that differ only in key order or whitespace give the same
    /// canonical text. JSON has no infinity or NaN; such a `.number` (only constructible in code) is written as `null`.
    public var canonicalText: String {
        var out = ""
        writeCanonical(to: &out)
        return out
    }

    private func writeCanonical(to out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .integer(let i): out += String(i)
        case .number(let d): out += d.isFinite ? d.description : "null"
        case .string(let s): Self.writeString(s, to: &out)
        case .array(let elements):
            out += "["
            for (i, element) in elements.enumerated() {
                if i > 0 { out += "," }
                element.writeCanonical(to: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (i, (key, value)) in Self.sortedMembers(members).enumerated() {
                if i > 0 { out += "," }
                Self.writeString(key, to: &out)
                out += ":"
                value.writeCanonical(to: &out)
            }
            out += "}"
        }
    }

    /// The members of an object in Unicode scalar order of their keys (the same as UTF-8 byte order).
    public static func sortedMembers(_ members: [String: JSONValue]) -> [(key: String, value: JSONValue)] {
        // Not `String.<`, which orders by normalized form; byte order is what other languages produce.
        members.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
    }

    private static func writeString(_ s: String, to out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}

extension JSONValue: Codable {
    /// Decodes any JSON value from a single-value container.
    ///
    /// Foundation's `JSONDecoder` does not expose a number's text and decodes `2.0` and `1e2` as integers, so through
    /// a `Decoder` an integral number always becomes `.integer`; use `parse(_:)` where that distinction matters.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let b = try? container.decode(Bool.self) {
            self = .bool(b)
        } else if let i = try? container.decode(Int64.self) {
            self = .integer(i)
        } else if let d = try? container.decode(Double.self) {
            self = .number(d)
        } else if let s = try? container.decode(String.self) {
            self = .string(s)
        } else if let a = try? container.decode([JSONValue].self) {
            self = .array(a)
        } else if let o = try? container.decode([String: JSONValue].self) {
            self = .object(o)
        } else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "Not a JSON value")
        }
    }

    /// Encodes the value as the matching JSON kind.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let b): try container.encode(b)
        case .integer(let i): try container.encode(i)
        case .number(let d): try container.encode(d)
        case .string(let s): try container.encode(s)
        case .array(let a): try container.encode(a)
        case .object(let o): try container.encode(o)
        }
    }
}
