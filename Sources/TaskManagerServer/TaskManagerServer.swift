import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL
import TaskManagerCore
import TaskManagerProtocol
import TaskManagerStore

/// The TaskManager server: listens on TCP, serves `TaskService` over length-prefixed protobuf frames.
///
/// Start it with `start(...)`, read the bound `port`, and stop it once with `shutdown()`, which lets calls in
/// flight finish (up to the grace period), tells clients with `GoAway`, and closes the store.
public final class TaskManagerServer: Sendable {
    public let configuration: ServerConfiguration
    /// The port actually bound (useful when the configuration asked for 0).
    public let port: Int
    /// The address actually bound.
    public let host: String

    private let serverChannel: any Channel
    let store: any TaskStore
    let connections: ConnectionRegistry
    private let logger: Logger
    let shutdownState = NIOLockedValueBox(false)
    let maintenance: Maintenance
    private let maintenanceLoop: _Concurrency.Task<Void, Never>
    /// The event loops' unpacking arenas; for tests.
    let arenas: LoopArenas
    let authenticator: APIKeyAuthenticator
    let dispatcher: Dispatcher
    /// The streams of calls made in process (the HTTP port's gateway).
    let inProcessStreams = InProcessStreams()
    private let tlsContext: ReloadableTLSContext?

    private init(
        configuration: ServerConfiguration, host: String, port: Int, serverChannel: any Channel, store: any TaskStore,
        connections: ConnectionRegistry, maintenance: Maintenance, arenas: LoopArenas, authenticator: APIKeyAuthenticator,
        dispatcher: Dispatcher, tlsContext: ReloadableTLSContext?, logger: Logger
    ) {
        self.dispatcher = dispatcher
        self.arenas = arenas
        self.authenticator = authenticator
        self.tlsContext = tlsContext
        self.configuration = configuration
        self.host = host
        self.port = port
        self.serverChannel = serverChannel
        self.store = store
        self.connections = connections
        self.maintenance = maintenance
        self.maintenanceLoop = maintenance.start(every: .milliseconds(Int64(max(configuration.reaperIntervalMs, 1))))
        self.logger = logger
    }

    /// Runs Swift concurrency's jobs on the event loops (`MultiThreadedEventLoopGroup.singleton`) instead of a
    /// separate thread pool, so that a call's task runs on its connection's event loop with no thread switch.
    ///
    /// Call it once, first thing in the process, before any task starts; `taskmanager serve` does.
    /// - Returns: whether the event loops were installed.
    @discardableResult
    public static func installEventLoopsAsGlobalExecutor() -> Bool {
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
    }

    /// Opens the store, builds the dispatcher and binds the listening socket.
    ///
    /// - Parameters:
    ///   - configuration: what to serve and where.
    ///   - store: the store to use; by default a `SQLiteTaskStore` on `configuration.databasePath`.
    ///   - clock: the wall clock for every time rule (tests move it by hand).
    ///   - metrics: where to record calls, the background jobs and the store's commits; nil records nothing.
    /// - Throws: when the database cannot be opened, the dispatcher does not match the service, or binding fails.
    /// Where the store answers a write: on the event loop the call was made from, when it was made from one
    /// (calls run on the event loops: see `installEventLoopsAsGlobalExecutor()`).
    public static let answerOnTheCallersEventLoop: @Sendable () -> AnswerHop? = {
        MultiThreadedEventLoopGroup.currentEventLoop.map { loop in
            AnswerHop(key: ObjectIdentifier(loop), run: { loop.execute($0) })
        }
    }

