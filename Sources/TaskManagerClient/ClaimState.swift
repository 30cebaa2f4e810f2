import NIOConcurrencyHelpers
import TaskManagerCore

/// What the worker has learned about one running task's claim while its handler runs: that a cancel was
/// requested, or that the lease was lost (the task went back to the queue, or to another worker).
///
/// Either one cancels the handler's Swift task, so `Task.sleep` and other cancellable waits end with
/// `CancellationError`; a handler that does long work without suspending can poll `shouldStop`.
public final class ClaimState: Sendable {
    private struct Flags {
        var cancelRequested = false
        var leaseLost = false
        var onStop: (@Sendable () -> Void)?
    }

    private let flags = NIOLockedValueBox(Flags())

    public init() {}

    /// An operator asked for the task to be cancelled: stop and throw; the worker then ends it `cancelled`.
    public var cancelRequested: Bool { flags.withLockedValue { $0.cancelRequested } }

    /// The server no longer counts this worker's attempt: whatever the handler returns is dropped.
    public var leaseLost: Bool { flags.withLockedValue { $0.leaseLost } }

    /// Whether the handler should stop: a cancel was requested or the lease was lost.
    public var shouldStop: Bool { flags.withLockedValue { $0.cancelRequested || $0.leaseLost } }

    func requestCancel() {
        stop { $0.cancelRequested = true }
    }

    func loseLease() {
        stop { $0.leaseLost = true }
    }

    /// Calls `body` once, as soon as the handler should stop (at once when it already should).
    func onStop(_ body: @escaping @Sendable () -> Void) {
        let stopped = flags.withLockedValue { flags -> Bool in
            if flags.cancelRequested || flags.leaseLost { return true }
            flags.onStop = body
            return false
        }
        if stopped { body() }
    }

    private func stop(_ change: (inout Flags) -> Void) {
        let onStop = flags.withLockedValue { flags -> (@Sendable () -> Void)? in
            change(&flags)
            defer { flags.onStop = nil }
            return flags.onStop
        }
        onStop?()
    }
}

extension TaskManagerError {
    /// Whether the server says this worker no longer holds the task: the lease ended (and perhaps another worker
    /// has it), or the task is no longer claimed, or gone.
    var isLostClaim: Bool {
        switch code {
        case .notFound, .permissionDenied:
            return true
        case .failedPrecondition:
            return [Self.leaseLost, .taskNotClaimed, .taskFinished].contains { $0.message == message }
        default:
            return false
        }
    }
}
