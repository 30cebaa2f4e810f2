import TaskManagerCore
import XCTest

@testable import TaskManagerStore

/// A task created with a run-at time in the future is not claimable before it.
class DelayedTaskTests: StoreBehaviourTestCase {
    func testADelayedTaskIsSkippedByClaimsUntilDue() async throws {
        let type = try await makeType()
        try await makeTask("later", typeID: type.id, priority: 9, runAtMs: 5_000)
        try await makeTask("now", typeID: type.id, priority: 1)

        let first = try await claim(typeID: type.id, nowMs: 2_000)
        XCTAssertEqual(first?.dedupeKey, "now")
        let early = try await claim(typeID: type.id, nowMs: 4_999)
        XCTAssertNil(early)
        let due = try await claim(typeID: type.id, nowMs: 5_000)
        XCTAssertEqual(due?.dedupeKey, "later")
    }

    func testADelayedTaskIsSkippedByPatternClaimsToo() async throws {
        let type = try await makeType("video.render")
        try await makeTask("later", typeID: type.id, runAtMs: 5_000)
        let early = try await claim(typeID: nil, pattern: "video.%", nowMs: 2_000)
        XCTAssertNil(early)
        let due = try await claim(typeID: nil, pattern: "video.%", nowMs: 5_000)
        XCTAssertEqual(due?.dedupeKey, "later")
    }
}
