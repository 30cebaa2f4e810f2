import NIOCore
import TaskManagerCore
import TaskManagerProtocol
import XCTest

/// Beyond the calls-in-flight cap of a connection the server stops reading it: the calls past the cap wait, in
/// order, and start as earlier ones finish; none is refused.
final class InFlightLimitTests: ServerTestCase {
    override func setUp() async throws {
        try await super.setUp()
        try await startServer({ $0.maxConcurrentCallsPerConnection = 4 }, store: { DelayingStore(base: $0, delay: .milliseconds(300)) })
    }

    func testCallsPastTheCapWaitTheirTurnInsteadOfBeingRefused() async throws {
        let raw = try await RawConnection.connect(port: server.port)
        var burst = ByteBuffer()
        for id in 1...10 {
            // Each call waits 300 ms in the store (the task is missing, so each ends NOT_FOUND).
            burst.writeFrame(RPCRequest.call(UInt64(id), "GetTask", GetTaskRequest(id: DelayingStore.slowTaskID)))
        }
        burst.writeFrame(RPCClientFrame.ping(RPCPing(nonce: 77)))
        let started = ContinuousClock.now
        try await raw.send(bytes: burst)
        var answered: [UInt64: Duration] = [:]
        var pongAfter: Int?
        while answered.count < 10 || pongAfter == nil {
            let frame = try await raw.next()
            switch frame {
            case .response(let response):
                XCTAssertEqual(response.status.code, .notFound, response.status.message)
                answered[response.callID] = ContinuousClock.now - started
            case .pong(let pong):
                XCTAssertEqual(pong.nonce, 77)
                pongAfter = answered.count
            default:
                return XCTFail("unexpected \(String(describing: frame))")
            }
        }
        XCTAssertEqual(Set(answered.keys), Set(1...10))
        // Four at a time, each taking 300 ms: the last ones started only after two rounds had finished.
        let last = try XCTUnwrap(answered.values.max())
        XCTAssertGreaterThanOrEqual(last, .milliseconds(850), "\(answered)")
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(pongAfter), 6, "the ping waited behind the calls sent before it")
        await raw.close()
    }
}
