/// A kind of task: a name, a version and the JSON schema its parameters must satisfy.
public struct TaskType: Hashable, Sendable {
    public var id: Int64 = 0
    public var name: String = ""
    public var version: String = ""
    public var paramSchemaJSON: String = ""
    public var isActive: Bool = false
    /// How many tasks of this type exist (filled by listings).
    public var usageCount: Int64 = 0
    public var createdAtMs: Int64 = 0
    public var updatedAtMs: Int64 = 0

    public init() {}
}
