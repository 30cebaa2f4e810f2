import Foundation
import TaskManagerCore
import XCTest

@testable import TaskManagerStore

/// Checkpoints run beside the writer, and the WAL does not grow without bound.
final class WALCheckpointerTests: StoreTestCase {
    func testAGrowingWALIsCheckpointedInTheBackground() async throws {
        let type = try await makeType()
        let checkpointer = try XCTUnwrap(store.checkpointer)
        XCTAssertEqual(checkpointer.checkpointCount, 0)
        // About 55 WAL pages per 500 tasks: past the 1,000 pages of the first background checkpoint.
        for round in 0..<30 {
            let items = (0..<500).map { GroupCommitTests.newTask("r\(round)-\($0)", typeID: type.id) }
            _ = try await store.createTasks(items)
        }
        let deadline = Date().addingTimeInterval(10)
        while checkpointer.checkpointCount == 0, Date() < deadline {
            try await _Concurrency.Task.sleep(nanoseconds: 10_000_000)
        }
        XCTAssertGreaterThan(checkpointer.checkpointCount, 0)
        // The copied pages are in the database file itself, not only in the WAL.
        let databaseBytes = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0
        XCTAssertGreaterThan(databaseBytes, 1_000_000)
    }

    func testTheWriterCheckpointsItselfPastItsLimitSoTheWALStaysBounded() async throws {
        store.close()
        // Small limits so that a few batches pass them: about 55 WAL pages per 500 tasks.
        store = try SQLiteTaskStore(path: path, recordHistory: true, synchronous: .full, readConnections: 2,
                                    checkpointLimits: WALCheckpointer.Limits(background: 100, writer: 400))
        let type = try await makeType()
        let pageSize = 4_096
        var largestWAL = 0
        for round in 0..<30 {
            let items = (0..<500).map { GroupCommitTests.newTask("s\(round)-\($0)", typeID: type.id) }
            _ = try await store.createTasks(items)
            let walBytes = try FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int ?? 0
            largestWAL = max(largestWAL, walBytes)
        }
        // About 1,650 pages written: without the writer's own checkpoint the WAL would hold most of them, since
        // checkpoints running beside the writer rarely let it start over. A WAL file is a 32-byte header and a
        // 24-byte header per frame of one page.
        XCTAssertLessThan(largestWAL, 32 + (400 + 100) * (24 + pageSize))
    }
}
