import TaskManagerCore
import XCTest

@testable import TaskManagerStore

class ClaimTests: StoreBehaviourTestCase {
    func testClaimMarksTaskClaimedAndCountsAnAttempt() async throws {
        let type = try await makeType("t")
        let created = try await makeTask("a", typeID: type.id)
        let claimed = try await claim("w9", typeID: type.id, nowMs: 2_222)
        let task = try XCTUnwrap(claimed)
        XCTAssertEqual(task.id, created.id)
        XCTAssertEqual(task.type, "t")
        XCTAssertEqual(task.status, .claimed)
        XCTAssertEqual(task.claimedBy, "w9")
        XCTAssertEqual(task.claimedAtMs, 2_222)
        XCTAssertEqual(task.updatedAtMs, 2_222)
        XCTAssertEqual(task.attempts, 1)
        let lines = try await historyLines(task.id)
        XCTAssertEqual(lines.last, ["claimed", "w9", "Task claimed by worker"])
    }

    func testClaimReturnsNilWhenNothingIsClaimable() async throws {
        let type = try await makeType()
        let none = try await claim(typeID: type.id)
        XCTAssertNil(none)

        try await makeTask("a", typeID: type.id)
        _ = try await claim(typeID: type.id, nowMs: 2_000, leaseMs: 1_000)
        let leased = try await claim("w2", typeID: type.id, nowMs: 3_000)
        XCTAssertNil(leased, "a lease ending at 3000 has not expired at 3000")
    }

    func testClaimOnlyTakesTasksOfTheGivenTypeID() async throws {
        let a = try await makeType("a")
        let b = try await makeType("b")
        try await makeTask("a1", typeID: a.id, priority: 1)
        try await makeTask("b1", typeID: b.id, priority: 9)
        let task = try await claim(typeID: a.id)
        XCTAssertEqual(task?.dedupeKey, "a1")
        let next = try await claim(typeID: a.id)
        XCTAssertNil(next)
    }

    func testClaimByPatternMatchesTypeNamesWithLike() async throws {
        let render = try await makeType("video.render")
        let encode = try await makeType("video.encode")
        let audio = try await makeType("audio.mix")
        try await makeTask("r", typeID: render.id, nowMs: 30)
        try await makeTask("e", typeID: encode.id, nowMs: 20)
        try await makeTask("m", typeID: audio.id, nowMs: 10)

        var keys: [String] = []
        while let task = try await claim(typeID: nil, pattern: "video.%") {
            keys.append(task.dedupeKey)
        }
        XCTAssertEqual(keys, ["e", "r"])
    }

    func testTypeIDAndPatternMustBothMatch() async throws {
        let audio = try await makeType("audio.mix")
        try await makeTask("m", typeID: audio.id)
        let none = try await claim(typeID: audio.id, pattern: "video.%")
        XCTAssertNil(none)
        let some = try await claim(typeID: audio.id, pattern: "audio.%")
        XCTAssertEqual(some?.dedupeKey, "m")
    }
}
