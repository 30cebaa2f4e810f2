import NIOCore
import TaskManagerCore
import TaskManagerProtocol
import XCTest

/// The read timeout for a partly received frame and the cap on connections (docs/protocol.md, "Connection limits").
final class ConnectionLimitTests: ServerTestCase {
    private var raws: [RawConnection] = []

    override func tearDown() async throws {
        for raw in raws { await raw.close() }
        raws = []
        try await super.tearDown()
    }

    private func connectRaw() async throws -> RawConnection {
        let raw = try await RawConnection.connect(port: server.port)
        raws.append(raw)
        return raw
    }

    /// The first 4 bytes of a frame announcing a body of `length` bytes.
    private func header(_ length: UInt32) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeInteger(length)
        return buffer
    }

    func testAConnectionStuckInTheMiddleOfAFrameIsClosedAfterTheReadTimeout() async throws {
        try await startServer { $0.readTimeoutSeconds = 1 }
        let raw = try await connectRaw()
        var partial = header(100)
        partial.writeBytes([UInt8](repeating: 0, count: 10))
        try await raw.send(bytes: partial)
        let error = try await raw.nextResponse()
        XCTAssertEqual(error.callID, 0)
        XCTAssertEqual(error.status.code, .deadlineExceeded)
        XCTAssertEqual(error.status.message, "Read timeout: no more of the frame arrived within 1 s")
        guard case .goAway(let goAway) = try await raw.next() else { return XCTFail("expected GoAway") }
        XCTAssertEqual(goAway.reason, "Read timeout")
        let end = try await raw.next()
        XCTAssertNil(end, "the server closes the connection")
        let health = try await client.health()
        XCTAssertEqual(health.status, "healthy", "other connections keep working")
    }

    func testAConnectionThatSentPartOfAFrameHeaderIsClosedAfterTheReadTimeout() async throws {
        try await startServer { $0.readTimeoutSeconds = 1 }
        let raw = try await connectRaw()
        var twoBytes = ByteBuffer()
        twoBytes.writeBytes([0, 0])
        try await raw.send(bytes: twoBytes)
        let error = try await raw.nextResponse()
        XCTAssertEqual(error.status.code, .deadlineExceeded)
        guard case .goAway = try await raw.next() else { return XCTFail("expected GoAway") }
        let end = try await raw.next()
        XCTAssertNil(end)
    }

    func testAFrameSentSlowlyButSteadilyIsServed() async throws {
        try await startServer { $0.readTimeoutSeconds = 1 }
        let raw = try await connectRaw()
        var frame = ByteBuffer()
        frame.writeFrame(RPCClientFrame.ping(RPCPing(nonce: 42)))
        // Each byte comes well within the timeout; the whole frame takes longer than it.
        let pieces = frame.readableBytes
        for n in 0..<pieces {
            try await raw.send(bytes: frame.getSlice(at: n, length: 1)!)
            try await _Concurrency.Task.sleep(for: .milliseconds(1500 / pieces + 1))
        }
        let pong = try await raw.next()
        XCTAssertEqual(pong, .pong(RPCPong(nonce: 42)))
    }

    func testAnIdleConnectionBetweenFramesIsNotClosedByTheReadTimeout() async throws {
        try await startServer { $0.readTimeoutSeconds = 1 }
        let raw = try await connectRaw()
        // Many frames per read, a body over many reads, and a write that ends inside a length: the server must
        // still know that the connection ended between frames.
        var frames = ByteBuffer()
        for nonce in 1...500 { frames.writeFrame(RPCClientFrame.ping(RPCPing(nonce: UInt64(nonce)))) }
        // A 200 KB body: an unknown field of the request, which the server ignores.
        frames.writeFrame(RPCClientFrame.request(RPCRequest(
            callID: 1, method: "/taskmanager.v1.TaskService/Health",
            payload: ByteBuffer(bytes: ProtoBytes.string(99, [UInt8](repeating: 0x70, count: 200_000))))))
        frames.writeFrame(RPCClientFrame.ping(RPCPing(nonce: 501)))
        let cut = frames.readableBytes - 3
        try await raw.send(bytes: frames.getSlice(at: 0, length: cut)!)
        try await raw.send(bytes: frames.getSlice(at: cut, length: 3)!)
        var pongs = 0
        var health: RPCResponse?
        while pongs < 501 || health == nil {
            switch try await raw.next() {
            case .pong: pongs += 1
            case .response(let response): health = response
            default: return XCTFail("unexpected frame")
            }
        }
        XCTAssertEqual(health?.status.code, .ok)
        try await _Concurrency.Task.sleep(for: .milliseconds(2500))
        try await raw.send(.ping(RPCPing(nonce: 2)))
        let second = try await raw.next()
        XCTAssertEqual(second, .pong(RPCPong(nonce: 2)))
    }

    func testTheReadTimeoutDoesNotRunWhileTheServerHoldsBackReadsOfAClientThatDoesNotRead() async throws {
        try await startServer { $0.readTimeoutSeconds = 1 }
        try await registerType()
        let task = try await createTask(params: #"{"pad":"\#(String(repeating: "x", count: 400))"}"#)
        let stalled = try await RawConnection.connect(port: server.port, reading: false)
        raws.append(stalled)
        let calls = 50_000
        var frames = ByteBuffer()
        for id in 1...calls { frames.writeFrame(RPCRequest.call(UInt64(id), "GetTask", GetTaskRequest(id: task.id))) }
        stalled.sendWithoutWaiting(bytes: frames)
        // The server stops reading, most likely in the middle of a frame, for longer than the timeout.
        try await _Concurrency.Task.sleep(for: .seconds(3))
        try await stalled.startReading()
        for _ in 0..<calls {
            let response = try await stalled.nextResponse()
            XCTAssertEqual(response.status.code, .ok)
        }
    }

    func testConnectionsOverTheCapGetGoAwayAndAreClosedWhileTheOthersAreServed() async throws {
        // The test's own client is the first of the three.
        try await startServer { $0.maxConnections = 3 }
        let second = try await connectRaw()
        let third = try await connectRaw()
        for raw in [second, third] {
            try await raw.send(.ping(RPCPing(nonce: 7)))
            let pong = try await raw.next()
            XCTAssertEqual(pong, .pong(RPCPong(nonce: 7)))
        }

        let refused = try await connectRaw()
        guard case .goAway(let goAway) = try await refused.next() else { return XCTFail("expected GoAway") }
        XCTAssertEqual(goAway.lastCallID, 0)
        XCTAssertEqual(goAway.reason, "Too many connections (the limit is 3)")
        let end = try await refused.next()
        XCTAssertNil(end, "the server closes the refused connection")

        try await second.send(.ping(RPCPing(nonce: 8)))
        let pong = try await second.next()
        XCTAssertEqual(pong, .pong(RPCPong(nonce: 8)), "open connections are unaffected")
        let health = try await client.health()
        XCTAssertEqual(health.status, "healthy")

        // A closed connection frees its place.
        await third.close()
        var accepted = false
        for _ in 0..<50 where !accepted {
            let next = try await connectRaw()
            // Refused while the closed connection is still counted: the server may have closed this one already.
            try? await next.send(.ping(RPCPing(nonce: 9)))
            accepted = (try? await next.next()) == .pong(RPCPong(nonce: 9))
            await next.close()
            if !accepted { try await _Concurrency.Task.sleep(for: .milliseconds(100)) }
        }
        XCTAssertTrue(accepted, "a new connection is served once there is room")
    }
}
