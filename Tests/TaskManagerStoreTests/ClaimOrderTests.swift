import TaskManagerCore
import XCTest

@testable import TaskManagerStore

/// Five pending tasks with ties on every sort key, so each order also shows the id tie-break:
///
/// | key | id | priority | created_at | attempts |
/// |-----|----|----------|------------|----------|
/// | a   | 1  | 1        | 300        | 0        |
/// | b   | 2  | 2        | 100        | 2        |
/// | c   | 3  | 1        | 200        | 1        |
/// | d   | 4  | 2        | 300        | 1        |
/// | e   | 5  | 3        | 100        | 0        |
class ClaimOrderTests: StoreBehaviourTestCase {
    private var typeID: Int64 = 0

    override func setUp() async throws {
        try await super.setUp()
        typeID = try await makeType().id
        let rows: [(String, Int32, Int64, Int)] = [
            ("a", 1, 300, 0), ("b", 2, 100, 2), ("c", 1, 200, 1), ("d", 2, 300, 1), ("e", 3, 100, 0),
        ]
        for (key, priority, createdAt, attempts) in rows {
            let task = try await makeTask(key, typeID: typeID, priority: priority, nowMs: createdAt)
            try await sql("UPDATE tasks SET attempts = \(attempts) WHERE id = \(task.id)")
        }
        try await reopen()
    }

    /// Claims until nothing is left and returns the dedupe keys in claim order.
    private func claimAll(_ order: ClaimOrder) async throws -> [String] {
        var keys: [String] = []
        while let task = try await claim(typeID: typeID, order: order) {
            keys.append(task.dedupeKey)
        }
        return keys
    }

    func testDefaultOrderIsPriorityDescThenOldestThenID() async throws {
        let keys = try await claimAll(.priorityThenAge)
        XCTAssertEqual(keys, ["e", "b", "d", "c", "a"])
    }

    func testPriorityAscendingThenID() async throws {
        let keys = try await claimAll(.by(.priority, ascending: true))
        XCTAssertEqual(keys, ["a", "c", "b", "d", "e"])
    }

    func testPriorityDescendingThenID() async throws {
        let keys = try await claimAll(.by(.priority, ascending: false))
        XCTAssertEqual(keys, ["e", "b", "d", "a", "c"])
    }

    func testCreatedAtAscendingThenID() async throws {
        let keys = try await claimAll(.by(.createdAt, ascending: true))
        XCTAssertEqual(keys, ["b", "e", "c", "a", "d"])
    }

    func testCreatedAtDescendingThenID() async throws {
        let keys = try await claimAll(.by(.createdAt, ascending: false))
        XCTAssertEqual(keys, ["a", "d", "c", "b", "e"])
    }

    func testIDAscending() async throws {
        let keys = try await claimAll(.by(.id, ascending: true))
        XCTAssertEqual(keys, ["a", "b", "c", "d", "e"])
    }

    func testIDDescending() async throws {
        let keys = try await claimAll(.by(.id, ascending: false))
        XCTAssertEqual(keys, ["e", "d", "c", "b", "a"])
    }

    func testAttemptsAscendingThenID() async throws {
        let keys = try await claimAll(.by(.attempts, ascending: true))
        XCTAssertEqual(keys, ["a", "e", "c", "d", "b"])
    }

    func testAttemptsDescendingThenID() async throws {
        let keys = try await claimAll(.by(.attempts, ascending: false))
        XCTAssertEqual(keys, ["b", "c", "d", "a", "e"])
    }

    func testExpiredLeaseCompetesInTheSameOrderAsPendingTasks() async throws {
        // Make "b" (second in the default order) a claim of another worker whose lease ended: it must come right
        // after "e".
        try await sql("""
            UPDATE tasks SET status = 'claimed', claimed_by = 'old', claimed_at_ms = 10, attempts = 1,
                             lease_expires_at_ms = 50
            WHERE dedupe_key = 'b'
            """)
        try await reopen()
        let keys = try await claimAll(.priorityThenAge)
        XCTAssertEqual(keys, ["e", "b", "d", "c", "a"])
    }
}
