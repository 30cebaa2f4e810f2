import TaskManagerProtocol

/// Everything `taskmanager serve` can be told, with the documented defaults.
public struct ServerConfiguration: Sendable {
    /// Address to bind. Without an API key only loopback addresses are bound unless `allowUnauthenticatedRemote`.
    public var host = "127.0.0.1"
    /// TCP port; 0 picks a free one (read it back from `TaskManagerServer.port`).
    public var port = 7411
    /// SQLite database file.
    public var databasePath = "./taskmanager.db"
    /// Seconds after which a claim is stale and the task can be claimed again (a new attempt).
    public var claimTimeoutSeconds = 300
    /// Attempts a task gets unless it asks for another number.
    public var maxAttempts: Int32 = 3
    /// Whether to write task history.
    public var recordHistory = true
    /// Whether to validate task parameters against their type's JSON schema.
    public var schemaValidation = true
    /// When set, every method but Health needs metadata `x-api-key` equal to it.
    public var apiKey: String?
    /// Largest frame body accepted, in bytes.
    public var maxFrameBytes = FrameDecoder.defaultMaxFrameBytes
    /// Calls one connection may have in flight; more are refused with RESOURCE_EXHAUSTED.
    public var maxConcurrentCallsPerConnection = 1024
    /// Bind a non-loopback address even without an API key.
    public var allowUnauthenticatedRemote = false
    /// Seconds a graceful shutdown waits for calls in flight.
    public var shutdownGraceSeconds = 10

    public init() {}
}
