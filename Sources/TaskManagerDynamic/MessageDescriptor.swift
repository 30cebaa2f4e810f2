/// A message type: its fields, and whether it is the entry type protoc makes for a `map<K, V>` field.
public struct MessageDescriptor: Hashable, Sendable {
    /// The full name, e.g. `taskmanager.v1.Task`.
    public var fullName: String
    /// The fields in declaration order.
    public var fields: [FieldDescriptor]
    /// The names of the oneofs, indexed by `FieldDescriptor.oneofIndex`.
    public var oneofNames: [String]
    /// True for a map field's `...Entry` type (key = 1, value = 2).
    public var isMapEntry: Bool

    private var byNumber: [Int: Int] = [:]
    private var byJSONKey: [String: Int] = [:]

    public init(fullName: String, fields: [FieldDescriptor], oneofNames: [String] = [], isMapEntry: Bool = false) {
        self.fullName = fullName
        self.fields = fields
        self.oneofNames = oneofNames
        self.isMapEntry = isMapEntry
        for (index, field) in fields.enumerated() {
            byNumber[field.number] = index
            byJSONKey[field.name] = index
            byJSONKey[field.jsonName] = index
        }
    }

    /// The field with this number.
    public func field(number: Int) -> FieldDescriptor? {
        byNumber[number].map { fields[$0] }
    }

    /// The field a JSON key names: its JSON name (`maxAttempts`) or its `.proto` name (`max_attempts`).
    public func field(jsonKey: String) -> FieldDescriptor? {
        byJSONKey[jsonKey].map { fields[$0] }
    }

    /// The short name, e.g. `Task`.
    public var name: String { String(fullName.split(separator: ".").last ?? "") }
}