    public static func start(
        configuration: ServerConfiguration, store: (any TaskStore)? = nil, clock: any WallClock = SystemClock(),
        logger: Logger = Logger(label: "taskmanager"), metrics: ServerMetrics? = nil
    ) async throws -> TaskManagerServer {
        let store = try store
            ?? SQLiteTaskStore(
                path: configuration.databasePath, recordHistory: configuration.recordHistory, synchronous: configuration.durability,
                answerHop: Self.answerOnTheCallersEventLoop)
        var options = TaskService.Options()
        options.defaultLeaseMs = Int64(configuration.claimTimeoutSeconds) * 1000
        options.maxAttempts = configuration.maxAttempts
        options.schemaValidation = configuration.schemaValidation
        options.retryBackoff = RetryBackoff(baseMs: Int64(configuration.retryBackoffBaseMs), capMs: Int64(configuration.retryBackoffCapMs))
        options.jitter = configuration.retryJitter
        options.requireWorkerIdentity = configuration.tls?.isMutual == true && configuration.tls?.requireWorkerIdentity == true
        let service = TaskService(store: store, options: options, clock: clock)
        let authenticator = try APIKeyAuthenticator(apiKey: configuration.apiKey, keysPath: configuration.keysFile)
        let dispatcher = try Dispatcher(
            service: service, authenticator: authenticator, maxFrameBytes: configuration.maxFrameBytes, logger: logger,
            metrics: metrics)
        if let metrics { (store as? SQLiteTaskStore)?.setMetrics(metrics.store) }

        let tlsContext = try configuration.tls.map { try ReloadableTLSContext($0) }
        let host = bindAddress(configuration, logger: logger)
        let connections = ConnectionRegistry()
        let maxFrameBytes = configuration.maxFrameBytes
        let maxCalls = configuration.maxConcurrentCallsPerConnection
        let backlogLimit = configuration.streamBacklogLimit
        let slowCallMs = configuration.slowCallMs
        let readTimeoutSeconds = configuration.readTimeoutSeconds
        let idleTimeoutSeconds = configuration.idleTimeoutSeconds
        let maxConnections = configuration.maxConnections
        let refusalLog = RefusalLog(logger: logger)
        var bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            // The bound on a connection's unsent answers: over `high` it stops being read (see ConnectionHandler).
            .childChannelOption(
                .writeBufferWaterMark,
                value: ChannelOptions.Types.WriteBufferWaterMark(
                    low: configuration.maxUnsentBytesPerConnection / 2, high: configuration.maxUnsentBytesPerConnection))
        if configuration.socketSendBufferBytes > 0 {
            bootstrap = bootstrap.childChannelOption(.socketOption(.so_sndbuf), value: SocketOptionValue(configuration.socketSendBufferBytes))
        }
        let arenas = LoopArenas()
        bootstrap = bootstrap
            .childChannelInitializer { channel in
                if let tlsContext {
                    // First, so that everything after it (the read timeout, frames, refusals) sees plaintext.
                    do {
                        let sync = channel.pipeline.syncOperations
                        try sync.addHandler(NIOSSLServerHandler(context: tlsContext.current))
                        try sync.addHandler(TLSHandshakeHandler(timeoutSeconds: readTimeoutSeconds, logger: logger))
                    } catch {
                        return channel.eventLoop.makeFailedFuture(error)
                    }
                }
                guard connections.add(channel, limit: maxConnections) else {
                    refusalLog.refused(limit: maxConnections)
                    return channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            RefuseConnectionHandler(reason: "Too many connections (the limit is \(maxConnections))"))
                    }
                }
                return channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    if readTimeoutSeconds > 0 { try sync.addHandler(ReadTimeoutHandler(seconds: readTimeoutSeconds)) }
                    try sync.addHandler(ByteToMessageHandler(FrameDecoder(maxFrameBytes: maxFrameBytes)))
                    try sync.addHandler(
                        ConnectionHandler(
                            dispatcher: dispatcher, arena: arenas.arena(for: channel.eventLoop), maxConcurrentCalls: maxCalls, streamBacklogLimit: backlogLimit,
                            slowCallMs: slowCallMs, idleTimeoutSeconds: idleTimeoutSeconds, logger: logger))
                }
            }
        let channel = try await bootstrap.bind(host: host, port: configuration.port).get()
        let port = channel.localAddress?.port ?? configuration.port
        logger.info(
            "TaskManager \(TaskService.version) listening on \(host):\(port)",
            metadata: [
                "database": "\(configuration.databasePath)", "auth": "\(authMode(configuration))", "tls": "\(tlsMode(configuration))",
            ])
        let maintenance = Maintenance(
            store: store, claimNotifier: service.claimNotifier, historyNotifier: service.historyNotifier,
            configuration: configuration, clock: clock, logger: logger, metrics: metrics)
        return TaskManagerServer(
            configuration: configuration, host: host, port: port, serverChannel: channel, store: store,
            connections: connections, maintenance: maintenance, arenas: arenas, authenticator: authenticator,
            dispatcher: dispatcher, tlsContext: tlsContext, logger: logger)
    }

    /// Reads the keys file again (`taskmanager serve` does on SIGHUP): new keys work and removed ones stop working
    /// from the next call on; open connections stay. When the file cannot be read the old keys stay.
    /// - Returns: the number of keys in the file.
    @discardableResult
    public func reloadKeys() throws -> Int {
        let count = try authenticator.reload()
        logger.info("Keys file reloaded", metadata: ["keys": "\(count)"])
        return count
    }

    /// Reads the TLS certificate, key and client CA files again (`taskmanager serve` does on SIGHUP): new
    /// connections handshake with them, open connections keep theirs. When a file cannot be used the old ones stay.
    /// - Returns: false when the server has no TLS (nothing to read).
    /// - Throws: `TLSFileError` naming the file that cannot be used.
    @discardableResult
    public func reloadTLS() throws -> Bool {
        guard let tlsContext, let tls = configuration.tls else { return false }
        try tlsContext.reload()
        logger.info(
            "TLS certificate reloaded",
            metadata: ["certificate": "\(tls.certificatePath)", "client_ca": "\(tls.clientCAPath ?? "none")"])
        return true
    }

    private static func tlsMode(_ configuration: ServerConfiguration) -> String {
        guard let tls = configuration.tls else { return "off" }
        guard tls.isMutual else { return "on" }
        return tls.requireWorkerIdentity ? "mutual+worker-identity" : "mutual"
    }

    private static func authMode(_ configuration: ServerConfiguration) -> String {
        let hasKey = !(configuration.apiKey ?? "").isEmpty
        switch (hasKey, configuration.keysFile != nil) {
        case (false, false): return "off"
        case (true, false): return "api-key"
        case (false, true): return "keys-file"
        case (true, true): return "api-key+keys-file"
        }
    }

    /// Runs the background jobs once now (ending expired leases, marking stalls, retention), as the timer does
    /// every `reaperIntervalMs`; for tests that move a manual clock.
    public func runMaintenance() async {
        await maintenance.runOnce()
    }

    /// Stops accepting, drains connections (GoAway; streams end with UNAVAILABLE; each connection closes once its
    /// calls end, or after `shutdownGraceSeconds` with the calls still running answered UNAVAILABLE), and closes the
    /// store. Later calls do nothing.
    public func shutdown() async {
        let first = shutdownState.withLockedValue { done in
            defer { done = true }
            return !done
        }
        guard first else { return }
        try? await serverChannel.close()
        inProcessStreams.endAll()
        let open = connections.all()
        for channel in open {
            channel.pipeline.fireUserInboundEventTriggered(ConnectionHandler.Drain())
        }
        let grace = TimeAmount.seconds(Int64(configuration.shutdownGraceSeconds))
        // One timeout for all: calls still running then are answered UNAVAILABLE, and their connections close.
        let timers = open.map { channel in
            channel.eventLoop.scheduleTask(in: grace) {
                channel.pipeline.fireUserInboundEventTriggered(ConnectionHandler.DrainTimedOut())
            }
        }
        for channel in open {
            try? await channel.closeFuture.get()
        }
        timers.forEach { $0.cancel() }
        maintenanceLoop.cancel()
        await maintenanceLoop.value
        if let sqlite = store as? SQLiteTaskStore {
            sqlite.close()
        }
        logger.info("TaskManager stopped")
    }

    /// The answer bytes each open connection has written but the kernel has not taken yet; for tests.
    func unsentBytesPerConnection() async -> [Int] {
        var result: [Int] = []
        for channel in connections.all() {
            if let bytes = try? await channel.getOption(.bufferedWritableBytes).get() { result.append(bytes) }
        }
        return result
    }

    /// Waits until the listening socket is closed by `shutdown()`.
    public func waitUntilClosed() async {
        try? await serverChannel.closeFuture.get()
    }

    /// The address to bind. A loopback host is bound as asked. Any other host needs authentication (an API key, a
    /// keys file or client certificates, else `allowUnauthenticatedRemote`) and TLS (else `allowPlaintextRemote`);
    /// when one is missing the server binds 127.0.0.1 instead and logs what to set.
    static func bindAddress(_ configuration: ServerConfiguration, logger: Logger) -> String {
        let host = configuration.host
        let hasKey = !(configuration.apiKey ?? "").isEmpty || configuration.keysFile != nil
        let authenticated = hasKey || configuration.tls?.isMutual == true
        let encrypted = configuration.tls != nil
        if isLoopback(host) {
            if !authenticated { logger.warning("No API key set: every client that can reach \(host) has full access") }
            return host
        }
        var refusals: [String] = []
        if !authenticated && !configuration.allowUnauthenticatedRemote {
            refusals.append(
                "No API key set: binding 127.0.0.1 instead of \(host). Set --api-key, or --allow-unauthenticated-remote to bind \(host) anyway")
        }
        if !encrypted && !configuration.allowPlaintextRemote {
            refusals.append(
                "No TLS: binding 127.0.0.1 instead of \(host). Set --tls-cert and --tls-key, or --allow-plaintext-remote to bind \(host) anyway")
        }
        guard refusals.isEmpty else {
            refusals.forEach { logger.warning("\($0)") }
            return "127.0.0.1"
        }
        if !authenticated { logger.warning("No API key set: every client that can reach \(host) has full access") }
        if !encrypted { logger.warning("No TLS: calls and API keys to \(host) travel in clear text") }
        return host
    }

    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}

