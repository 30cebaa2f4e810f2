import TaskManagerCore

// Input: a schema text and a document text separated by the first NUL byte (with no NUL, the text is both).
//
// Each input that parses is validated against fixed schemas that use every supported keyword, used as a schema
// for fixed documents and for the other text, and checked with `checkSchema`. Properties: nothing traps or hangs
// (a `pattern` is any regular expression, so a slow one shows as a timeout); `{}` and a schema that is not an object
// refuse nothing; the outcome is the same twice.

private let fixedSchemas: [JSONValue] = [
    #"{"type":"object","properties":{"message":{"type":"string"}},"required":["message"]}"#,
    #"{"type":"object","additionalProperties":false,"properties":{"a":{"type":["integer","null"],"minimum":-5,"maximum":5.5},"b":{"type":"array","items":{"type":"string","minLength":1,"maxLength":3,"pattern":"^[a-z]+$"},"minItems":1,"maxItems":4},"c":{"enum":[1,"x",null,[1,2],{"k":true}]},"d":{"type":"number","minimum":9223372036854775807,"maximum":1e300}},"required":["a","zz"]}"#,
    #"{"type":["array","boolean"],"items":{"type":"object","properties":{"n":{"type":"integer","minimum":0}}}}"#,
    #"{"type":"string","pattern":"(a|b)*c[0-9]{2,}","minLength":0,"maxLength":1000}"#,
    #"{}"#,
].map { try! JSONValue.parse($0) }  // literals above, checked by the first run

private let fixedDocuments: [JSONValue] = [
    #"{"message":"hello"}"#,
    #"{"a":3,"b":["ab","x"],"c":[1,2],"d":1e301,"e":null}"#,
    #"[{"n":-1},{"n":2.5},true]"#,
    #""abbc123""#,
    #"null"#,
    #"-9223372036854775808"#,
].map { try! JSONValue.parse($0) }  // literals above, checked by the first run

private func validate(_ value: JSONValue, _ schema: JSONValue) {
    let errors = JSONSchemaValidator.validate(value, against: schema)
    guard errors == JSONSchemaValidator.validate(value, against: schema) else { fatalError("validation is not repeatable") }
    if case .object(let keywords) = schema, keywords.isEmpty, !errors.isEmpty { fatalError("{} refused a document") }
    if case .object = schema {} else if !errors.isEmpty { fatalError("a schema that is not an object refused a document") }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    let split = bytes.firstIndex(of: 0)
    let schemaText = String(decoding: bytes[..<(split ?? size)], as: UTF8.self)
    let documentText = split.map { String(decoding: bytes[($0 + 1)...], as: UTF8.self) } ?? schemaText
    let schema = try? JSONValue.parse(schemaText)
    let document = try? JSONValue.parse(documentText)
    if let schema {
        _ = JSONSchemaValidator.checkSchema(schema)
        for fixed in fixedDocuments { validate(fixed, schema) }
    }
    if let document {
        for fixed in fixedSchemas { validate(document, fixed) }
    }
    if let schema, let document { validate(document, schema) }
    return 0
}
