import NIOCore
import TaskManagerCore
import TaskManagerProtocol
import XCTest

/// The envelope rules of docs/protocol.md, spoken byte for byte over a real socket.
final class WireProtocolTests: ServerTestCase {
    var raw: RawConnection!

    override func setUp() async throws {
        try await super.setUp()
        try await startServer({ $0.maxFrameBytes = 64 * 1024 }, store: { DelayingStore(base: $0, delay: .milliseconds(400)) })
        raw = try await RawConnection.connect(port: server.port)
    }

    override func tearDown() async throws {
        await raw?.close()
        try await super.tearDown()
    }

    func testPingIsAnsweredWithTheSameNonce() async throws {
        try await raw.send(.ping(RPCPing(nonce: 0xDEAD_BEEF)))
        let frame = try await raw.next()
        XCTAssertEqual(frame, .pong(RPCPong(nonce: 0xDEAD_BEEF)))
    }

    func testUnaryCallGetsOneFinalResponseWithThePayload() async throws {
        try await raw.send(RPCRequest.call(7, "Health", HealthRequest()))
        let response = try await raw.nextResponse()
        XCTAssertEqual(response.callID, 7)
        XCTAssertEqual(response.status.code, .ok)
        XCTAssertTrue(response.endOfStream)
        XCTAssertEqual(try HealthResponse(wireBytes: response.payload).status, "healthy")
    }

    func testGarbageFrameGetsCallZeroInvalidArgumentAndTheConnectionStaysUsable() async throws {
        var garbage = ByteBuffer()
        garbage.writeInteger(UInt32(3))
        garbage.writeBytes([0x0A, 0x7F, 0x01])
        try await raw.send(bytes: garbage)
        let error = try await raw.nextResponse()
        XCTAssertEqual(error.callID, 0)
        XCTAssertEqual(error.status.code, .invalidArgument)
        try await raw.send(RPCRequest.call(1, "Health", HealthRequest()))
        let ok = try await raw.nextResponse()
        XCTAssertEqual(ok.callID, 1)
        XCTAssertEqual(ok.status.code, .ok)
    }

    func testFrameWithNoKindIsInvalidArgument() async throws {
        try await raw.send(.empty)
        let error = try await raw.nextResponse()
        XCTAssertEqual(error.callID, 0)
        XCTAssertEqual(error.status.code, .invalidArgument)
        XCTAssertEqual(error.status.message, "Invalid frame: no kind set")
    }

    func testCallIDZeroIsInvalidArgument() async throws {
        try await raw.send(RPCRequest.call(0, "Health", HealthRequest()))
        let error = try await raw.nextResponse()
        XCTAssertEqual(error.callID, 0)
        XCTAssertEqual(error.status.code, .invalidArgument)
    }

    func testDuplicateInFlightCallIDIsRefusedAndTheFirstCallIsUnaffected() async throws {
        try await raw.send(
            RPCRequest.call(5, "GetTask", GetTaskRequest(id: DelayingStore.slowTaskID)),
            RPCRequest.call(5, "Health", HealthRequest()))
        let duplicate = try await raw.nextResponse()
        XCTAssertEqual(duplicate.callID, 0)
        XCTAssertEqual(duplicate.status.code, .invalidArgument)
        XCTAssertEqual(duplicate.status.message, "Invalid request: call_id 5 is already in flight")
        let original = try await raw.nextResponse()
        XCTAssertEqual(original.callID, 5)
        XCTAssertEqual(original.status.code, .notFound, "the slow GetTask ran to its own end")
    }

    func testPipelinedCallsAreAnsweredOutOfOrder() async throws {
        try await raw.send(
            RPCRequest.call(1, "GetTask", GetTaskRequest(id: DelayingStore.slowTaskID)),
            RPCRequest.call(2, "Health", HealthRequest()),
            RPCRequest.call(3, "ListTasks", ListTasksRequest()))
        var order: [UInt64] = []
        for _ in 0..<3 { order.append(try await raw.nextResponse().callID) }
        XCTAssertEqual(order.last, 1, "the slow call finishes last")
        XCTAssertEqual(Set(order), [1, 2, 3])
    }

    func testCancelEndsAnInFlightCallWithCancelled() async throws {
        try await raw.send(RPCRequest.call(9, "GetTask", GetTaskRequest(id: DelayingStore.slowTaskID)))
        try await raw.send(.cancel(RPCCancel(callID: 9)))
        let response = try await raw.nextResponse()
        XCTAssertEqual(response.callID, 9)
        XCTAssertEqual(response.status.code, .cancelled)
        // Exactly one final response: the next frame answers the next call.
        try await raw.send(.ping(RPCPing(nonce: 1)))
        let next = try await raw.next()
        XCTAssertEqual(next, .pong(RPCPong(nonce: 1)))
    }

