import Dispatch
import Foundation
import Synchronization
import TaskManagerCore
import XCTest

@testable import TaskManagerStore

/// Group commit: the writes waiting together share one transaction, answered after COMMIT.
final class GroupCommitTests: StoreTestCase {
    func testAFailingCallInABatchLeavesTheOthersCommittedInOneTransaction() async throws {
        let type = try await makeType()
        let unclaimed = try await makeTask("unclaimed", typeID: type.id)
        let store = self.store!
        let completeUnclaimed = { @Sendable in
            try await store.completeTask(ClaimCheck(id: unclaimed.id, workerID: "w1", attempt: 0, nowMs: 3_000,
                                                    defaultLeaseMs: 60_000), resultJSON: "{}")
        }
        let expected = try await errorOf(completeUnclaimed)

        let hold = try await holdWriter()
        let commitsBefore = store.writer.commitCount
        let first = try await enqueue { try await store.createTask(Self.newTask("first", typeID: type.id)).task }
        let failing = try await enqueue(completeUnclaimed)
        let second = try await enqueue { try await store.createTask(Self.newTask("second", typeID: type.id)).task }
        try await hold.release()

        let firstTask = try await first.value
        let secondTask = try await second.value
        let failure = try await errorOf { try await failing.value }
        XCTAssertEqual(failure, expected)
        let firstStored = try await store.task(id: firstTask.id)
        let secondStored = try await store.task(id: secondTask.id)
        XCTAssertEqual(firstStored, firstTask)
        XCTAssertEqual(secondStored, secondTask)
        let unclaimedStored = try await stored(unclaimed.id)
        XCTAssertEqual(unclaimedStored.status, .pending)
        // One commit for the holding batch, one for the three calls.
        XCTAssertEqual(store.writer.commitCount, commitsBefore + 2)
    }

    func testACallThatFailsAfterWritingIsUndoneAndTheOthersRunAgainAndCommit() async throws {
        let type = try await makeType()
        let store = self.store!
        let hold = try await holdWriter()
        let first = try await enqueue { try await store.createTask(Self.newTask("first", typeID: type.id)).task }
        // A body that writes a task row of its own, then fails, as a call whose second statement fails would.
        let failing = try await enqueue {
            try await store.write { db throws -> Int in
                try db.execute("""
                    INSERT INTO tasks (type_id, status, params_json, dedupe_key, max_attempts, created_at_ms, updated_at_ms)
                    VALUES (\(type.id), 'pending', '{}', 'half-written', 3, 1000, 1000)
                    """)
                throw SQLiteError(code: 19, message: "constraint failed")
            }
        }
        let second = try await enqueue { try await store.createTask(Self.newTask("second", typeID: type.id)).task }
        let log = EventLog()
        store.writer.setEventHook { log.append($0) }
        try await hold.release()

        let failure = try await errorOf { try await failing.value }
        XCTAssertEqual(failure, TaskManagerError(.internal, "Storage error (SQLite code 19)"))
        let firstTask = try await first.value
        let secondTask = try await second.value
        let listed = try await store.listTasks(TaskFilter(limit: 10)).tasks
        XCTAssertEqual(Set(listed.map(\.dedupeKey)), ["first", "second"], "the half-written row is gone")
        let firstStored = try await stored(firstTask.id)
        XCTAssertEqual(firstStored, firstTask)
        let claimed = try await claim(typeID: type.id)
        XCTAssertEqual(claimed?.id, firstTask.id, "memory holds the tasks of the batch that ran again")
        XCTAssertNotEqual(secondTask.id, firstTask.id)
        store.writer.setEventHook(nil)
        XCTAssertTrue(log.events.contains(.rollback), "\(log.events)")
    }

    func testCallsAreAnsweredOnlyAfterTheirBatchCommits() async throws {
        let type = try await makeType()
        let store = self.store!
        let log = EventLog()
        let hold = try await holdWriter()
        let commitsBefore = store.writer.commitCount
        store.writer.setEventHook { log.append($0) }
        var calls: [_Concurrency.Task<Int, Error>] = []
        for index in 0..<3 {
            calls.append(try await enqueue {
                _ = try await store.createTask(Self.newTask("t\(index)", typeID: type.id))
                return store.writer.commitCount
            })
        }
        try await hold.release()

        for call in calls {
            let commitsSeenByCaller = try await call.value
            XCTAssertEqual(commitsSeenByCaller, commitsBefore + 2)
        }
        store.writer.setEventHook(nil)
        // The held batch commits and the next one may run while the WAL syncs; no answer comes before a sync.
        let events = log.events
        XCTAssertEqual(events.filter { $0 != .sync && $0 != .resume }, [.commit, .begin, .commit], "\(events)")
        XCTAssertEqual(events.filter { $0 == .resume }.count, 4, "\(events)")
        Self.assertNoAnswerBeforeASync(events)
    }

    func testWithoutFullDurabilityCallsAreAnsweredRightAfterTheCommit() async throws {
        store.close()
        store = try SQLiteTaskStore(path: path, synchronous: .normal)
        let type = try await makeType()
        let log = EventLog()
        store.writer.setEventHook { log.append($0) }
        _ = try await store.createTask(Self.newTask("a", typeID: type.id))
        store.writer.setEventHook(nil)
        XCTAssertEqual(log.events, [.begin, .commit, .resume])
    }

