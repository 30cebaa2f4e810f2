import Foundation

/// Validates task parameters against a task type's schema: the JSON Schema subset of the original PHP service.
///
/// Supported keywords: `type` (a name or an array of names), `required`, `properties`, `additionalProperties: false`
/// (only next to `properties`), `items` (one schema for every element), `minLength`/`maxLength` (in Unicode scalars),
/// `pattern` (an unanchored search), `minimum`/`maximum` (inclusive), `minItems`/`maxItems` and `enum`. Other
/// keywords, and keywords whose value has the wrong kind, are ignored. Unlike the original, an integer satisfies
/// "number" and `{}` is an object.
public struct JSONSchemaValidator: Sendable {
    /// The violations of `schema` by `value`, in a fixed depth-first order; empty when the value is valid.
    ///
    /// - Parameters:
    ///   - value: the document to check, for example a task's parameters.
    ///   - schema: the schema; a schema that is not an object imposes nothing.
    /// - Returns: messages such as `Type mismatch at a.b: expected string, got integer`, with paths written `a.b`
    ///   and `a[0]`, and `""` for the root.
    public static func validate(_ value: JSONValue, against schema: JSONValue) -> [String] {
        var errors: [String] = []
        check(value, against: schema, at: "", into: &errors)
        return errors
    }

    /// Whether a schema may be registered: nil when acceptable, otherwise the error message to return.
    ///
    /// The schema must be a JSON object with a top-level `type`; a `type` whose value is null counts as missing, as
    /// with PHP's `isset`. Nothing else is checked.
    public static func checkSchema(_ schema: JSONValue) -> String? {
        guard case .object(let members) = schema else { return "Invalid JSON schema format" }
        guard let type = members["type"], type != .null else { return #"JSON schema must have a "type" property"# }
        return nil
    }

    private static func check(
        _ value: JSONValue, against schema: JSONValue, at path: String, into errors: inout [String]
    ) {
        guard case .object(let keywords) = schema else { return }
        if let type = keywords["type"] {
            let names = typeNames(type)
            guard names.contains(where: { matches(value, typeName: $0) }) else {
                errors.append(
                    "Type mismatch at \(path): expected \(names.joined(separator: "|")), got \(value.typeName)")
                return
            }
        }
        switch value {
        case .object(let members): checkObject(members, keywords, at: path, into: &errors)
        case .string(let string): checkString(string, keywords, at: path, into: &errors)
        case .integer, .number: checkNumber(value, keywords, at: path, into: &errors)
        case .array(let elements): checkArray(elements, keywords, at: path, into: &errors)
        case .null, .bool: break
        }
        if case .array(let allowed)? = keywords["enum"] {
            checkEnum(value, allowed, at: path, into: &errors)
        }
    }

    /// The names a `type` keyword allows; an entry that is not a string is kept as its JSON text and matches nothing.
    private static func typeNames(_ type: JSONValue) -> [String] {
        switch type {
        case .string(let name): [name]
        case .array(let entries): entries.map { if case .string(let s) = $0 { s } else { $0.canonicalText } }
        default: [type.canonicalText]
        }
    }

    private static func matches(_ value: JSONValue, typeName: String) -> Bool {
        switch (typeName, value) {
        case ("number", .integer): true  // the original's is_float rejected JSON `5` here
        default: value.typeName == typeName
        }
    }

    private static func checkObject(
        _ members: [String: JSONValue], _ keywords: [String: JSONValue], at path: String, into errors: inout [String]
    ) {
        if case .array(let required)? = keywords["required"] {
            for case .string(let key) in required where members[key] == nil || members[key] == .null {
                errors.append("Missing required property: \(path).\(key)")
            }
        }
        guard case .object(let properties)? = keywords["properties"] else { return }
        if keywords["additionalProperties"] == .bool(false) {
            for (key, _) in JSONValue.sortedMembers(members) where properties[key] == nil {
                errors.append("Additional property not allowed: \(memberPath(path, key))")
            }
        }
        for (key, subschema) in JSONValue.sortedMembers(properties) {
            guard let member = members[key] else { continue }
            check(member, against: subschema, at: memberPath(path, key), into: &errors)
        }
    }

    private static func checkString(
        _ string: String, _ keywords: [String: JSONValue], at path: String, into errors: inout [String]
    ) {
        let length = JSONValue.integer(Int64(string.unicodeScalars.count))
        if let limit = keywords["minLength"], limit.isNumber, length.compare(to: limit) == .orderedAscending {
            errors.append("String too short at \(path): minimum length is \(limit.canonicalText)")
        }
        if let limit = keywords["maxLength"], limit.isNumber, length.compare(to: limit) == .orderedDescending {
            errors.append("String too long at \(path): maximum length is \(limit.canonicalText)")
        }
        if case .string(let pattern)? = keywords["pattern"] {
            guard let regex = try? NSRegularExpression(pattern: pattern) else {
                errors.append("Invalid regex pattern in schema at \(path)")
                return
            }
            let range = NSRange(string.startIndex..., in: string)
            if regex.firstMatch(in: string, range: range) == nil {
                errors.append("String does not match pattern at \(path)")
            }
        }
    }

    private static func checkNumber(
        _ number: JSONValue, _ keywords: [String: JSONValue], at path: String, into errors: inout [String]
    ) {
        if let limit = keywords["minimum"], limit.isNumber, number.compare(to: limit) == .orderedAscending {
            errors.append("Number too small at \(path): minimum is \(limit.canonicalText)")
        }
        if let limit = keywords["maximum"], limit.isNumber, number.compare(to: limit) == .orderedDescending {
            errors.append("Number too large at \(path): maximum is \(limit.canonicalText)")
        }
    }

    private static func checkArray(
        _ elements: [JSONValue], _ keywords: [String: JSONValue], at path: String, into errors: inout [String]
    ) {
        let count = JSONValue.integer(Int64(elements.count))
        if let limit = keywords["minItems"], limit.isNumber, count.compare(to: limit) == .orderedAscending {
            errors.append("Array too short at \(path): minimum items is \(limit.canonicalText)")
        }
        if let limit = keywords["maxItems"], limit.isNumber, count.compare(to: limit) == .orderedDescending {
            errors.append("Array too long at \(path): maximum items is \(limit.canonicalText)")
        }
        if let items = keywords["items"] {
            for (i, element) in elements.enumerated() {
                check(element, against: items, at: "\(path)[\(i)]", into: &errors)
            }
        }
    }

    private static func checkEnum(
        _ value: JSONValue, _ allowed: [JSONValue], at path: String, into errors: inout [String]
    ) {
        guard !allowed.contains(where: { $0.isNumericallyEqual(to: value) }) else { return }
        let rendered = allowed.map { if case .string(let s) = $0 { s } else { $0.canonicalText } }
        errors.append("Value at \(path) must be one of: \(rendered.joined(separator: ", "))")
    }

    private static func memberPath(_ path: String, _ key: String) -> String {
        path.isEmpty ? key : "\(path).\(key)"
    }
}

extension JSONValue {
    fileprivate var isNumber: Bool {
        switch self {
        case .integer, .number: true
        default: false
        }
    }

