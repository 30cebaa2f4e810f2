import TaskManagerCore
import XCTest

/// A synthetic worker on the manual clock: 10 % every 10 s, so 1 %/s and done 100 s after its claim.
class ETARPCTests: ServerBehaviourTestCase {
    var task: Task!
    var claimedAtMs: Int64 = 0

    override func setUp() async throws {
        try await super.setUp()
        try await startServer()
        try await registerType()
        task = try await createTask()
        let claimed = try await claim("w1")
        claimedAtMs = try XCTUnwrap(claimed).claimedAtMs
    }

    /// Reports 10, 20, … `upTo` % through the client, one report every 10 s of the manual clock.
    private func reportSteadily(upTo last: Int32) async throws {
        for value in stride(from: Int32(10), through: last, by: 10) {
            clock.advance(seconds: 10)
            _ = try await client.updateProgress(UpdateProgressRequest(id: task.id, workerID: "w1", progress: value))
        }
    }

    func testAClaimHasNoETAYet() async throws {
        let claimed = try await client.getTask(id: task.id)
        XCTAssertEqual(claimed.status, .claimed)
        XCTAssertEqual(claimed.etaMs, 0)
        XCTAssertEqual(claimed.progressRate, 0)
    }

    func testASteadyWorkerGetsAnETAWithinTenPercentOfItsTrueEnd() async throws {
        try await reportSteadily(upTo: 50)
        let trueEndMs = claimedAtMs + 100_000
        let read = try await client.getTask(id: task.id)
        XCTAssertEqual(read.progress, 50)
        XCTAssertEqual(read.progressRate, 1, accuracy: 0.01)
        XCTAssertEqual(Double(read.etaMs), Double(trueEndMs), accuracy: Double(trueEndMs - claimedAtMs) * 0.1)
        XCTAssertEqual(read.etaMs, trueEndMs, "a steady worker is estimated exactly")
    }

    func testListTasksCarriesTheSameETA() async throws {
        try await reportSteadily(upTo: 50)
        let read = try await client.getTask(id: task.id)
        let listed = try await client.listTasks(ListTasksRequest(status: .claimed)).tasks
        XCTAssertEqual(listed.map(\.id), [task.id])
        XCTAssertEqual(listed.first?.etaMs, read.etaMs)
        XCTAssertEqual(listed.first?.progressRate, read.progressRate)
        XCTAssertGreaterThan(read.etaMs, 0)
    }

    func testTheETAIsGoneOnceTheTaskCompletes() async throws {
        try await reportSteadily(upTo: 50)
        let done = try await client.completeTask(CompleteTaskRequest(id: task.id, workerID: "w1")).task
        XCTAssertEqual(done?.status, .completed)
        XCTAssertEqual(done?.etaMs, 0)
        XCTAssertEqual(done?.progressRate, 0)
    }
}
