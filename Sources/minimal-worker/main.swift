// The smallest useful worker: claim one example.echo task, report half way, complete it, print its id.
import Foundation
import TaskManagerClient
import TaskManagerCore

let workerID = "minimal-swift"
let server = ProcessInfo.processInfo.environment["TASKMANAGER_SERVER"] ?? "127.0.0.1:7411"
do {
    let client = try await TaskManagerClient.connect(server: server, apiKey: ProcessInfo.processInfo.environment["TASKMANAGER_API_KEY"])
    guard let task = try await client.claimTask(ClaimTaskRequest(workerID: workerID, typePattern: "example.echo")) else {
        print("No task to claim")
        exit(1)
    }
    _ = try await client.updateProgress(UpdateProgressRequest(id: task.id, workerID: workerID, progress: 50, message: "half way"))
    guard case .object(let params) = try JSONValue.parse(task.paramsJSON), let message = params["message"] else {
        _ = try await client.failTask(FailTaskRequest(id: task.id, workerID: workerID, error: "Missing message"))
        exit(1)
    }
    let result = JSONValue.object(["echoed": message])
    _ = try await client.completeTask(CompleteTaskRequest(id: task.id, workerID: workerID, resultJSON: result.canonicalText))
    print(task.id)
    await client.close()
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}
