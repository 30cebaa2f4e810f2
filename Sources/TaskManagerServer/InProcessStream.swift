import Synchronization
import TaskManagerCore

/// The items of a server-streaming call made in process (`TaskManagerServer.stream`), as protobuf bytes; the
/// sequence ends when the call does, throwing `CallFailure` unless it ended with OK. An empty element is a tick
/// added by `keepAlive()`, not an item.
///
/// Like the binary port's streams, it never slows the server: items the consumer has not taken yet are held up to
/// the server's `streamBacklogLimit`, and a consumer further behind has the stream ended with RESOURCE_EXHAUSTED.
/// Iterate it from one task at a time.
public final class InProcessStream: AsyncSequence, Sendable {
    public typealias Element = [UInt8]

    private let items: AsyncThrowingStream<[UInt8], any Error>
    private let continuation: AsyncThrowingStream<[UInt8], any Error>.Continuation
    private let running = Mutex<(task: _Concurrency.Task<Void, Never>?, sink: RawStreamSink?, ended: Bool)>((nil, nil, false))
    /// Whether an item came or the stream ended, how it ended if it did before any item, and who waits to know.
    private let start = Mutex<(started: Bool, failure: CallFailure?, waiters: [CheckedContinuation<Void, Never>])>((false, nil, []))
    private let backlogLimit: Int

    init(backlogLimit: Int) {
        self.backlogLimit = backlogLimit
        (items, continuation) = AsyncThrowingStream.makeStream(of: [UInt8].self, bufferingPolicy: .bufferingOldest(Swift.max(1, backlogLimit)))
    }

    public func makeAsyncIterator() -> AsyncThrowingStream<[UInt8], any Error>.AsyncIterator {
        items.makeAsyncIterator()
    }

    /// Waits until the first item comes or the stream ends, at most `timeout`.
    /// - Returns: the failure the call ended with before sending any item; nil otherwise (an item came, it ended
    ///   with OK, or it is still waiting for its first item).
    public func failureBeforeFirstItem(waitingAtMost timeout: Duration) async -> CallFailure? {
        let timer = _Concurrency.Task { [self] in
            try? await _Concurrency.Task.sleep(for: timeout)
            started(nil)
        }
        defer { timer.cancel() }
        await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
            let now = start.withLock { start in
                if start.started { return true }
                start.waiters.append(waiter)
                return false
            }
            if now { waiter.resume() }
        }
        return start.withLock { $0.failure }
    }

    /// Wakes those waiting for the first event; `failure` is how the stream ended, if that is the first event.
    private func started(_ failure: CallFailure?, ending: Bool = false) {
        let waiters = start.withLock { start in
            if !start.started && ending { start.failure = failure }
            start.started = true
            defer { start.waiters = [] }
            return start.waiters
        }
        waiters.forEach { $0.resume() }
    }

    /// Adds an empty element, so that a consumer that writes what it iterates to a client learns, from a failed
    /// write, that the client went away while the call had nothing to send.
    public func keepAlive() {
        continuation.yield([])
    }

    /// Cancels the call (the consumer went away); the sequence ends with CANCELLED.
    public func cancel() {
        end(CallFailure(.cancelled, "Call cancelled by client"))
    }

    /// The sink the call's handler sends to.
    func makeSink() -> RawStreamSink {
        let sink = RawStreamSink { [self] item in
            started(nil)
            if case .dropped = continuation.yield(Array(item.readableBytesView)) {
                end(CallFailure(.resourceExhausted, "Stream consumer too slow: more than \(backlogLimit) items waiting"))
            }
        }
        running.withLock { $0.sink = sink }
        return sink
    }

    /// The task running the call, cancelled if the stream ends first.
    func attach(_ task: _Concurrency.Task<Void, Never>) {
        let ended = running.withLock { running in
            running.task = task
            return running.ended
        }
        if ended { task.cancel() }
    }

    /// Ends the stream, with `failure` or cleanly; later ends do nothing.
    func end(_ failure: CallFailure?) {
        let call = running.withLock { running in
            defer { running.ended = true }
            return running.ended ? nil : running
        }
        guard let call else { return }
        started(failure, ending: true)
        call.sink?.end()
        call.task?.cancel()
        continuation.finish(throwing: failure)
    }
}
