/// A strict RFC 8259 parser over UTF-8 bytes, behind `JSONValue.parse(_:)`.
///
/// Written by hand because Foundation's `JSONDecoder` hides a number's text (it decodes `2.0` as an integer) and keeps
/// the first of repeated keys where PHP's `json_decode` keeps the last.
struct JSONParser {
    static let maxDepth = 512

    private let bytes: [UInt8]
    private let refusesRepeatedKeys: Bool
    private var index = 0
    private var depth = 0

    init(_ bytes: [UInt8], refusesRepeatedKeys: Bool = false) {
        self.bytes = bytes
        self.refusesRepeatedKeys = refusesRepeatedKeys
    }

    /// Parses the whole input as exactly one value surrounded by optional whitespace.
    mutating func parseDocument() throws -> JSONValue {
        skipWhitespace()
        let value = try parseValue()
        skipWhitespace()
        guard index == bytes.count else { throw error("Unexpected content after the value") }
        return value
    }

    private mutating func parseValue() throws -> JSONValue {
        guard let byte = peek() else { throw error("Unexpected end of input") }
        switch byte {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"):
            try expectLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try expectLiteral("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try expectLiteral("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw error("Unexpected character")
        }
    }

    private mutating func parseObject() throws -> JSONValue {
        try enterContainer()
        var members: [String: JSONValue] = [:]
        skipWhitespace()
        if consume(UInt8(ascii: "}")) {
            depth -= 1
            return .object(members)
        }
        repeat {
            skipWhitespace()
            guard peek() == UInt8(ascii: "\"") else { throw error("Expected a string key") }
            let keyOffset = index
            let key = try parseString()
            // A dictionary takes canonically equivalent strings ("é" precomposed and decomposed) for one key, which
            // would drop one of two keys that JSON tells apart: refuse rather than change what was sent.
            if let existing = members.index(forKey: key) {
                if !members[existing].key.unicodeScalars.elementsEqual(key.unicodeScalars) {
                    throw error("Object keys that differ only in Unicode normalization", at: keyOffset)
                }
                if refusesRepeatedKeys { throw error("Repeated object key", at: keyOffset) }
            }
            skipWhitespace()
            guard consume(UInt8(ascii: ":")) else { throw error("Expected ':'") }
            skipWhitespace()
            members[key] = try parseValue()
            skipWhitespace()
        } while consume(UInt8(ascii: ","))
        guard consume(UInt8(ascii: "}")) else { throw error("Expected ',' or '}'") }
        depth -= 1
        return .object(members)
    }

    private mutating func parseArray() throws -> JSONValue {
        try enterContainer()
        var elements: [JSONValue] = []
        skipWhitespace()
        if consume(UInt8(ascii: "]")) {
            depth -= 1
            return .array(elements)
        }
        repeat {
            skipWhitespace()
            elements.append(try parseValue())
            skipWhitespace()
        } while consume(UInt8(ascii: ","))
        guard consume(UInt8(ascii: "]")) else { throw error("Expected ',' or ']'") }
        depth -= 1
        return .array(elements)
    }

    /// Consumes the opening bracket; the depth cap keeps hostile input from overflowing the stack.
    private mutating func enterContainer() throws {
        guard depth < Self.maxDepth else { throw error("Nesting too deep") }
        depth += 1
        index += 1
    }

    private mutating func parseString() throws -> String {
        index += 1  // the opening quote
        var utf8: [UInt8] = []
        while true {
            guard let byte = peek() else { throw error("Unterminated string") }
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                // Only whole UTF-8 sequences of a valid String and encoded scalars were appended.
                return String(decoding: utf8, as: UTF8.self)
            case UInt8(ascii: "\\"):
                index += 1
                utf8.append(contentsOf: try parseEscape())
            case 0..<0x20:
                throw error("Control character in string")
            default:
                utf8.append(byte)
                index += 1
            }
        }
    }

    /// Parses the escape after a backslash and returns its UTF-8 bytes.
    private mutating func parseEscape() throws -> [UInt8] {
        guard let byte = peek() else { throw error("Unterminated string") }
        index += 1
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): return [byte]
        case UInt8(ascii: "b"): return [0x08]
        case UInt8(ascii: "f"): return [0x0C]
        case UInt8(ascii: "n"): return [0x0A]
        case UInt8(ascii: "r"): return [0x0D]
        case UInt8(ascii: "t"): return [0x09]
        case UInt8(ascii: "u"): break
        default: throw error("Invalid escape")
        }
        var code = try parseHex4()
        if (0xD800...0xDBFF).contains(code) {
            guard consume(UInt8(ascii: "\\")), consume(UInt8(ascii: "u")) else { throw error("Unpaired surrogate") }
            let low = try parseHex4()
            guard (0xDC00...0xDFFF).contains(low) else { throw error("Unpaired surrogate") }
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
        }
        guard let scalar = Unicode.Scalar(code) else { throw error("Unpaired surrogate") }
        return Array(String(Character(scalar)).utf8)
    }

    private mutating func parseHex4() throws -> UInt32 {
        guard index + 4 <= bytes.count else { throw error("Invalid \\u escape") }
        var code: UInt32 = 0
        for _ in 0..<4 {
            guard let digit = hexValue(bytes[index]) else { throw error("Invalid \\u escape") }
            code = code << 4 | digit
            index += 1
        }
        return code
    }

    private func hexValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
    private mutating func parseNumber() throws -> JSONValue {
        let start = index
        _ = consume(UInt8(ascii: "-"))
        if consume(UInt8(ascii: "0")) {
            if let next = peek(), isDigit(next) { throw error("Leading zero in number") }
        } else {
            try digits()
        }
        var isIntegral = true
        if consume(UInt8(ascii: ".")) {
            isIntegral = false
            try digits()
        }
        if consume(UInt8(ascii: "e")) || consume(UInt8(ascii: "E")) {
            isIntegral = false
            if !consume(UInt8(ascii: "+")) { _ = consume(UInt8(ascii: "-")) }
            try digits()
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        if isIntegral, let integer = Int64(text) {
            return .integer(integer)
        }
        guard let double = Double(text), double.isFinite else { throw error("Number out of range", at: start) }
        return .number(double)
    }

    private mutating func digits() throws {
        guard let first = peek(), isDigit(first) else { throw error("Expected a digit") }
        while let byte = peek(), isDigit(byte) { index += 1 }
    }

    private func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    private mutating func expectLiteral(_ literal: String) throws {
        let expected = literal.utf8
        guard bytes[index...].starts(with: expected) else { throw error("Invalid literal") }
        index += expected.count
    }

    private mutating func skipWhitespace() {
        while let byte = peek(),
            byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\n")
                || byte == UInt8(ascii: "\r")
        {
            index += 1
        }
    }

    private func peek() -> UInt8? {
        index < bytes.count ? bytes[index] : nil
    }

    private mutating func consume(_ byte: UInt8) -> Bool {
        guard peek() == byte else { return false }
        index += 1
        return true
    }

    private func error(_ reason: String, at offset: Int? = nil) -> JSONValue.ParseError {
        JSONValue.ParseError(reason, offset: offset ?? index)
    }
}
