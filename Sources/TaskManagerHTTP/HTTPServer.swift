import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import ServiceLifecycle
import TaskManagerServer
import struct TaskManagerServer.ServerConfiguration

/// The HTTP side port (`taskmanager serve --http-port`): the dashboard, `/healthz`, `/readyz`, `/metrics` and the JSON gateway
/// (`POST /taskmanager.v1.TaskService/<Method>`), served by
/// Hummingbird on the server's own event loops, beside the binary port.
///
/// Start it once the `TaskManagerServer` runs, read the bound `port`, and `stop()` it when the server shuts down.
public final class HTTPServer: Sendable {
    /// The address actually bound.
    public let host: String
    /// The port actually bound (useful when asked for 0).
    public let port: Int
    private let group: ServiceGroup
    private let running: _Concurrency.Task<Void, any Error>

    private init(host: String, port: Int, group: ServiceGroup, running: _Concurrency.Task<Void, any Error>) {
        self.host = host
        self.port = port
        self.group = group
        self.running = running
    }

    /// Binds `host`:`port` and serves the endpoints of `server`, with the metrics of `exporter` (those the server
    /// was started with).
    ///
    /// With TLS on the server (`ServerConfiguration.tls`) the port serves HTTPS with the same certificate, without
    /// asking for client certificates (probes have none; `/metrics` takes an API key). A non-loopback `host`
    /// follows the binary port's rule, where only API keys authenticate: it needs keys (or
    /// `allowUnauthenticatedRemote`) and TLS (or `allowPlaintextRemote`), else 127.0.0.1 is bound instead and the
    /// log says what to set.
    /// - Throws: `HTTPServerError` when the port cannot be bound, `TLSFileError` when a TLS file cannot be used.
    public static func start(
        host: String, port: Int, server: TaskManagerServer, exporter: PrometheusExporter, logger: Logger
    ) async throws -> HTTPServer {
        let bindHost = bindAddress(host, server.configuration, logger: logger)
        let routes = try HTTPRoutes(server: server, exporter: exporter)
        let (bound, boundContinuation) = AsyncStream.makeStream(of: Int.self)
        var quiet = logger
        // Hummingbird logs each start and request at info/debug; the server's own line below says where it listens.
        quiet.logLevel = max(logger.logLevel, .warning)
        var serverBuilder = HTTPServerBuilder.http1()
        if let tls = server.configuration.tls {
            var configuration = try tls.makeConfiguration()
            configuration.certificateVerification = .none
            configuration.trustRoots = nil
            serverBuilder = try .tls(.http1(), tlsConfiguration: configuration)
        }
        let application = Application(
            router: routes.router(),
            server: serverBuilder,
            configuration: ApplicationConfiguration(address: .hostname(bindHost, port: port), serverName: nil),
            onServerRunning: { channel in boundContinuation.yield(channel.localAddress?.port ?? port) },
            eventLoopGroupProvider: .shared(MultiThreadedEventLoopGroup.singleton),
            logger: quiet)
        let group = ServiceGroup(configuration: .init(services: [application], gracefulShutdownSignals: [], logger: quiet))
        let running = _Concurrency.Task {
            defer { boundContinuation.finish() }
            try await group.run()
        }
        var ports = bound.makeAsyncIterator()
        guard let actualPort = await ports.next() else {
            do {
                try await running.value
            } catch {
                throw HTTPServerError(message: "Cannot bind the HTTP port \(bindHost):\(port): \(error)")
            }
            throw HTTPServerError(message: "The HTTP port \(bindHost):\(port) stopped before it started")
        }
        let scheme = server.configuration.tls == nil ? "HTTP" : "HTTPS"
        logger.info("HTTP port listening on \(bindHost):\(actualPort) (\(scheme): the dashboard at /, the JSON gateway, /healthz, /readyz, /metrics)")
        return HTTPServer(host: bindHost, port: actualPort, group: group, running: running)
    }

    /// Stops accepting, lets requests in flight finish, and returns once the port is closed. Later calls do nothing.
    public func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await running.value
    }

    /// The rule of `TaskManagerServer`'s binary port, for a port whose only authentication is API keys.
    static func bindAddress(_ host: String, _ configuration: ServerConfiguration, logger: Logger) -> String {
        if host == "localhost" || host == "::1" || host.hasPrefix("127.") { return host }
        let hasKey = !(configuration.apiKey ?? "").isEmpty || configuration.keysFile != nil
        var refusals: [String] = []
        if !hasKey && !configuration.allowUnauthenticatedRemote {
            refusals.append(
                "No API key set: the HTTP port binds 127.0.0.1 instead of \(host). Set --api-key or --keys-file, or --allow-unauthenticated-remote to bind \(host) anyway")
        }
        if configuration.tls == nil && !configuration.allowPlaintextRemote {
            refusals.append(
                "No TLS: the HTTP port binds 127.0.0.1 instead of \(host). Set --tls-cert and --tls-key, or --allow-plaintext-remote to bind \(host) anyway")
        }
        guard refusals.isEmpty else {
            refusals.forEach { logger.warning("\($0)") }
            return "127.0.0.1"
        }
        return host
    }
}

/// The HTTP port could not start.
public struct HTTPServerError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
