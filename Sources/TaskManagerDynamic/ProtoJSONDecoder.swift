import TaskManagerCore

/// Turns protobuf bytes of any message in a `DescriptorPool` into JSON, by the proto3 JSON mapping.
///
/// 64-bit integers become decimal strings, enums their value name (the number when the name is unknown), bytes
/// standard base64, NaN and infinities the strings `"NaN"`, `"Infinity"`, `"-Infinity"`. Fields the descriptors do
/// not know are skipped. A string that is not valid UTF-8 is an error: it is never repaired.
public struct ProtoJSONDecoder: Sendable {
    public let pool: DescriptorPool
    /// Also print fields that hold their default value (0, "", false, [], {}); unset messages stay out.
    public var emitDefaults: Bool
    /// Name fields as the `.proto` file does (`max_attempts`) rather than by their JSON name (`maxAttempts`).
    public var useProtoNames: Bool

    public init(pool: DescriptorPool, emitDefaults: Bool = false, useProtoNames: Bool = false) {
        self.pool = pool
        self.emitDefaults = emitDefaults
        self.useProtoNames = useProtoNames
    }

    /// The JSON of `bytes` read as message `messageName`.
    ///
    /// - Throws: `ProtoJSONError` `.invalidWire` naming the field path when the bytes do not fit the descriptors.
    public func decode(_ bytes: [UInt8], as messageName: String) throws -> JSONValue {
        try decode(bytes, message: pool.message(messageName), path: "")
    }

    /// The deepest nesting of messages read; past it the bytes are refused, so that hostile bytes (two per level)
    /// cannot exhaust the stack.
    static let maxDepth = 100

    func decode(_ bytes: [UInt8], message: MessageDescriptor, path: String, depth: Int = 0) throws -> JSONValue {
        guard depth <= Self.maxDepth else {
            throw ProtoJSONError(.invalidWire, path: path, "messages nested more than \(Self.maxDepth) deep")
        }
        var occurrences: [Int: [WireField]] = [:]
        // Fields the descriptors do not know are collected here but never read: skipped, as proto3 JSON does.
        for field in try WireField.read(bytes, path: path) {
            occurrences[field.number, default: []].append(field)
        }
        var members: [String: JSONValue] = [:]
        for field in message.fields {
            let key = useProtoNames ? field.name : field.jsonName
            let fieldPath = ProtoJSONEncoder.join(path, key)
            let found = occurrences[field.number] ?? []
            if let value = try value(of: field, from: found, path: fieldPath, depth: depth) {
                members[key] = value
            }
        }
        return .object(members)
    }

    /// The JSON of one field from its occurrences, or nil when it is left out.
    private func value(of field: FieldDescriptor, from found: [WireField], path: String, depth: Int) throws -> JSONValue? {
        if let (keyField, valueField) = pool.mapEntry(of: field) {
            var entries: [String: JSONValue] = [:]
            for occurrence in found {
                let entry = try pool.message(field.typeName)
                guard case .object(let pair) = try decode(occurrence.bytes(path: path), message: entry, path: path, depth: depth + 1) else { continue }
                let key = try mapKeyText(pair[keyField.jsonName] ?? defaultValue(of: keyField), path: path)
                entries[key] = try pair[valueField.jsonName] ?? defaultValue(of: valueField)
            }
            return entries.isEmpty && !emitDefaults ? nil : .object(entries)
        }
        if field.isRepeated {
            var items: [JSONValue] = []
            for occurrence in found {
                let itemPath = "\(path)[\(items.count)]"
                if case .bytes(let packed) = occurrence.value, field.kind.wireType != 2 {
                    items += try WireField.readPacked(packed, kind: field.kind, path: itemPath).map {
                        try scalar($0, field: field, path: itemPath)
                    }
                } else {
                    items.append(try single(occurrence, field: field, path: itemPath, depth: depth))
                }
            }
            return items.isEmpty && !emitDefaults ? nil : .array(items)
        }
        if field.kind == .message || field.kind == .group {
            guard !found.isEmpty else { return nil }
            // Occurrences of one message field merge: their bytes concatenated read as one message.
            let merged = try found.flatMap { try $0.bytes(path: path) }
            return try decode(merged, message: pool.message(field.typeName), path: path, depth: depth + 1)
        }
        guard let last = found.last else {
            return emitDefaults && !field.hasPresence ? try defaultValue(of: field) : nil
        }
        let value = try single(last, field: field, path: path, depth: depth)
        if !field.hasPresence, !emitDefaults, value == (try defaultValue(of: field)) { return nil }
        return value
    }

    private func single(_ occurrence: WireField, field: FieldDescriptor, path: String, depth: Int) throws -> JSONValue {
        if field.kind == .message || field.kind == .group {
            return try decode(occurrence.bytes(path: path), message: pool.message(field.typeName), path: path, depth: depth + 1)
        }
        return try scalar(occurrence, field: field, path: path)
    }

    /// A map key as JSON writes it: always a string.
    private func mapKeyText(_ key: JSONValue, path: String) throws -> String {
        switch key {
        case .string(let text): text
        case .integer(let value): String(value)
        case .bool(let value): value ? "true" : "false"
        default: throw ProtoJSONError(.invalidWire, path: path, "a map key of an unsupported type")
        }
    }
}