    func testCancelAfterTheCallFinishedChangesNothing() async throws {
        try await raw.send(RPCRequest.call(4, "Health", HealthRequest()))
        let response = try await raw.nextResponse()
        XCTAssertEqual(response.status.code, .ok)
        try await raw.send(.cancel(RPCCancel(callID: 4)), .ping(RPCPing(nonce: 2)))
        let next = try await raw.next()
        XCTAssertEqual(next, .pong(RPCPong(nonce: 2)))
    }

    func testTimeoutEndsTheCallWithDeadlineExceeded() async throws {
        try await raw.send(RPCRequest.call(3, "GetTask", GetTaskRequest(id: DelayingStore.slowTaskID), timeoutMs: 50))
        let response = try await raw.nextResponse()
        XCTAssertEqual(response.callID, 3)
        XCTAssertEqual(response.status.code, .deadlineExceeded)
    }

    func testUnknownMethodIsUnimplemented() async throws {
        try await raw.send(RPCRequest.call(2, "Frobnicate", HealthRequest()))
        let response = try await raw.nextResponse()
        XCTAssertEqual(response.status.code, .unimplemented)
        XCTAssertEqual(response.status.message, "Method not found: /taskmanager.v1.TaskService/Frobnicate")
    }

    func testPayloadThatDoesNotDecodeIsInvalidArgument() async throws {
        let request = RPCRequest(callID: 2, method: "/taskmanager.v1.TaskService/GetTask", payload: ByteBuffer(bytes: [0xFF, 0xFF]))
        try await raw.send(.request(request))
        let response = try await raw.nextResponse()
        XCTAssertEqual(response.status.code, .invalidArgument)
        XCTAssertEqual(response.status.message, "Invalid request payload for GetTask: expected taskmanager.v1.GetTaskRequest")
    }

    func testFrameOverTheLimitIsRefusedThenTheConnectionClosesAndOthersAreUnaffected() async throws {
        var header = ByteBuffer()
        header.writeInteger(UInt32(64 * 1024 + 1))
        // Only the length: the server must answer without waiting for the body.
        try await raw.send(bytes: header)
        let error = try await raw.nextResponse()
        XCTAssertEqual(error.callID, 0)
        XCTAssertEqual(error.status.code, .resourceExhausted)
        guard case .goAway = try await raw.next() else { return XCTFail("expected GoAway") }
        let end = try await raw.next()
        XCTAssertNil(end, "the server closes the connection")
        let health = try await client.health()
        XCTAssertEqual(health.status, "healthy", "other connections keep working")
    }

    func testAResponseOverTheFrameLimitIsResourceExhausted() async throws {
        try await registerType("blob")
        let blob = String(repeating: "x", count: 10_000)
        for n in 0..<10 { _ = try await createTask("blob", params: #"{"n":\#(n),"blob":"\#(blob)"}"#) }
        do {
            _ = try await client.listTasks(ListTasksRequest(limit: 10))
            XCTFail("expected RESOURCE_EXHAUSTED")
        } catch let error as TaskManagerError {
            XCTAssertEqual(error.code, .resourceExhausted)
            // The limit named is the configured one, and the size the whole frame's.
            let message = error.message
            XCTAssertTrue(message.hasSuffix(" bytes exceeds the frame limit of 65536 bytes; ask for fewer items"), message)
            let size = Int(message.dropFirst("Response of ".count).prefix { $0.isNumber }) ?? 0
            XCTAssertGreaterThan(size, 65536, message)
        }
        let page = try await client.listTasks(ListTasksRequest(limit: 2))
        XCTAssertEqual(page.count, 2)
    }

    func testShutdownSaysGoAwayLetsCallsInFlightFinishAndRefusesNewOnes() async throws {
        try await raw.send(RPCRequest.call(11, "GetTask", GetTaskRequest(id: DelayingStore.slowTaskID)))
        // Let the slow call start before the shutdown begins.
        try await _Concurrency.Task.sleep(for: .milliseconds(50))
        let server = self.server!
        let shutdown = _Concurrency.Task { await server.shutdown() }
        guard case .goAway(let goAway) = try await raw.next() else { return XCTFail("expected GoAway") }
        XCTAssertEqual(goAway.lastCallID, 11)
        try await raw.send(RPCRequest.call(12, "Health", HealthRequest()))
        let refused = try await raw.nextResponse()
        XCTAssertEqual(refused.callID, 12)
        XCTAssertEqual(refused.status.code, .unavailable)
        XCTAssertEqual(refused.status.message, "Server is shutting down")
        let finished = try await raw.nextResponse()
        XCTAssertEqual(finished.callID, 11)
        XCTAssertEqual(finished.status.code, .notFound, "the call in flight ran to its own end")
        let end = try await raw.next()
        XCTAssertNil(end, "the connection closes once its calls are done")
        await shutdown.value
    }
}
