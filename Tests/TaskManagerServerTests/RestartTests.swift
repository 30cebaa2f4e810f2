import TaskManagerCore
import XCTest

final class RestartTests: ServerTestCase {
    func testARestartKeepsTasksProgressAndHistory() async throws {
        try await startServer()
        try await registerType()
        let task = try await createTask(params: #"{"file":"a.csv"}"#)
        _ = try await claim("w1")
        _ = try await client.updateProgress(UpdateProgressRequest(id: task.id, workerID: "w1", progress: 60, message: "Rows 600/1000"))
        let before = try await client.getTask(id: task.id)
        let historyBefore = try await client.getTaskHistory(taskID: task.id)

        try await restartServer()

        let after = try await client.getTask(id: task.id)
        XCTAssertEqual(after, before)
        XCTAssertEqual(after.progress, 60)
        XCTAssertEqual(after.progressMessage, "Rows 600/1000")
        let historyAfter = try await client.getTaskHistory(taskID: task.id)
        XCTAssertEqual(historyAfter, historyBefore)
        let done = try await client.completeTask(CompleteTaskRequest(id: task.id, workerID: "w1"))
        XCTAssertEqual(done.task?.status, .completed, "the claim survives the restart too")
    }
}
