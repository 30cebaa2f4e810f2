import Dispatch
import Glibc
import Synchronization
import TaskManagerCore
import XCTest

@testable import TaskManagerStore

/// A store with an `AnswerHop` runs each batch on the thread a call of it came from, and answers each batch's calls
/// through the hop of the thread they came from, once per thread per batch.
final class AnswerHopTests: StoreTestCase {
    /// A stand-in for an event loop: a serial queue that counts the hand-offs it runs.
    private final class Thread: Sendable {
        let queue = DispatchQueue(label: "AnswerHopTests.thread")
        let handOffs = Mutex(0)
        /// The thread running a hand-off now.
        let running = Mutex<pthread_t?>(nil)

        var hop: AnswerHop {
            AnswerHop(key: ObjectIdentifier(self)) { [self] work in
                handOffs.withLock { $0 += 1 }
                queue.async { [self] in
                    running.withLock { $0 = pthread_self() }
                    work()
                    running.withLock { $0 = nil }
                }
            }
        }

        var isCurrent: Bool { running.withLock { $0.map { pthread_equal($0, pthread_self()) != 0 } ?? false } }
    }

    func testTheCallsOfABatchAreAnsweredInOneHandOffOnTheirThread() async throws {
        let thread = Thread()
        store.close()
        store = try SQLiteTaskStore(path: path, synchronous: .normal, answerHop: { thread.hop })
        let type = try await makeType()
        let store = self.store!
        let handOffsBefore = thread.handOffs.withLock { $0 }
        let hold = try await holdWriter()
        var calls: [_Concurrency.Task<Bool, Error>] = []
        for index in 0..<5 {
            calls.append(try await enqueue {
                _ = try await store.createTask(NewTask(typeID: type.id, paramsJSON: "{}", priority: 0, dedupeKey: "k\(index)",
                                                       maxAttempts: 3, nowMs: 1_000))
                return true
            })
        }
        try await hold.release()
        for call in calls { _ = try await call.value }
        // The held write's batch, then one batch of the five: one hand-off to run each, and one to answer each, not
        // one per call.
        XCTAssertEqual(thread.handOffs.withLock { $0 } - handOffsBefore, 4)
    }

    func testABatchRunsOnTheThreadOfItsCallsWithoutAThreadOfItsOwn() async throws {
        let thread = Thread()
        store.close()
        store = try SQLiteTaskStore(path: path, synchronous: .normal, answerHop: { thread.hop })
        let type = try await makeType()
        let onTheCallersThread = Mutex<[Bool]>([])
        store.writer.setEventHook { event in
            if event == .begin { onTheCallersThread.withLock { $0.append(thread.isCurrent) } }
        }
        for index in 0..<3 {
            _ = try await store.createTask(NewTask(typeID: type.id, paramsJSON: "{}", priority: 0, dedupeKey: "t\(index)",
                                                   maxAttempts: 3, nowMs: 1_000))
        }
        store.writer.setEventHook(nil)
        XCTAssertEqual(onTheCallersThread.withLock { $0 }, [true, true, true])
    }
}
