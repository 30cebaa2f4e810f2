import Logging
import Synchronization
import TaskManagerCore

/// Ends the calls that PostgreSQL leaves unanswered: every call registers its deadline here, and one sweep every
/// `tick` expires those past theirs. A lock and a dictionary entry per call, where a timer per call costs a timer
/// to arm and cancel on another thread.
final class PostgresDeadlines: Sendable {
    /// The deadlines of every store in the process.
    static let shared = PostgresDeadlines(tick: .milliseconds(250))

    private struct Entry {
        var deadline: ContinuousClock.Instant
        var expire: @Sendable () -> Void
    }

    private struct State {
        var nextID: UInt64 = 0
        var entries: [UInt64: Entry] = [:]
        var sweeping = false
    }

    private let state = Mutex(State())
    private let tick: Duration

    init(tick: Duration) {
        self.tick = tick
    }

    /// Registers a call: `expire` runs (once, from the sweep) when the call is still registered `timeout` from now.
    /// - Returns: the call's id for `remove`.
    func add(_ timeout: Duration, expire: @escaping @Sendable () -> Void) -> UInt64 {
        let deadline = ContinuousClock.now + timeout
        let (id, startSweep) = state.withLock { state -> (UInt64, Bool) in
            defer { state.nextID &+= 1 }
            state.entries[state.nextID] = Entry(deadline: deadline, expire: expire)
            let start = !state.sweeping
            state.sweeping = true
            return (state.nextID, start)
        }
        if startSweep { _Concurrency.Task { await sweep() } }
        return id
    }

    /// Unregisters a call that ended.
    func remove(_ id: UInt64) {
        _ = state.withLock { $0.entries.removeValue(forKey: id) }
    }

    /// Expires what is due every tick, while any call is registered.
    private func sweep() async {
        while true {
            try? await _Concurrency.Task.sleep(for: tick)
            let now = ContinuousClock.now
            let (due, done) = state.withLock { state -> ([Entry], Bool) in
                let due = state.entries.filter { $0.value.deadline <= now }
                for id in due.keys { state.entries.removeValue(forKey: id) }
                if state.entries.isEmpty { state.sweeping = false }
                return (Array(due.values), !state.sweeping)
            }
            for entry in due { entry.expire() }
            if done { return }
        }
    }

    /// `then`, made to run once: with the first outcome given to the returned closure, or with `UNAVAILABLE`
    /// "Database is unavailable" once `timeout` has passed (logged, after `expired` ran).
    func answerOnce<T: Sendable>(_ timeout: Duration, logger: Logger, _ what: String,
                                 then: @escaping @Sendable (Result<T, any Error>) -> Void,
                                 expired: @escaping @Sendable () -> Void = {}) -> @Sendable (Result<T, any Error>) -> Void {
        let answered = Mutex(false)
        let firstAnswer: @Sendable () -> Bool = { answered.withLock { done in defer { done = true }; return !done } }
        let registered = Mutex<UInt64?>(nil)
        let id = add(timeout) {
            guard firstAnswer() else { return }
            logger.error("\(what) took longer than \(timeout); answered UNAVAILABLE")
            expired()
            then(.failure(TaskManagerError(.unavailable, "Database is unavailable")))
        }
        registered.withLock { $0 = id }
        return { [self] result in
            guard firstAnswer() else { return }
            if let id = registered.withLock({ $0 }) { remove(id) }
            then(result)
        }
    }
}
