import NIOCore
import TaskManagerCore
import TaskManagerProtocol
import XCTest

/// No answer frame is larger than `--max-frame-bytes`, and every frame up to it is sent.
final class ResponseLimitTests: ServerTestCase {
    /// The body size of the frame that answers call 1 with `task`, packed as the server packs it.
    private func frameSize(_ task: Task) -> Int {
        let arena = CArena()
        var buffer = ByteBuffer()
        arena.withScope { _ = buffer.writeResponseFrame(callID: 1, status: .ok, message: task, arena: arena) }
        return buffer.readableBytes - 4
    }

    func testAnAnswerFrameOfExactlyTheLimitIsSentAndOneByteMoreIsRefusedNamingTheLimit() async throws {
        try await startServer()
        try await registerType("blob")
        let fill = String(repeating: "x", count: 10_000)
        let exact = try await client.getTask(id: try await createTask("blob", params: #"{"blob":"\#(fill)"}"#).id)
        let over = try await client.getTask(id: try await createTask("blob", params: #"{"blob":"\#(fill)y"}"#).id)
        let limit = frameSize(exact)
        XCTAssertEqual(frameSize(over), limit + 1)

        try await restartServer { $0.maxFrameBytes = limit }
        let raw = try await RawConnection.connect(port: server.port)
        defer { _Concurrency.Task { await raw.close() } }
        try await raw.send(RPCRequest.call(1, "GetTask", GetTaskRequest(id: exact.id)))
        let sent = try await raw.nextResponse()
        XCTAssertEqual(sent.status.code, .ok, sent.status.message)
        XCTAssertEqual(try Task(wireBytes: sent.payload).id, exact.id)

        try await raw.send(RPCRequest.call(1, "GetTask", GetTaskRequest(id: over.id)))
        let refused = try await raw.nextResponse()
        XCTAssertEqual(refused.status.code, .resourceExhausted)
        XCTAssertEqual(
            refused.status.message, "Response of \(limit + 1) bytes exceeds the frame limit of \(limit) bytes; ask for fewer items")
    }
}
