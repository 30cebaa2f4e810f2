import Dispatch
import Foundation
import TaskManagerCore
import XCTest

@testable import TaskManagerStore

/// A lookup runs on the caller's thread when its connection is free, and waits its turn when it is not.
final class SQLiteReaderTests: StoreTestCase {
    func testAnIdleReaderRunsTheReadOnTheCallersThread() throws {
        let reader = try SQLiteReader(path: path, label: "test")
        let caller = pthread_self()
        let ran = try reader.readIfIdle { _ in pthread_equal(pthread_self(), caller) != 0 }
        XCTAssertEqual(ran, true)
    }

    func testABusyReaderDeclinesInsteadOfWaiting() async throws {
        let reader = try SQLiteReader(path: path, label: "test")
        let (entered, release) = (DispatchSemaphore(value: 0), DispatchSemaphore(value: 0))
        async let held: Int = reader.read { _ in
            entered.signal()
            release.wait()
            return 1
        }
        entered.wait()
        let declined = try reader.readIfIdle { _ in 2 }
        XCTAssertNil(declined)
        release.signal()
        let heldValue = try await held
        XCTAssertEqual(heldValue, 1)
        XCTAssertEqual(try reader.readIfIdle { _ in 3 }, 3)
    }

    func testALookupWaitsForTheOnlyReaderWhenItIsBusy() async throws {
        store.close()
        store = try SQLiteTaskStore(path: path, readConnections: 1)
        let type = try await makeType()
        let created = try await makeTask("a", typeID: type.id)
        let store: SQLiteTaskStore = self.store
        let (entered, release) = (DispatchSemaphore(value: 0), DispatchSemaphore(value: 0))
        async let held: Int = store.read { _ in
            entered.signal()
            release.wait()
            return 1
        }
        entered.wait()
        async let looked = store.task(id: created.id)
        // The lookup cannot have run: the only connection is held.
        try await _Concurrency.Task.sleep(nanoseconds: 50_000_000)
        release.signal()
        let (heldValue, lookedValue) = try await (held, looked)
        XCTAssertEqual(heldValue, 1)
        XCTAssertEqual(lookedValue, created)
    }

    func testReadsOfAClosedReaderFailAsUnavailable() async throws {
        let reader = try SQLiteReader(path: path, label: "test")
        reader.close()
        XCTAssertThrowsError(try reader.readIfIdle { _ in 1 }) { error in
            XCTAssertEqual(error as? TaskManagerError, TaskManagerError(.unavailable, "Database is closed"))
        }
        await assertThrows(TaskManagerError(.unavailable, "Database is closed")) { try await reader.read { _ in 1 } }
    }
}
