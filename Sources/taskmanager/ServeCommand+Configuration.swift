import ArgumentParser
import TaskManagerCore
import TaskManagerPostgres
import TaskManagerServer

extension ServeCommand {
    /// The configuration from options, then environment, then defaults.
    /// - Throws: `ValidationError` for a malformed variable or a value out of range.
    func serverConfiguration() throws -> ServerConfiguration {
        var configuration = ServerConfiguration()
        configuration.host = host ?? Environment.string("TASKMANAGER_HOST") ?? configuration.host
        configuration.port = try port ?? Environment.integer("TASKMANAGER_PORT") ?? configuration.port
        configuration.databasePath = databasePath ?? Environment.string("TASKMANAGER_DB") ?? configuration.databasePath
        configuration.claimTimeoutSeconds =
            try claimTimeout ?? Environment.integer("TASKMANAGER_CLAIM_TIMEOUT") ?? configuration.claimTimeoutSeconds
        configuration.reaperIntervalMs =
            try reaperIntervalMs ?? Environment.integer("TASKMANAGER_REAPER_INTERVAL_MS") ?? configuration.reaperIntervalMs
        configuration.stallAfterSeconds =
            try stallAfter ?? Environment.integer("TASKMANAGER_STALL_AFTER") ?? configuration.stallAfterSeconds
        configuration.retentionSeconds =
            try retention ?? Environment.integer("TASKMANAGER_RETENTION") ?? configuration.retentionSeconds
        configuration.retryBackoffBaseMs =
            try retryBackoffBaseMs ?? Environment.integer("TASKMANAGER_RETRY_BACKOFF_BASE_MS") ?? configuration.retryBackoffBaseMs
        configuration.retryBackoffCapMs =
            try retryBackoffCapMs ?? Environment.integer("TASKMANAGER_RETRY_BACKOFF_CAP_MS") ?? configuration.retryBackoffCapMs
        configuration.maxAttempts = try maxAttempts ?? Environment.integer("TASKMANAGER_MAX_ATTEMPTS") ?? configuration.maxAttempts
        configuration.recordHistory = !(try noHistory || Environment.flag("TASKMANAGER_NO_HISTORY"))
        configuration.schemaValidation = !(try noSchemaValidation || Environment.flag("TASKMANAGER_NO_SCHEMA_VALIDATION"))
        configuration.apiKey = apiKey ?? Environment.string("TASKMANAGER_API_KEY")
        configuration.keysFile = keysFile ?? Environment.string("TASKMANAGER_KEYS_FILE")
        configuration.slowCallMs = try slowCallMs ?? Environment.integer("TASKMANAGER_SLOW_CALL_MS") ?? configuration.slowCallMs
        guard configuration.slowCallMs >= 0 else { throw ValidationError("Slow call threshold must not be negative") }
        switch (durability ?? Environment.string("TASKMANAGER_DURABILITY") ?? "full").lowercased() {
        case "full": configuration.durability = .full
        case "normal": configuration.durability = .normal
        case let other: throw ValidationError("Invalid durability '\(other)': expected full or normal")
        }
        configuration.maxFrameBytes =
            try maxFrameBytes ?? Environment.integer("TASKMANAGER_MAX_FRAME_BYTES") ?? configuration.maxFrameBytes
        configuration.maxUnsentBytesPerConnection =
            try maxUnsentBytes ?? Environment.integer("TASKMANAGER_MAX_UNSENT_BYTES") ?? configuration.maxUnsentBytesPerConnection
        configuration.readTimeoutSeconds =
            try readTimeout ?? Environment.integer("TASKMANAGER_READ_TIMEOUT") ?? configuration.readTimeoutSeconds
        configuration.idleTimeoutSeconds =
            try idleTimeout ?? Environment.integer("TASKMANAGER_IDLE_TIMEOUT") ?? configuration.idleTimeoutSeconds
        configuration.maxConnections =
            try maxConnections ?? Environment.integer("TASKMANAGER_MAX_CONNECTIONS") ?? configuration.maxConnections
        configuration.allowUnauthenticatedRemote =
            try allowUnauthenticatedRemote || Environment.flag("TASKMANAGER_ALLOW_UNAUTHENTICATED_REMOTE")
        configuration.allowPlaintextRemote = try allowPlaintextRemote || Environment.flag("TASKMANAGER_ALLOW_PLAINTEXT_REMOTE")
        configuration.tls = try tlsConfiguration()
        configuration.shutdownGraceSeconds =
            try drainTimeout ?? Environment.integer("TASKMANAGER_DRAIN_TIMEOUT") ?? configuration.shutdownGraceSeconds

        guard (0...65535).contains(configuration.port) else { throw ValidationError("Port must be between 0 and 65535") }
        guard configuration.claimTimeoutSeconds > 0 else { throw ValidationError("Claim timeout must be at least 1 second") }
        try Self.check(configuration.reaperIntervalMs, "Reaper interval", minimum: 1, unit: " ms")
        try Self.check(configuration.stallAfterSeconds, "Stall after", minimum: 0, unit: " seconds")
        try Self.check(configuration.retentionSeconds, "Retention", minimum: 0, unit: " seconds")
        try Self.check(configuration.retryBackoffBaseMs, "Retry backoff base", minimum: 0, unit: " ms")
        try Self.check(configuration.retryBackoffCapMs, "Retry backoff cap", minimum: 0, unit: " ms")
        guard configuration.retryBackoffBaseMs == 0 || configuration.retryBackoffCapMs >= configuration.retryBackoffBaseMs else {
            throw ValidationError("Retry backoff cap must not be below the retry backoff base")
        }
        guard configuration.maxAttempts > 0 else { throw ValidationError("Max attempts must be at least 1") }
        guard configuration.maxFrameBytes > 0 else { throw ValidationError("Max frame bytes must be positive") }
        try Self.check(configuration.maxUnsentBytesPerConnection, "Max unsent bytes", minimum: 1, unit: "")
        try Self.check(configuration.readTimeoutSeconds, "Read timeout", minimum: 0, unit: " seconds")
        try Self.check(configuration.idleTimeoutSeconds, "Idle timeout", minimum: 0, unit: " seconds")
        try Self.check(configuration.maxConnections, "Max connections", minimum: 1, unit: "")
        try Self.check(configuration.shutdownGraceSeconds, "Drain timeout", minimum: 0, unit: " seconds")
        if configuration.databasePath.hasPrefix("sqlite:") {
            configuration.databasePath.removeFirst("sqlite:".count)
        } else if PostgresURL.isPostgres(configuration.databasePath) {
            do {
                _ = try PostgresURL(configuration.databasePath)
            } catch let error as TaskManagerError {
                throw ValidationError(error.message)
            }
        }
        guard !configuration.databasePath.isEmpty else { throw ValidationError("Database path must not be empty") }
        return configuration
    }

