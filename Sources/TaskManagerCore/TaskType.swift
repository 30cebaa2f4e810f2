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
    /// Overrides of the server's defaults for tasks of this type.
    public var settings = TaskTypeSettings()

    public init() {}
}

/// Per-type overrides of the server's defaults; 0 means "use the server default".
public struct TaskTypeSettings: Hashable, Sendable {
    public var leaseSeconds: Int32 = 0
    public var maxAttempts: Int32 = 0
    public var stallAfterSeconds: Int32 = 0
    public var retryBackoffBaseMs: Int32 = 0
    public var retryBackoffCapMs: Int32 = 0

    public init(
        leaseSeconds: Int32 = 0, maxAttempts: Int32 = 0, stallAfterSeconds: Int32 = 0, retryBackoffBaseMs: Int32 = 0,
        retryBackoffCapMs: Int32 = 0
    ) {
        self.leaseSeconds = leaseSeconds
        self.maxAttempts = maxAttempts
        self.stallAfterSeconds = stallAfterSeconds
        self.retryBackoffBaseMs = retryBackoffBaseMs
        self.retryBackoffCapMs = retryBackoffCapMs
    }
}
