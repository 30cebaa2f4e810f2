/// An enum type: its values' names and numbers.
public struct EnumDescriptor: Hashable, Sendable {
    /// One value, e.g. `TASK_STATUS_PENDING = 1`.
    public struct Value: Hashable, Sendable {
        public var name: String
        public var number: Int32

        public init(name: String, number: Int32) {
            self.name = name
            self.number = number
        }
    }

    /// The full name, e.g. `taskmanager.v1.TaskStatus`.
    public var fullName: String
    public var values: [Value]

    public init(fullName: String, values: [Value]) {
        self.fullName = fullName
        self.values = values
    }

    /// The number of the value named `name`.
    public func number(named name: String) -> Int32? {
        values.first { $0.name == name }?.number
    }

    /// The name of the first value with this number (aliases share numbers).
    public func name(of number: Int32) -> String? {
        values.first { $0.number == number }?.name
    }
}
