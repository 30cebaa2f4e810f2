import TaskManagerCore

// Input: any bytes, as the text of a task's params or result (invalid UTF-8 is repaired first, as a Swift String is).
//
// Properties: parsing only ever throws `JSONValue.ParseError`, with an offset inside the text; a parsed value's
// canonical text parses back to the same value and is a fixed point, byte for byte (Swift's `==` on strings ignores
// Unicode normalization, so bytes are compared); and every object keeps each key exactly as written, with the last
// value of a key written twice (checked against `Shape`, a second reading of the text).

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let value: JSONValue
    do {
        value = try JSONValue.parse(text)
    } catch let error as JSONValue.ParseError {
        guard (0...text.utf8.count).contains(error.offset) else { fatalError("offset \(error.offset) outside the text") }
        return 0
    } catch {
        fatalError("unexpected error type: \(error)")
    }
    _ = value.typeName
    var reader = ShapeReader(Array(text.utf8))
    check(value, against: reader.read())
    let canonical = value.canonicalText
    let again: JSONValue
    do { again = try JSONValue.parse(canonical) } catch { fatalError("canonical text does not parse: \(error)") }
    guard again == value else { fatalError("canonical text parses to a different value") }
    guard again.canonicalText.utf8.elementsEqual(canonical.utf8) else { fatalError("canonical text is not a fixed point") }
    return 0
}

/// Fails unless `value` has the containers of `shape`, with the same object keys, compared scalar by scalar.
private func check(_ value: JSONValue, against shape: Shape) {
    switch (value, shape) {
    case (.array(let elements), .array(let shapes)):
        guard elements.count == shapes.count else { fatalError("array of \(shapes.count) read as \(elements.count)") }
        for (element, shape) in zip(elements, shapes) { check(element, against: shape) }
    case (.object(let members), .object(let written)):
        var lastValues: [[UInt32]: Shape] = [:]
        for (key, shape) in written { lastValues[key] = shape }
        guard members.count == lastValues.count else {
            fatalError("object with \(lastValues.count) distinct keys read as \(members.count)")
        }
        for (key, member) in members {
            guard let shape = lastValues[key.unicodeScalars.map(\.value)] else { fatalError("key \(key.debugDescription) was not written") }
            check(member, against: shape)
        }
    case (.array, _), (.object, _), (_, .array), (_, .object):
        fatalError("\(value.typeName) read where the text has another kind")
    default:
        break
    }
}

/// The containers of a JSON text and its object keys as written (scalars, escapes decoded).
private indirect enum Shape {
    case scalar
    case array([Shape])
    case object([(key: [UInt32], value: Shape)])
}

/// Reads the `Shape` of a text that `JSONValue.parse` accepted, so it checks no syntax.
private struct ShapeReader {
    let bytes: [UInt8]
    var index = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func read() -> Shape {
        skipWhitespace()
        switch bytes[index] {
        case UInt8(ascii: "["):
            index += 1
            var elements: [Shape] = []
            skipWhitespace()
            if bytes[index] == UInt8(ascii: "]") { index += 1; return .array([]) }
            repeat { elements.append(read()); skipWhitespace() } while consume(UInt8(ascii: ","))
            index += 1
            return .array(elements)
        case UInt8(ascii: "{"):
            index += 1
            var members: [(key: [UInt32], value: Shape)] = []
            skipWhitespace()
            if bytes[index] == UInt8(ascii: "}") { index += 1; return .object([]) }
            repeat {
                skipWhitespace()
                let key = readString()
                skipWhitespace()
                index += 1  // ':'
                members.append((key, read()))
                skipWhitespace()
            } while consume(UInt8(ascii: ","))
            index += 1
            return .object(members)
        case UInt8(ascii: "\""):
            _ = readString()
            return .scalar
        default:
            while index < bytes.count, !Array(",]} \t\r\n".utf8).contains(bytes[index]) { index += 1 }
            return .scalar
        }
    }

    /// The scalars of the string literal at `index`.
    private mutating func readString() -> [UInt32] {
        index += 1
        var raw: [UInt8] = []
        var escaped: [UInt16] = []
        var scalars: [UInt32] = []
        func flush() {
            scalars += String(decoding: raw, as: UTF8.self).unicodeScalars.map(\.value)
            scalars += String(decoding: escaped, as: UTF16.self).unicodeScalars.map(\.value)
            raw = []
            escaped = []
        }
        while bytes[index] != UInt8(ascii: "\"") {
            guard bytes[index] == UInt8(ascii: "\\") else {
                if !escaped.isEmpty { flush() }
                raw.append(bytes[index])
                index += 1
                continue
            }
            if !raw.isEmpty { flush() }
            let letter = bytes[index + 1]
            index += 2
            switch letter {
            case UInt8(ascii: "u"):
                // The parser accepted the text, so four hex digits follow.
                escaped.append(UInt16(String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16)!)
                index += 4
            case UInt8(ascii: "b"): escaped.append(0x08)
            case UInt8(ascii: "f"): escaped.append(0x0C)
            case UInt8(ascii: "n"): escaped.append(0x0A)
            case UInt8(ascii: "r"): escaped.append(0x0D)
            case UInt8(ascii: "t"): escaped.append(0x09)
            default: escaped.append(UInt16(letter))  // '"', '\\', '/'
            }
        }
        index += 1
        flush()
        return scalars
    }

    private mutating func skipWhitespace() {
        while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
    }

    private mutating func consume(_ byte: UInt8) -> Bool {
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }
}
