import NIOConcurrencyHelpers

/// Wakes the calls that wait for something to change: long-poll claims (a task may have become claimable) and
/// watch streams (history was written).
///
/// A waiter reads `generation` before it looks and waits only while no notification came after that read, so a
/// change that lands between the look and the wait is never missed.
///
/// With a store shared by several servers, `notify()` also hands the change to `relay` (which tells the other
/// servers), and what they tell comes in through `notifyLocally()`.
final class ChangeNotifier: Sendable {
    private struct State {
        var generation: UInt64 = 0
        var nextWaiterID: UInt64 = 0
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
    }

    private let state = NIOLockedValueBox(State())
    private let relay: (@Sendable () -> Void)?
    /// Told when a waiter starts (`true`) and ends (`false`).
    private let waiting: (@Sendable (Bool) -> Void)?

    init(relay: (@Sendable () -> Void)? = nil, waiting: (@Sendable (Bool) -> Void)? = nil) {
        self.relay = relay
        self.waiting = waiting
    }

    /// Counts notifications; read it before looking for a task.
    var generation: UInt64 { state.withLockedValue { $0.generation } }

    /// Wakes every waiter, and tells the other servers sharing the store.
    func notify() {
        notifyLocally()
        relay?()
    }

    /// Wakes every waiter of this server.
    func notifyLocally() {
        let waiters = state.withLockedValue { state -> [CheckedContinuation<Void, Never>] in
            state.generation &+= 1
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns after a notification later than `generation`, after `timeout`, or when the task is cancelled.
    func wait(after generation: UInt64, timeout: Duration) async {
        waiting?(true)
        defer { waiting?(false) }
        let id = state.withLockedValue { state -> UInt64 in
            defer { state.nextWaiterID &+= 1 }
            return state.nextWaiterID
        }
        let timer = _Concurrency.Task { [self] in
            try? await _Concurrency.Task.sleep(for: timeout)
            resume(id)
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = state.withLockedValue { state -> Bool in
                    if state.generation != generation { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            resume(id)
        }
        timer.cancel()
    }

    private func resume(_ id: UInt64) {
        state.withLockedValue { $0.waiters.removeValue(forKey: id) }?.resume()
    }
}
