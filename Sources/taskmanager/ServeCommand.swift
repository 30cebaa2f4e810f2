import ArgumentParser
import Dispatch
import Foundation
import Logging
import TaskManagerHTTP
import TaskManagerPostgres
import TaskManagerServer
import TaskManagerStore

/// `taskmanager serve`: runs the server until SIGINT or SIGTERM, then shuts down gracefully and exits 0.
///
/// Every option falls back to a `TASKMANAGER_*` environment variable, then to the `ServerConfiguration` default.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Run the TaskManager server.")

    @Option(help: "Address to bind (env TASKMANAGER_HOST; default 127.0.0.1).")
    var host: String?

    @Option(help: "TCP port; 0 picks a free one (env TASKMANAGER_PORT; default 7411).")
    var port: Int?

    @Option(name: .customLong("db"), help: """
        SQLite database file, or sqlite:FILE, or postgres://user:password@host:port/database[?sslmode=disable|prefer|require] \
        (env TASKMANAGER_DB; default ./taskmanager.db).
        """)
    var databasePath: String?

    @Option(help: """
        PostgreSQL only: connections of this server's pool; the database needs max_connections of at least the sum \
        over all servers plus 2 per server (env TASKMANAGER_DB_POOL_SIZE; default 20).
        """)
    var dbPoolSize: Int?

    @Option(help: """
        PostgreSQL only: the longest a waiting claim or watch goes without looking again, should a notification from \
        another server be lost (env TASKMANAGER_DB_RECHECK_INTERVAL_MS; default 1000).
        """)
    var dbRecheckIntervalMs: Int?

    @Option(help: """
        Default lease of a claim in seconds, unless the task type sets one; renewed by progress and heartbeats \
        (env TASKMANAGER_CLAIM_TIMEOUT; default 300).
        """)
    var claimTimeout: Int?

    @Option(help: """
        Milliseconds between runs of the background jobs: expired leases, stalls, retention \
        (env TASKMANAGER_REAPER_INTERVAL_MS; default 1000).
        """)
    var reaperIntervalMs: Int?

    @Option(help: """
        Seconds without progress before a claimed task is marked stalled, unless the task type sets it; 0 = never \
        (env TASKMANAGER_STALL_AFTER; default 600).
        """)
    var stallAfter: Int?

    @Option(help: """
        Seconds to keep completed, failed and cancelled tasks before deleting them; 0 = keep \
        (env TASKMANAGER_RETENTION; default 2592000, 30 days).
        """)
    var retention: Int64?

    @Option(help: """
        Wait before the first retry of a failed task in ms, doubling per attempt; 0 = retry at once \
        (env TASKMANAGER_RETRY_BACKOFF_BASE_MS; default 1000).
        """)
    var retryBackoffBaseMs: Int?

    @Option(help: "Longest wait before a retry in ms (env TASKMANAGER_RETRY_BACKOFF_CAP_MS; default 300000).")
    var retryBackoffCapMs: Int?

    @Option(help: "Attempts per task unless it asks otherwise (env TASKMANAGER_MAX_ATTEMPTS; default 3).")
    var maxAttempts: Int32?

    @Flag(help: "Do not record task history (env TASKMANAGER_NO_HISTORY=1).")
    var noHistory = false

    @Flag(help: "Do not validate task parameters against their schema (env TASKMANAGER_NO_SCHEMA_VALIDATION=1).")
    var noSchemaValidation = false

    @Option(help: "Require this key from clients, except for health; it has the admin role (env TASKMANAGER_API_KEY).")
    var apiKey: String?

    @Option(help: """
        API keys with names and roles, made with `taskmanager keys add`; reread on SIGHUP         (env TASKMANAGER_KEYS_FILE).
        """)
    var keysFile: String?

    @Option(help: """
        full: an acknowledged call survives power loss; normal: it survives a crash of the server \
        (env TASKMANAGER_DURABILITY; default full).
        """)
    var durability: String?

    @Option(help: "Largest frame accepted, in bytes (env TASKMANAGER_MAX_FRAME_BYTES; default 4194304).")
    var maxFrameBytes: Int?

    @Option(help: """
        Unsent answer bytes a connection may hold before the server stops reading its calls \
        (env TASKMANAGER_MAX_UNSENT_BYTES; default 65536).
        """)
    var maxUnsentBytes: Int?

    @Option(help: """
        Seconds a connection may stay in the middle of a frame with nothing more arriving before it is closed; \
        0 = never; idle connections between frames are not affected (env TASKMANAGER_READ_TIMEOUT; default 30).
        """)
    var readTimeout: Int?

    @Option(help: """
        Seconds a connection may stay open with no call in flight and nothing arriving before it gets a GoAway and \
        is closed; 0 = never (env TASKMANAGER_IDLE_TIMEOUT; default 3600).
        """)
    var idleTimeout: Int?

    @Option(help: """
        Open client connections at most; more get a GoAway and are closed at once \
        (env TASKMANAGER_MAX_CONNECTIONS; default 1024).
        """)
    var maxConnections: Int?

    @Flag(help: "Bind a non-loopback host even without an API key (env TASKMANAGER_ALLOW_UNAUTHENTICATED_REMOTE=1).")
    var allowUnauthenticatedRemote = false

    @Option(name: .customLong("tls-cert"), help: "PEM certificate (chain) to serve TLS with, with --tls-key; reread on SIGHUP (env TASKMANAGER_TLS_CERT).")
    var tlsCert: String?

    @Option(name: .customLong("tls-key"), help: "PEM private key of --tls-cert (env TASKMANAGER_TLS_KEY).")
    var tlsKey: String?

    @Option(
        name: .customLong("tls-client-ca"),
        help: "PEM CA that client certificates must be signed by: mutual TLS, a client without one fails the handshake (env TASKMANAGER_TLS_CLIENT_CA).")
    var tlsClientCA: String?

    @Flag(help: """
        With --tls-client-ca: worker calls must carry the worker_id of their client certificate's CN, else PERMISSION_DENIED \
        (env TASKMANAGER_TLS_WORKER_IDENTITY=1).
        """)
    var tlsWorkerIdentity = false

    @Flag(help: "Bind a non-loopback host even without TLS (env TASKMANAGER_ALLOW_PLAINTEXT_REMOTE=1).")
    var allowPlaintextRemote = false

    @Option(help: "trace, debug, info, notice, warning, error or critical (env TASKMANAGER_LOG_LEVEL; default info).")
    var logLevel: String?

    @Option(help: "text or json: one JSON object per line (env TASKMANAGER_LOG_FORMAT; default text).")
    var logFormat: String?

    @Option(help: "Log calls that take longer than this, in ms; 0 = none (env TASKMANAGER_SLOW_CALL_MS; default 200).")
    var slowCallMs: Int?

    @Option(help: """
        Seconds a shutdown (SIGTERM, SIGINT) waits for calls in flight; calls still running then are answered \
        UNAVAILABLE, and watch streams end at once (env TASKMANAGER_DRAIN_TIMEOUT; default 10).
        """)
    var drainTimeout: Int?

    @Option(help: """
        Serve the JSON gateway (POST /taskmanager.v1.TaskService/METHOD), /healthz, /readyz and /metrics \
        (Prometheus) over HTTP on this port; 0 picks a free one \
        (env TASKMANAGER_HTTP_PORT; default off).
        """)
    var httpPort: Int?

    @Option(help: """
        Address of the HTTP port; a non-loopback one needs API keys (or --allow-unauthenticated-remote) and \
        --allow-plaintext-remote (env TASKMANAGER_HTTP_HOST; default 127.0.0.1).
        """)
    var httpHost: String?

    func validate() throws {
        _ = try serverConfiguration()
        _ = try httpConfiguration()
        _ = try resolvedLogLevel()
        _ = try resolvedLogFormat()
    }

    func resolvedLogFormat() throws -> String {
        let format = (logFormat ?? Environment.string("TASKMANAGER_LOG_FORMAT") ?? "text").lowercased()
        guard format == "text" || format == "json" else { throw ValidationError("Invalid log format '\(format)': expected text or json") }
        return format
    }

    func resolvedLogLevel() throws -> Logger.Level {
        guard let text = logLevel ?? Environment.string("TASKMANAGER_LOG_LEVEL") else { return .info }
        guard let level = Logger.Level(rawValue: text.lowercased()) else {
            throw ValidationError("Invalid log level '\(text)': expected one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return level
    }

    func run() async throws {
        // Before the server starts any task: calls then run on their connection's event loop.
        TaskManagerServer.installEventLoopsAsGlobalExecutor()
        let configuration = try serverConfiguration()
        let level = try resolvedLogLevel()
        let json = try resolvedLogFormat() == "json"
        LoggingSystem.bootstrap { label in
            if json {
                var handler = JSONLogHandler(label: label)
                handler.logLevel = level
                return handler
            }
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "taskmanager")

        let http = try httpConfiguration()
        // Metrics are recorded only when something can read them.
        let exporter = http.map { _ in PrometheusExporter() }
        let server: TaskManagerServer
        var postgres: PostgresTaskStore?
        let poolSize = try poolSize()
        let recheckInterval = try recheckInterval()
        do {
            var configuration = configuration
            if PostgresURL.isPostgres(configuration.databasePath) {
                let url = configuration.databasePath
                // The URL may hold a password: the server logs the database it serves.
                configuration.databasePath = PostgresURL.redacted(url)
                postgres = try await PostgresTaskStore.open(url: url, recordHistory: configuration.recordHistory,
                                                            maximumConnections: poolSize, recheckInterval: recheckInterval,
                                                            logger: Logger(label: "taskmanager.postgres"))
            }
            server = try await TaskManagerServer.start(
                configuration: configuration, store: postgres, logger: logger, metrics: exporter?.serverMetrics)
        } catch {
            postgres?.close()
            logger.critical("Cannot start the server: \(error)")
            throw ExitCode.failure
        }
        defer { postgres?.close() }
        var httpServer: HTTPServer?
        if let http, let exporter {
            do {
                httpServer = try await HTTPServer.start(host: http.host, port: http.port, server: server, exporter: exporter, logger: logger)
            } catch {
                logger.critical("Cannot start the HTTP port: \(error)")
                await server.shutdown()
                throw ExitCode.failure
            }
        }

        let (signals, continuation) = AsyncStream.makeStream(of: Int32.self)
        let sources = [SIGINT, SIGTERM].map { number in
            // The default action would kill the process before the dispatch source sees the signal.
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { continuation.yield(number) }
            source.resume()
            return source
        }
        defer { sources.forEach { $0.cancel() } }
        signal(SIGHUP, SIG_IGN)
        let reload = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
        reload.setEventHandler {
            do {
                try server.reloadKeys()
            } catch {
                logger.error("Keys file not reloaded, the old keys stay: \(error)")
            }
            do {
                try server.reloadTLS()
            } catch {
                logger.error("TLS files not reloaded, the old certificate stays: \(error)")
            }
        }
        reload.resume()
        defer { reload.cancel() }

        let onSignal = _Concurrency.Task {
            for await number in signals {
                logger.info("Received \(number == SIGINT ? "SIGINT" : "SIGTERM"), shutting down")
                await server.shutdown()
                return
            }
        }
        await server.waitUntilClosed()
        continuation.finish()
        await onSignal.value
        // Waits for the drain when the socket closed for another reason; does nothing after a signal's shutdown.
        await server.shutdown()
        // Last, so that /readyz says "shutting down" while calls drain.
        await httpServer?.stop()
    }
}
