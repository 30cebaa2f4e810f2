import TaskManagerCore
import XCTest

@testable import TaskManagerStore

class ListTasksTests: StoreBehaviourTestCase {
    /// Types `img.resize` and `img.crop` and `mail.send`; tasks k0…k5 created at 100…600.
    /// After setup: k5 (mail) claimed by w1, k4 (crop) completed by w2, the rest pending.
    private func seed() async throws {
        let resize = try await makeType("img.resize")
        let crop = try await makeType("img.crop")
        let mail = try await makeType("mail.send")
        let types = [resize.id, resize.id, crop.id, resize.id, crop.id, mail.id]
        for (index, typeID) in types.enumerated() {
            try await makeTask("k\(index)", typeID: typeID, nowMs: Int64(index + 1) * 100)
        }
        _ = try await claim("w1", typeID: mail.id)
        let newestCrop = try await claim("w2", typeID: crop.id, order: .by(.createdAt, ascending: false))
        let crop4 = try XCTUnwrap(newestCrop)
        _ = try await store.completeTask(check(crop4.id, "w2", nowMs: 3_000), resultJSON: "{}")
    }

    private func keys(_ filter: TaskFilter) async throws -> (keys: [String], total: Int64) {
        let result = try await store.listTasks(filter)
        return (result.tasks.map(\.dedupeKey), result.total)
    }

    func testListsNewestFirstWithTotal() async throws {
        try await seed()
        let result = try await keys(TaskFilter())
        XCTAssertEqual(result.keys, ["k5", "k4", "k3", "k2", "k1", "k0"])
        XCTAssertEqual(result.total, 6)
    }

    func testTiesOnCreationTimeAreNewestIDFirst() async throws {
        let type = try await makeType()
        try await makeTask("x", typeID: type.id, nowMs: 100)
        try await makeTask("y", typeID: type.id, nowMs: 100)
        let result = try await keys(TaskFilter())
        XCTAssertEqual(result.keys, ["y", "x"])
    }

    func testFiltersByStatus() async throws {
        try await seed()
        let pending = try await keys(TaskFilter(status: .pending))
        XCTAssertEqual(pending.keys, ["k3", "k2", "k1", "k0"])
        XCTAssertEqual(pending.total, 4)
        let completed = try await keys(TaskFilter(status: .completed))
        XCTAssertEqual(completed.keys, ["k4"])
    }

    func testFiltersByExactTypeName() async throws {
        try await seed()
        let result = try await keys(TaskFilter(type: "img.resize"))
        XCTAssertEqual(result.keys, ["k3", "k1", "k0"])
        XCTAssertEqual(result.total, 3)
        let noPattern = try await keys(TaskFilter(type: "img._rop"))
        XCTAssertEqual(noPattern.total, 0, "without % the name is matched exactly")
    }

    func testFiltersByTypeNameLikeWhenItContainsPercent() async throws {
        try await seed()
        let result = try await keys(TaskFilter(type: "img.%"))
        XCTAssertEqual(result.keys, ["k4", "k3", "k2", "k1", "k0"])
        XCTAssertEqual(result.total, 5)
    }

    func testFiltersByClaimedBy() async throws {
        try await seed()
        let result = try await keys(TaskFilter(claimedBy: "w1"))
        XCTAssertEqual(result.keys, ["k5"])
        XCTAssertEqual(result.total, 1)
    }

    func testCombinesFilters() async throws {
        try await seed()
        let result = try await keys(TaskFilter(status: .pending, type: "img.%"))
        XCTAssertEqual(result.keys, ["k3", "k2", "k1", "k0"])
        let none = try await keys(TaskFilter(status: .completed, type: "img.resize"))
        XCTAssertEqual(none.total, 0)
    }

    func testPagesWithLimitAndOffsetKeepingTheTotal() async throws {
        try await seed()
        let first = try await keys(TaskFilter(limit: 2, offset: 0))
        let second = try await keys(TaskFilter(limit: 2, offset: 2))
        let past = try await keys(TaskFilter(limit: 2, offset: 10))
        XCTAssertEqual(first.keys, ["k5", "k4"])
        XCTAssertEqual(second.keys, ["k3", "k2"])
        XCTAssertEqual(past.keys, [])
        XCTAssertEqual([first.total, second.total, past.total], [6, 6, 6])
    }

    func testTaskByIDReturnsNilWhenMissing() async throws {
        let missing = try await store.task(id: 12345)
        XCTAssertNil(missing)
    }
}
