import NIOConcurrencyHelpers
import TaskManagerCore

/// Reports one task's progress without flooding the server, and without ever failing the task.
///
/// `report` sends at most one update per `minimumInterval` (1 s), except that it always sends the first report,
/// a report that reaches a new 5 % step (`percent / 5` above that of the last update sent) and a report of 100.
/// Within the interval other reports are dropped; after it, any report that differs from the last one sent goes
/// out. A failed update goes to `onError` and is not thrown: progress is advisory, the outcome is what counts.
public final class ProgressReporter: Sendable {
    /// Sends one update: `percent` is already clamped to 0...100.
    public typealias Send = @Sendable (_ percent: Int, _ message: String) async throws -> Void

    private struct Sent {
        var percent: Int
        var message: String
        var at: ContinuousClock.Instant
    }

    private let send: Send
    private let now: @Sendable () -> ContinuousClock.Instant
    private let onError: @Sendable (any Error) -> Void
    private let minimumInterval: Duration
    private let last = NIOLockedValueBox<Sent?>(nil)

    /// A reporter that hands its updates to `send`.
    ///
    /// - Parameters:
    ///   - minimumInterval: the throttle window.
    ///   - now: the clock of the throttle; tests pass their own.
    ///   - onError: receives the error of a failed update.
    ///   - send: performs one update.
    public init(
        minimumInterval: Duration = .seconds(1),
        now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now },
        onError: @escaping @Sendable (any Error) -> Void = { _ in },
        send: @escaping Send
    ) {
        self.minimumInterval = minimumInterval
        self.now = now
        self.onError = onError
        self.send = send
    }

    /// A reporter that calls `UpdateProgress` on `taskID` as `workerID`, for the claim's `attempt` (0 = not
    /// checked). A reply that says a cancel was requested, or an answer "Lease lost", goes to `claim`.
    public convenience init(
        client: TaskManagerClient, taskID: Int64, workerID: String, attempt: Int32 = 0, claim: ClaimState? = nil,
        now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now },
        onError: @escaping @Sendable (any Error) -> Void = { _ in }
    ) {
        self.init(now: now, onError: onError) { percent, message in
            do {
                let response = try await client.updateProgress(
                    UpdateProgressRequest(id: taskID, workerID: workerID, progress: Int32(percent), message: message, attempt: attempt))
                if response.cancelRequested { claim?.requestCancel() }
            } catch let error as TaskManagerError where error.isLostClaim {
                claim?.loseLease()
                throw error
            }
        }
    }

    /// Reports `percent` (clamped to 0...100) and `message`, unless the throttle drops it.
    public func report(_ percent: Int, _ message: String = "") async {
        let percent = min(max(percent, 0), 100)
        let instant = now()
        let due = last.withLockedValue { last -> Bool in
            guard Self.isDue(percent, message, at: instant, after: last, minimumInterval: minimumInterval) else { return false }
            last = Sent(percent: percent, message: message, at: instant)
            return true
        }
        if due { await deliver(percent, message) }
    }

    /// Sends `percent` (clamped to 0...100) and `message` whatever the throttle says; it still counts for it.
    public func reportNow(_ percent: Int, _ message: String = "") async {
        let percent = min(max(percent, 0), 100)
        let instant = now()
        last.withLockedValue { $0 = Sent(percent: percent, message: message, at: instant) }
        await deliver(percent, message)
    }

    private static func isDue(
        _ percent: Int, _ message: String, at instant: ContinuousClock.Instant, after last: Sent?, minimumInterval: Duration
    ) -> Bool {
        guard let last else { return true }
        if percent == 100 || percent / 5 > last.percent / 5 { return true }
        let changed = percent != last.percent || message != last.message
        return changed && instant - last.at >= minimumInterval
    }

    private func deliver(_ percent: Int, _ message: String) async {
        do {
            try await send(percent, message)
        } catch {
            onError(error)
        }
    }
}