    /// Orders two numbers exactly, so that a large `Int64` is not rounded to a `Double` first; non-numbers are equal.
    fileprivate func compare(to other: JSONValue) -> ComparisonResult {
        switch (self, other) {
        case (.integer(let a), .integer(let b)): a < b ? .orderedAscending : a > b ? .orderedDescending : .orderedSame
        case (.number(let a), .number(let b)): a < b ? .orderedAscending : a > b ? .orderedDescending : .orderedSame
        case (.integer(let a), .number(let b)): Self.compare(a, b)
        case (.number(let a), .integer(let b)):
            switch Self.compare(b, a) {
            case .orderedAscending: .orderedDescending
            case .orderedDescending: .orderedAscending
            case .orderedSame: .orderedSame
            }
        default: .orderedSame
        }
    }

    private static func compare(_ integer: Int64, _ double: Double) -> ComparisonResult {
        // 2^63 is exact as a Double; inside [-2^63, 2^63) the integral part converts to Int64 without trapping.
        if double.isNaN { return .orderedSame }
        if double >= 9_223_372_036_854_775_808.0 { return .orderedAscending }
        if double < -9_223_372_036_854_775_808.0 { return .orderedDescending }
        let whole = double.rounded(.towardZero)
        let wholeInteger = Int64(whole)
        if integer != wholeInteger { return integer < wholeInteger ? .orderedAscending : .orderedDescending }
        let fraction = double - whole
        return fraction > 0 ? .orderedAscending : fraction < 0 ? .orderedDescending : .orderedSame
    }

    /// Deep equality in which `.integer(1)` equals `.number(1.0)`.
    fileprivate func isNumericallyEqual(to other: JSONValue) -> Bool {
        switch (self, other) {
        case (.integer, .number), (.number, .integer):
            compare(to: other) == .orderedSame
        case (.array(let a), .array(let b)):
            a.count == b.count && zip(a, b).allSatisfy { $0.isNumericallyEqual(to: $1) }
        case (.object(let a), .object(let b)):
            a.count == b.count
                && a.allSatisfy { key, value in b[key].map { value.isNumericallyEqual(to: $0) } ?? false }
        default:
            self == other
        }
    }
}
