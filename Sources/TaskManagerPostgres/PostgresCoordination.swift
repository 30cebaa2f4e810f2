import Logging
import PostgresNIO
import Synchronization
import TaskManagerStore

/// How the servers on one PostgreSQL database act together: they tell each other of changes with `NOTIFY` on one
/// channel, heard on a `LISTEN` connection of their own while one of their calls waits (a long-poll claim, a watch
/// stream), and the one holding a session advisory lock runs the background jobs.
///
/// A listening backend reads every notification in a transaction of its own, so a server whose calls do not wait
/// (workers that claim without `wait_ms`) does not listen: it would cost the database work for nothing.
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
        /// Calls of this server waiting for changes now.
        var waitingCalls = 0
        /// When `waitingCalls` last became 0.
        var idleSince = ContinuousClock.now
        /// The listening loop, while it waits for a call to wait.
        var interest: CheckedContinuation<Void, Never>?
    }

    /// How long the server keeps listening after its last waiting call ended.
    let listenLinger: Duration

    struct ListeningEnded: Error {}

    private let state = Mutex(State())

    init(configuration: PostgresConnection.Configuration, recheckInterval: Duration, listenLinger: Duration = .seconds(5),
         logger: Logger) {
        self.configuration = configuration
        self.listenLinger = listenLinger
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

    /// Keeps a connection open (for NOTIFY, and for LISTEN while a call waits), reconnecting every second while
    /// the database cannot be reached.
    private func listen() async {
        while !_Concurrency.Task.isCancelled {
            var opened: PostgresConnection?
            do {
                // Connecting has its own timeout (the configuration's, 10 s); a connection left behind by a deadline
                // could not be closed.
                let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
                opened = connection
                try await connection.query("SET synchronous_commit = off", logger: logger)
                if state.withLock({ state in
                    state.connection = connection
                    state.sending = false
                    return state.closed
                }) { break }
                while !_Concurrency.Task.isCancelled {
                    await untilACallWaits()
                    if _Concurrency.Task.isCancelled { break }
                    try await listenWhileCallsWait(on: connection)
                }
            } catch where !_Concurrency.Task.isCancelled {
                logger.warning("Lost the LISTEN connection to PostgreSQL; waiting calls look again every \(recheckInterval)",
                               metadata: ["error": "\(String(reflecting: error))"])
            } catch {}
            state.withLock { $0.connection = nil }
            if let opened { try? await opened.close() }
            if _Concurrency.Task.isCancelled { break }
            try? await _Concurrency.Task.sleep(for: .seconds(1))
        }
    }

    /// LISTENs until no call has waited for `listenLinger`, then UNLISTENs. Every waiting call looks again once the
    /// LISTEN is in place: a change made before it was not heard.
    private func listenWhileCallsWait(on connection: PostgresConnection) async throws {
        try await connection.listen(on: Self.channel) { notifications in
            for change in StoreChange.allCases { deliver(change) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for try await notification in notifications {
                        guard let (change, sender) = Self.parse(notification.payload), sender != self.instance else { continue }
                        self.deliver(change)
                    }
                    throw ListeningEnded()
                }
                group.addTask { await self.untilNoCallWaits() }
                defer { group.cancelAll() }
                try await group.next()
            }
        }
    }

    func callWaits(_ waits: Bool) {
        let interest = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.waitingCalls += waits ? 1 : -1
            if state.waitingCalls == 0 { state.idleSince = .now }
            guard waits else { return nil }
            defer { state.interest = nil }
            return state.interest
        }
        interest?.resume()
    }

    /// Returns when a call waits (at once if one does), or when the loop is cancelled.
    private func untilACallWaits() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = state.withLock { state -> Bool in
                    if state.waitingCalls > 0 || state.closed { return true }
                    state.interest = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            state.withLock { state in defer { state.interest = nil }; return state.interest }?.resume()
        }
    }

    /// Returns once no call has waited for `listenLinger`, or when cancelled.
    private func untilNoCallWaits() async {
        while !_Concurrency.Task.isCancelled {
            let idle = state.withLock { $0.waitingCalls == 0 && ContinuousClock.now - $0.idleSince >= listenLinger }
            if idle { return }
            try? await _Concurrency.Task.sleep(for: .milliseconds(250))
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
        let (listening, connection, interest) = state.withLock { state in
            state.closed = true
            defer { state.interest = nil }
            return (state.listening, state.connection, state.interest)
        }
        interest?.resume()
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