/// The open connections, so that shutdown can drain them and new ones can be counted against the cap.
final class ConnectionRegistry: Sendable {
    private let channels = NIOLockedValueBox([ObjectIdentifier: any Channel]())

    /// Adds `channel` unless `limit` connections are open already; it leaves the registry when it closes.
    /// - Returns: whether it was added.
    func add(_ channel: any Channel, limit: Int = .max) -> Bool {
        let id = ObjectIdentifier(channel)
        let added = channels.withLockedValue { channels in
            guard channels.count < limit else { return false }
            channels[id] = channel
            return true
        }
        guard added else { return false }
        channel.closeFuture.whenComplete { [channels] _ in
            channels.withLockedValue { _ = $0.removeValue(forKey: id) }
        }
        return true
    }

    var count: Int {
        channels.withLockedValue { $0.count }
    }

    func all() -> [any Channel] {
        channels.withLockedValue { Array($0.values) }
    }
}

/// Logs refused connections: once, then at most once every 10 s with the count since, so that a flood of
/// connections cannot flood the log.
final class RefusalLog: Sendable {
    private let logger: Logger
    private let state = NIOLockedValueBox((last: NIODeadline?.none, count: 0))

    init(logger: Logger) {
        self.logger = logger
    }

    func refused(limit: Int) {
        let now = NIODeadline.now()
        let count: Int? = state.withLockedValue { state in
            state.count += 1
            if let last = state.last, now - last < .seconds(10) { return nil }
            defer { state = (now, 0) }
            return state.count
        }
        if let count {
            logger.warning("Refused \(count) connection\(count == 1 ? "" : "s"): the limit of \(limit) connections is reached (--max-connections)")
        }
    }
}