    func testWithFullDurabilityEveryAnswerWaitsForASyncOfTheWAL() async throws {
        let type = try await makeType()
        let store = self.store!
        let log = EventLog()
        store.writer.setEventHook { log.append($0) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<200 {
                group.addTask { _ = try await store.createTask(Self.newTask("t\(index)", typeID: type.id)) }
            }
            try await group.waitForAll()
        }
        store.writer.setEventHook(nil)
        let events = log.events
        XCTAssertEqual(events.filter { $0 == .resume }.count, 200)
        Self.assertNoAnswerBeforeASync(events)
    }

    func testALaterCallInTheSameBatchSeesAnEarlierOne() async throws {
        let type = try await makeType()
        let store = self.store!
        let hold = try await holdWriter()
        let commitsBefore = store.writer.commitCount
        let create = try await enqueue { try await store.createTask(Self.newTask("a", typeID: type.id)).task }
        let claim = try await enqueue {
            try await store.claimTask(ClaimQuery(workerID: "w1", taskTypeID: type.id, typePattern: nil,
                                                 order: .priorityThenAge, nowMs: 2_000, defaultLeaseMs: 60_000))
        }
        try await hold.release()

        let created = try await create.value
        let claimed = try await claim.value
        XCTAssertEqual(claimed?.id, created.id)
        XCTAssertEqual(claimed?.status, .claimed)
        XCTAssertEqual(store.writer.commitCount, commitsBefore + 2)
    }

    func testAStorageErrorThatEndsTheTransactionFailsTheEarlierCallsAndRunsTheLaterOnesAgain() async throws {
        let type = try await makeType()
        let store = self.store!
        let hold = try await holdWriter()
        let first = try await enqueue { try await store.createTask(Self.newTask("first", typeID: type.id)).task }
        // A body that ends the transaction itself, as SQLite does on some I/O errors.
        let breaking = try await enqueue {
            try await store.write { db throws -> Int in
                try db.execute("ROLLBACK")
                throw SQLiteError(code: 10, message: "disk I/O error")
            }
        }
        let third = try await enqueue { try await store.createTask(Self.newTask("third", typeID: type.id)).task }
        try await hold.release()

        let storageError = TaskManagerError(.internal, "Storage error (SQLite code 10)")
        let firstError = try await errorOf { try await first.value }
        XCTAssertEqual(firstError, storageError)
        let breakingError = try await errorOf { try await breaking.value }
        XCTAssertEqual(breakingError, storageError)
        let thirdTask = try await third.value
        let tasks = try await store.listTasks(TaskFilter(limit: 10)).tasks
        XCTAssertEqual(tasks.map(\.id), [thirdTask.id])
    }

    /// Each `.resume` has a `.sync` before it, and every `.sync` follows a `.commit`. (Syncs and commits run on two
    /// queues, so which commit a sync covered cannot be read from the log; `WALSync` takes, under its lock, only
    /// jobs already committed.)
    static func assertNoAnswerBeforeASync(
        _ events: [GroupCommitWriter.Event], file: StaticString = #filePath, line: UInt = #line
    ) {
        var committed = false
        var synced = false
        for event in events {
            switch event {
            case .commit: committed = true
            case .sync: XCTAssertTrue(committed, "sync before any commit: \(events)", file: file, line: line); synced = true
            case .resume: XCTAssertTrue(synced, "answered before a sync: \(events)", file: file, line: line)
            default: break
            }
        }
    }

    // MARK: - Helpers

    static func newTask(_ key: String, typeID: Int64) -> NewTask {
        NewTask(typeID: typeID, paramsJSON: "{}", priority: 0, dedupeKey: key, maxAttempts: 3, nowMs: 1_000,
                runAtMs: 0, retryBackoff: RetryBackoff(baseMs: 0, capMs: 0))
    }
}

/// Events of `GroupCommitWriter`, collected from its queue.
final class EventLog: @unchecked Sendable {
    // @unchecked: `recorded` is touched only under `lock`.
    private let lock = NSLock()
    private var recorded: [GroupCommitWriter.Event] = []

    func append(_ event: GroupCommitWriter.Event) {
        lock.withLock { recorded.append(event) }
    }

    var events: [GroupCommitWriter.Event] { lock.withLock { recorded } }
}

/// A failed sync of the WAL fails the calls it covered and stops the writer: no later write is trusted.
final class WALSyncFailureTests: StoreTestCase {
    func testAFailedSyncFailsItsCallsAndEveryLaterWrite() async throws {
        let syncWorks = Mutex(true)
        store.close()
        store = try SQLiteTaskStore(
            path: path, recordHistory: true, synchronous: .full, readConnections: 2,
            checkpointLimits: WALCheckpointer.Limits(), syncFile: { descriptor in
                syncWorks.withLock { $0 } ? fdatasync(descriptor) : -1
            })
        let type = try await makeType()
        _ = try await makeTask("before", typeID: type.id)

        syncWorks.withLock { $0 = false }
        await assertThrows(TaskManagerError(.internal, "Storage error (sync failed)")) {
            try await store.createTask(GroupCommitTests.newTask("during", typeID: type.id))
        }
        syncWorks.withLock { $0 = true }
        let commitsAfterFailure = store.writer.commitCount
        await assertThrows(TaskManagerError(.internal, "Storage error (a sync failed; restart the server)")) {
            try await store.createTask(GroupCommitTests.newTask("after", typeID: type.id))
        }
        XCTAssertEqual(store.writer.commitCount, commitsAfterFailure, "no batch runs after a failed sync")
        let keys = try await store.listTasks(TaskFilter(limit: 10)).tasks.map(\.dedupeKey)
        XCTAssertFalse(keys.contains("after"))
    }
}
