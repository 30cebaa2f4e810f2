import Logging
import PostgresNIO
import Synchronization
import TaskManagerStore

/// How the servers on one PostgreSQL database act together: they tell each other of changes with `NOTIFY` on one
/// channel, heard on a `LISTEN` connection of their own, and the one holding a session advisory lock runs the
/// background jobs.
///
/// Announcements are coalesced: at most one `NOTIFY` statement is in flight per server, and a new one waits
/// `announceGap` after the last, so a busy server sends at most 100 a second however many calls it answers. They
/// are sent with `synchronous_commit` off on that connection (a lost wake-up costs at most `recheckInterval`, and
/// must not cost a WAL flush). The payload names the kind and the sending server, which ignores its own.
final class PostgresCoordination: StoreCoordination {
    /// The channel every server listens on.
    static let channel = "taskmanager_changes"
    /// The session advisory lock that the server running the background jobs holds ("TaskMgLd" in ASCII).
    static let leaderLockKey: Int64 = 0x5461_736B_4D67_4C64
    /// The shortest time between two `NOTIFY` statements of one server. Each costs a transaction in every
    /// server's LISTEN backend as well (PostgreSQL reads notifications in one), so a busy server sends at most 100
    /// a second; a wake-up across servers comes at most this much later.
    static let announceGap: Duration = .milliseconds(10)
    /// How long the coordination's own statements may take before their connection is given up.
    static let statementTimeout: Duration = .seconds(5)

    let recheckInterval: Duration
    /// Names this server in its notifications.
    let instance: String
    private let configuration: PostgresConnection.Configuration
    private let logger: Logger
    private let leadership: PostgresLeadership

    private struct State {
        var listeners: [@Sendable (StoreChange) -> Void] = []
        var listening: _Concurrency.Task<Void, Never>?
        /// The LISTEN connection, also used to send; nil while reconnecting.
        var connection: PostgresConnection?
        var pending: Set<StoreChange> = []
        var sending = false
        var closed = false
    }

    private let state = Mutex(State())

    init(configuration: PostgresConnection.Configuration, recheckInterval: Duration, logger: Logger) {
        self.configuration = configuration
        self.recheckInterval = recheckInterval
        self.logger = logger
        instance = String(UInt64.random(in: 1...UInt64.max), radix: 36)
        leadership = PostgresLeadership(configuration: configuration, logger: logger)
    }

    func start(heard: @escaping @Sendable (StoreChange) -> Void) {
        let first = state.withLock { state -> Bool in
            state.listeners.append(heard)
            return state.listening == nil && !state.closed
        }
        guard first else { return }
        let listening = _Concurrency.Task { await listen() }
        state.withLock { $0.listening = listening }
    }

    /// Keeps a LISTEN connection open, reconnecting every second while the database cannot be reached.
    private func listen() async {
        var lost = false
        while !_Concurrency.Task.isCancelled {
            var opened: PostgresConnection?
            do {
                // Connecting has its own timeout (the configuration's, 10 s); a connection left behind by a deadline
                // could not be closed.
                let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
                opened = connection
                try await connection.query("SET synchronous_commit = off", logger: logger)
                try await connection.listen(on: Self.channel) { notifications in
                    let closed = state.withLock { state in
                        state.connection = connection
                        state.sending = false
                        return state.closed
                    }
                    if closed { return }
                    if lost {
                        logger.notice("Hearing other servers' changes again")
                        for change in StoreChange.allCases { deliver(change) }
                    }
                    for try await notification in notifications {
                        guard let (change, sender) = Self.parse(notification.payload), sender != instance else { continue }
                        deliver(change)
                    }
                }
            } catch where !_Concurrency.Task.isCancelled {
                logger.warning("Lost the LISTEN connection to PostgreSQL; waiting calls look again every \(recheckInterval)",
                               metadata: ["error": "\(String(reflecting: error))"])
            } catch {}
            lost = true
            state.withLock { $0.connection = nil }
            if let opened { try? await opened.close() }
            if _Concurrency.Task.isCancelled { break }
            try? await _Concurrency.Task.sleep(for: .seconds(1))
        }
    }

    private func deliver(_ change: StoreChange) {
        for listener in state.withLock({ $0.listeners }) { listener(change) }
    }

    func announce(_ change: StoreChange) {
        let connection = state.withLock { state -> PostgresConnection? in
            state.pending.insert(change)
            guard !state.sending, let connection = state.connection else { return nil }
            state.sending = true
            return connection
        }
        guard let connection else { return }
        _Concurrency.Task { await sendPending(on: connection) }
    }

    /// Sends what is pending, one statement at a time, until nothing is.
    private func sendPending(on connection: PostgresConnection) async {
        while true {
            let changes = state.withLock { state -> Set<StoreChange> in
                defer { state.pending.removeAll() }
                if state.pending.isEmpty || state.connection !== connection { state.sending = false }
                return state.connection === connection ? state.pending : []
            }
            if changes.isEmpty { return }
            let notifies = changes.map { "pg_notify('\(Self.channel)', '\(Self.name($0)) \(instance)')" }
            do {
                try await connection.query(PostgresQuery(unsafeSQL: "SELECT " + notifies.joined(separator: ", ")), logger: logger)
            } catch {
                logger.debug("NOTIFY failed", metadata: ["error": "\(String(reflecting: error))"])
            }
            try? await _Concurrency.Task.sleep(for: Self.announceGap)
        }
    }

    func leadsBackgroundJobs() async -> Bool {
        if state.withLock({ $0.closed }) { return false }
        return await leadership.leads()
    }

    /// Stops listening and gives up the leadership at once (its connection is closed, which releases the lock).
    func close() {
        let (listening, connection) = state.withLock { state in
            state.closed = true
            return (state.listening, state.connection)
        }
        listening?.cancel()
        _Concurrency.Task { [leadership] in
            try? await connection?.close()
            await leadership.resign()
        }
    }

    static func name(_ change: StoreChange) -> String {
        switch change {
        case .claimable: return "claimable"
        case .history: return "history"
        }
    }

    /// The change and the sending server of a payload "KIND SERVER"; nil for anything else.
    static func parse(_ payload: String) -> (StoreChange, String)? {
        let parts = payload.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, let change = StoreChange.allCases.first(where: { name($0) == parts[0] }) else { return nil }
        return (change, String(parts[1]))
    }
}
