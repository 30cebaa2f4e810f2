import TaskManagerClient
import TaskManagerCore
import XCTest

class ConcurrentClaimTests: ServerBehaviourTestCase {
    func testManyConnectionsClaimEveryTaskExactlyOnce() async throws {
        try await startServer()
        try await registerType()
        let taskCount = 300
        for n in 0..<taskCount { _ = try await createTask(params: #"{"n":\#(n)}"#) }
        var workers: [TaskManagerClient] = []
        for _ in 0..<8 { workers.append(try await connect()) }

        let claimed = try await withThrowingTaskGroup(of: [Int64].self) { group in
            for (index, worker) in workers.enumerated() {
                group.addTask {
                    var mine: [Int64] = []
                    // Each worker pipelines claims from two tasks on its one connection.
                    try await withThrowingTaskGroup(of: [Int64].self) { inner in
                        for lane in 0..<2 {
                            inner.addTask {
                                var got: [Int64] = []
                                while let task = try await worker.claimTask(ClaimTaskRequest(workerID: "w\(index)-\(lane)", typePattern: "%")) {
                                    got.append(task.id)
                                }
                                return got
                            }
                        }
                        for try await ids in inner { mine += ids }
                    }
                    return mine
                }
            }
            var all: [Int64] = []
            for try await ids in group { all += ids }
            return all
        }
        XCTAssertEqual(claimed.count, taskCount, "every task handed out once")
        XCTAssertEqual(Set(claimed).count, taskCount, "no task handed out twice")
        let pending = try await client.listTasks(ListTasksRequest(status: .pending))
        XCTAssertEqual(pending.total, 0)
    }

    func testPipelinedCallsOnOneConnectionAreEachAnsweredOnce() async throws {
        try await startServer()
        try await registerType()
        let client = self.client!
        let results = try await withThrowingTaskGroup(of: Int64.self) { group in
            for n in 0..<200 {
                group.addTask {
                    let response = try await client.createTask(CreateTaskRequest(type: "example.echo", paramsJSON: #"{"n":\#(n)}"#))
                    return response.task?.id ?? 0
                }
            }
            var ids: [Int64] = []
            for try await id in group { ids.append(id) }
            return ids
        }
        XCTAssertEqual(Set(results).count, 200)
    }
}
