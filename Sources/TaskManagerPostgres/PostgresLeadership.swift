import Logging
import PostgresNIO

/// Leadership of the background jobs among the servers of one database: the leader holds a session advisory lock
/// on a connection of its own.
///
/// A server that dies loses its connection, which releases the lock: the next server to ask takes it. A leader checks
/// at every ask that its connection still answers; when it does not (the database restarted, the network broke), it
/// stops leading and closes the connection, which also releases the lock on the database's side.
actor PostgresLeadership {
    private let configuration: PostgresConnection.Configuration
    private let logger: Logger
    private var connection: PostgresConnection?
    private var leading = false

    init(configuration: PostgresConnection.Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Whether this server leads now: takes the lock when it is free.
    func leads() async -> Bool {
        do {
            let connection: PostgresConnection
            if let open = self.connection {
                connection = open
            } else {
                // Connecting has its own timeout (the configuration's, 10 s).
                connection = try await PostgresConnection.connect(configuration: configuration, id: 2, logger: logger)
                self.connection = connection
            }
            // The lock is the session's: while its connection answers, a leader still holds it.
            let sql = leading ? "SELECT TRUE" : "SELECT pg_try_advisory_lock(\(PostgresCoordination.leaderLockKey))"
            let held = try await PostgresTaskStore.withDeadline(PostgresCoordination.statementTimeout, logger: logger,
                                                                "Leadership check") { [logger] in
                try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger).collect().first?.decode(Bool.self) ?? false
            }
            if held, !leading {
                logger.notice("Background jobs run on this server now")
            }
            leading = held
            return held
        } catch {
            if leading {
                logger.warning("Background jobs stopped on this server: its PostgreSQL connection failed",
                               metadata: ["error": "\(String(reflecting: error))"])
            }
            leading = false
            let failed = connection
            connection = nil
            if let failed { _Concurrency.Task { try? await failed.close() } }
            return false
        }
    }

    /// Gives the lock up: another server takes it at its next ask.
    func resign() async {
        if leading { logger.notice("Background jobs left to the other servers") }
        leading = false
        try? await connection?.close()
        connection = nil
    }
}
