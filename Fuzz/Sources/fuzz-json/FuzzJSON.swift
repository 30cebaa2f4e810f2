import TaskManagerCore

// Input: any bytes, as the text of a task's params or result (invalid UTF-8 is repaired first, as a Swift String is).
//
// Properties: parsing only ever throws `JSONValue.ParseError`, with an offset inside the text; a parsed value's
// canonical text parses back to the same value and is a fixed point (canonicalising it again changes nothing).

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
    let canonical = value.canonicalText
    let again: JSONValue
    do { again = try JSONValue.parse(canonical) } catch { fatalError("canonical text does not parse: \(error)") }
    guard again == value else { fatalError("canonical text parses to a different value") }
    guard again.canonicalText == canonical else { fatalError("canonical text is not a fixed point") }
    return 0
}
