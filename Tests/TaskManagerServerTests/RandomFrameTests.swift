import NIOCore
import TaskManagerCore
import TaskManagerProtocol
import XCTest

/// Whatever bytes arrive inside frames, the server answers or ignores them, never crashes, and keeps serving.
final class RandomFrameTests: ServerTestCase {
    /// A small deterministic generator (SplitMix64), so a failure can be replayed.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    func testMutatedAndRandomFramesNeverTakeTheServerDown() async throws {
        try await startServer()
        try await registerType()
        _ = try await createTask()
        var random = SplitMix(state: 20261129)
        let valid: [RPCClientFrame] = [
            RPCRequest.call(1, "GetTask", GetTaskRequest(id: 1)),
            RPCRequest.call(2, "CreateTask", CreateTaskRequest(type: "example.echo", paramsJSON: #"{"a":[1,{"b":null}]}"#)),
            RPCRequest.call(3, "ListTasks", ListTasksRequest(status: .pending, limit: 5)),
            RPCRequest.call(4, "ClaimTask", ClaimTaskRequest(workerID: "w", typePattern: "%", sortBy: "priority")),
            .cancel(RPCCancel(callID: 1)), .ping(RPCPing(nonce: 5)),
        ]
        let raw = try await RawConnection.connect(port: server.port)
        var batch = ByteBuffer()
        for round in 0..<3000 {
            var body: [UInt8]
            if round % 3 == 0 {
                body = (0..<Int.random(in: 0..<64, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            } else {
                body = Array(valid[round % valid.count].wireBytes().readableBytesView)
                for _ in 0..<Int.random(in: 1...4, using: &random) where !body.isEmpty {
                    body[Int.random(in: 0..<body.count, using: &random)] ^= UInt8.random(in: 1...255, using: &random)
                }
            }
            batch.writeInteger(UInt32(body.count))
            batch.writeBytes(body)
            if round % 100 == 99 {
                try await raw.send(bytes: batch)
                batch.clear()
            }
        }
        try await raw.send(.ping(RPCPing(nonce: 424242)))
        // The connection that sent all of it is still served: its last ping is answered.
        var sawPong = false
        while let frame = try await raw.next() {
            if frame == .pong(RPCPong(nonce: 424242)) {
                sawPong = true
                break
            }
        }
        XCTAssertTrue(sawPong)
        await raw.close()
        let health = try await client.health()
        XCTAssertEqual(health.status, "healthy")
    }
}
