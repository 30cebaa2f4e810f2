import Foundation
import NIOCore
import TaskManagerClient
import TaskManagerCore
import TaskManagerProtocol
import XCTest

/// The client's calls by method name with protobuf bytes (what `taskmanager call` sends), against a real server.
final class RawCallTests: ServerTestCase {
    override func setUp() async throws {
        try await super.setUp()
        try await startServer()
        _ = try await registerType()
    }

    private static func bytes(_ message: some WireMessage) -> [UInt8] {
        Array(message.wireBytes().readableBytesView)
    }

    func testARawCallSendsTheBytesAndReturnsTheResponseBytes() async throws {
        let request = CreateTaskRequest(type: "example.echo", paramsJSON: #"{"n":1}"#, priority: 7)
        let answer = try await client.rawCall("/taskmanager.v1.TaskService/CreateTask", payload: Self.bytes(request))
        let response = try CreateTaskResponse(wireBytes: answer)
        XCTAssertEqual(response.task?.priority, 7)
        XCTAssertEqual(response.task?.paramsJSON, #"{"n":1}"#)
        let stored = try await client.getTask(id: XCTUnwrap(response.task?.id))
        XCTAssertEqual(stored.priority, 7)
    }

    func testARawCallThrowsTheServersStatus() async throws {
        await assertError(.notFound, "Task not found") {
            _ = try await self.client.rawCall("/taskmanager.v1.TaskService/GetTask", payload: Self.bytes(GetTaskRequest(id: 999)))
        }
        await assertError(.unimplemented) {
            _ = try await self.client.rawCall("/taskmanager.v1.TaskService/Frobnicate", payload: [])
        }
        await assertError(.invalidArgument) {
            _ = try await self.client.rawCall("/taskmanager.v1.TaskService/GetTask", payload: [0x08])
        }
    }

    func testARawStreamYieldsEveryItemThenEnds() async throws {
        let task = try await createTask()
        _ = try await client.cancelTask(id: task.id)
        var events: [TaskEvent] = []
        let stream = client.rawStream("/taskmanager.v1.TaskService/WatchTask", payload: Self.bytes(WatchTaskRequest(id: task.id)))
        for try await item in stream { events.append(try TaskEvent(wireBytes: item)) }
        XCTAssertEqual(events.map { $0.entry?.statusChange ?? "snapshot" }, ["snapshot", "created", "cancelled"])
        XCTAssertEqual(events.last?.task?.status, .cancelled)

        let unknown = client.rawStream("/taskmanager.v1.TaskService/WatchTask", payload: Self.bytes(WatchTaskRequest(id: 999)))
        await assertError(.notFound) { for try await _ in unknown {} }
    }

    func testTheDescriptorSetIsTheGeneratedOne() async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let file = try Data(contentsOf: root.appendingPathComponent("Generated/descriptors/taskmanager.protoset"))
        let served = try await client.fileDescriptorSet()
        XCTAssertEqual(served, Array(file))
    }
}
