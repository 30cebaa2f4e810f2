import Dispatch
import TaskManagerCore
import XCTest

@testable import TaskManagerStore

/// A write that keeps the writer busy inside its transaction until `release()`.
struct WriterHold: Sendable {
    let released: DispatchSemaphore
    let done: _Concurrency.Task<Void, Error>

    /// Lets the held write finish and waits for its answer (so its batch has committed).
    func release() async throws {
        released.signal()
        try await done.value
    }
}

extension StoreTestCase {
    /// Starts a write that runs `body` and then blocks the writer until the returned hold is released; returns once
    /// the write is running, so calls made from now on queue for the next batch.
    func holdWriter(_ body: @escaping @Sendable (SQLiteConnection) throws -> Void = { _ in }) async throws
        -> WriterHold
    {
        let started = DispatchSemaphore(value: 0)
        let released = DispatchSemaphore(value: 0)
        let store = self.store!
        let done = _Concurrency.Task {
            try await store.write { db in
                try body(db)
                started.signal()
                released.wait()
            }
        }
        try await waitUntil { started.wait(timeout: .now()) == .success }
        return WriterHold(released: released, done: done)
    }

    /// Starts `call` and returns once it waits in the writer's queue, so calls enqueued one after another keep
    /// their order.
    func enqueue<T: Sendable>(_ call: @escaping @Sendable () async throws -> T) async throws
        -> _Concurrency.Task<T, Error>
    {
        let writer = store.writer
        let before = writer.pendingCount
        let task = _Concurrency.Task { try await call() }
        try await waitUntil { writer.pendingCount > before }
        return task
    }

    /// Polls `condition` every millisecond; fails after 10 s.
    func waitUntil(file: StaticString = #filePath, line: UInt = #line, _ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while !condition() {
            guard ContinuousClock.now < deadline else {
                XCTFail("condition not met within 10 s", file: file, line: line)
                throw CancellationError()
            }
            try await _Concurrency.Task.sleep(for: .milliseconds(1))
        }
    }
}
