import TaskManagerProtocol
import TaskManagerStore

/// Everything `taskmanager serve` can be told, with the documented defaults.
public struct ServerConfiguration: Sendable {
    /// Address to bind. A non-loopback address is bound only with authentication (an API key, a keys file or
    /// client certificates) or `allowUnauthenticatedRemote`, and with TLS or `allowPlaintextRemote`; otherwise
    /// 127.0.0.1 is bound instead (see `TaskManagerServer.bindAddress`).
    public var host = "127.0.0.1"
    /// TCP port; 0 picks a free one (read it back from `TaskManagerServer.port`).
    public var port = 7411
    /// SQLite database file.
    public var databasePath = "./taskmanager.db"
    /// `.full`: an acknowledged call survives power loss (its commit's WAL frames are synced before it is answered;
    /// see `WALSync`). `.normal`: it survives a crash of the server, and the last commits may be lost on power loss
    /// (WAL stays consistent).
    public var durability = SQLiteTaskStore.Synchronous.full
    /// The lease a claim gets, in seconds, unless its task type sets `lease_seconds`: renewed by every
    /// UpdateProgress and Heartbeat; when it runs out, the task goes back to pending (a new attempt).
    public var claimTimeoutSeconds = 300
    /// How often the background jobs run: ending expired leases, marking stalled tasks, retention.
    public var reaperIntervalMs = 1000
    /// Seconds without progress after which a claimed task is marked stalled, unless its type says; 0 = never.
    public var stallAfterSeconds = 600
    /// Seconds after which finished (completed, failed, cancelled) tasks are deleted with their history; 0 = keep.
    public var retentionSeconds: Int64 = 30 * 24 * 3600
    /// Tasks deleted per retention batch (one short transaction each).
    public var retentionBatchSize = 500
    /// The retry backoff of a failed attempt unless its type or task says: base (0 = retry at once) and cap.
    public var retryBackoffBaseMs = 1000
    public var retryBackoffCapMs = 300_000
    /// The random part of each retry backoff, in 0..<1 (tests fix it).
    public var retryJitter: @Sendable () -> Double = { Double.random(in: 0..<1) }
    /// Attempts a task gets unless it asks for another number.
    public var maxAttempts: Int32 = 3
    /// Whether to write task history.
    public var recordHistory = true
    /// Whether to validate task parameters against their type's JSON schema.
    public var schemaValidation = true
    /// When set, every method but Health needs metadata `x-api-key` equal to it.
    public var apiKey: String?
    /// A keys file (`KeysFile`): API keys with names and roles; reread by `TaskManagerServer.reloadKeys()`.
    public var keysFile: String?
    /// Largest frame body accepted, in bytes.
    public var maxFrameBytes = FrameDecoder.defaultMaxFrameBytes
    /// Calls one connection may have in flight; more are refused with RESOURCE_EXHAUSTED.
    public var maxConcurrentCallsPerConnection = 1024
    /// Items a stream may queue while its client is not reading; past that the stream ends with RESOURCE_EXHAUSTED.
    public var streamBacklogLimit = 1024
    /// Unary calls that take longer than this many milliseconds are logged (warning); 0 = none.
    public var slowCallMs = 200
    /// Unsent answer bytes a connection may hold before the server stops reading its calls (backpressure): reading
    /// resumes once fewer than half of them are left. The answers to the calls already read are still sent.
    public var maxUnsentBytesPerConnection = 64 * 1024
    /// Seconds a connection may stay in the middle of a frame (part of it sent, nothing more arriving) before it
    /// is closed; 0 = never. A connection idle between frames is not affected.
    public var readTimeoutSeconds = 30
    /// Seconds a connection may stay open with no call in flight and nothing arriving before it gets a GoAway and
    /// is closed; 0 = never. A call in flight (a long-poll claim, a watch stream) keeps a connection from being idle.
    public var idleTimeoutSeconds = 3600
    /// Open client connections at most; further ones get a GoAway and are closed at once.
    public var maxConnections = 1024
    /// SO_SNDBUF of client connections in bytes; 0 = the system's default (tests make it small).
    public var socketSendBufferBytes = 0
    /// Bind a non-loopback address even without an API key.
    public var allowUnauthenticatedRemote = false
    /// TLS on the port (and mutual TLS with a client CA); nil = plaintext.
    public var tls: ServerTLS?
    /// Bind a non-loopback address even without TLS (calls and API keys then cross the network in clear text).
    public var allowPlaintextRemote = false
    /// Seconds a graceful shutdown waits for calls in flight (`--drain-timeout`); those still running then are
    /// answered UNAVAILABLE. Streams end at once.
    public var shutdownGraceSeconds = 10

    public init() {}
}