    /// The HTTP port's address from options, then environment; nil when it is off (no port given).
    func httpConfiguration() throws -> (host: String, port: Int)? {
        let host = httpHost ?? Environment.string("TASKMANAGER_HTTP_HOST")
        guard let port = try httpPort ?? Environment.integer("TASKMANAGER_HTTP_PORT") else {
            guard host == nil else { throw ValidationError("--http-host needs --http-port") }
            return nil
        }
        guard (0...65535).contains(port) else { throw ValidationError("HTTP port must be between 0 and 65535") }
        let configuration = try serverConfiguration()
        if port != 0 && port == configuration.port { throw ValidationError("HTTP port \(port) is the binary port: choose another") }
        guard host != "" else { throw ValidationError("HTTP host must not be empty") }
        return (host ?? "127.0.0.1", port)
    }

    /// The TLS settings from options, then environment; nil when no certificate is given.
    private func tlsConfiguration() throws -> ServerTLS? {
        let certificate = tlsCert ?? Environment.string("TASKMANAGER_TLS_CERT")
        let key = tlsKey ?? Environment.string("TASKMANAGER_TLS_KEY")
        let clientCA = tlsClientCA ?? Environment.string("TASKMANAGER_TLS_CLIENT_CA")
        let workerIdentity = try tlsWorkerIdentity || Environment.flag("TASKMANAGER_TLS_WORKER_IDENTITY")
        guard let certificate, let key else {
            guard certificate == nil, key == nil else { throw ValidationError("--tls-cert and --tls-key go together") }
            guard clientCA == nil else { throw ValidationError("--tls-client-ca needs --tls-cert and --tls-key") }
            guard !workerIdentity else { throw ValidationError("--tls-worker-identity needs --tls-client-ca") }
            return nil
        }
        guard clientCA != nil || !workerIdentity else { throw ValidationError("--tls-worker-identity needs --tls-client-ca") }
        return ServerTLS(certificatePath: certificate, privateKeyPath: key, clientCAPath: clientCA, requireWorkerIdentity: workerIdentity)
    }

    /// Checks that `value` is between `minimum` and 2147483647 (the range of the proto's int32 settings, and far
    /// from overflowing once turned into milliseconds).
    /// The PostgreSQL pool's size: `--db-pool-size`, TASKMANAGER_DB_POOL_SIZE or the default.
    func poolSize() throws -> Int {
        let size = try dbPoolSize ?? Environment.integer("TASKMANAGER_DB_POOL_SIZE") ?? PostgresTaskStore.defaultPoolSize
        guard (1...1000).contains(size) else { throw ValidationError("Database pool size must be between 1 and 1000") }
        return size
    }

    /// How often waiting calls look again on PostgreSQL: `--db-recheck-interval-ms`, its variable or 1 s.
    func recheckInterval() throws -> Duration {
        let ms = try dbRecheckIntervalMs ?? Environment.integer("TASKMANAGER_DB_RECHECK_INTERVAL_MS") ?? 1000
        try Self.check(ms, "Database recheck interval", minimum: 10, unit: " ms")
        return .milliseconds(ms)
    }

    private static func check<T: FixedWidthInteger>(_ value: T, _ name: String, minimum: T, unit: String) throws {
        if value < minimum {
            throw ValidationError(minimum == 0 ? "\(name) must not be negative" : "\(name) must be at least \(minimum)\(unit)")
        }
        if value > T(Int32.max) { throw ValidationError("\(name) must be at most \(Int32.max)\(unit)") }
    }
}
