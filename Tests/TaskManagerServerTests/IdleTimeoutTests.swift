import NIOCore
import TaskManagerCore
import TaskManagerProtocol
import XCTest

/// `--idle-timeout`: a connection with no call in flight and nothing arriving is closed with a GoAway; one whose
/// call waits, or that keeps calling, is not (docs/protocol.md, "Connection limits").
final class IdleTimeoutTests: ServerTestCase {
    func testAnIdleConnectionGetsAGoAwayAndIsClosed() async throws {
        try await startServer { $0.idleTimeoutSeconds = 1 }
        let raw = try await RawConnection.connect(port: server.port)
        defer { _Concurrency.Task { await raw.close() } }
        let started = ContinuousClock.now
        try await raw.send(.ping(RPCPing(nonce: 1)))
        let pong = try await raw.next()
        XCTAssertEqual(pong, .pong(RPCPong(nonce: 1)))
        guard case .goAway(let goAway) = try await raw.next() else { return XCTFail("expected GoAway") }
        XCTAssertEqual(goAway.reason, "Idle timeout: no call for 1 s")
        let end = try await raw.next()
        XCTAssertNil(end, "the server closes the connection")
        XCTAssertGreaterThanOrEqual(ContinuousClock.now - started, .milliseconds(950))
        let health = try await client.health()
        XCTAssertEqual(health.status, "healthy", "a new connection is served")
    }

    func testAConnectionThatKeepsCallingOrWaitsForAnAnswerIsNotIdle() async throws {
        try await startServer { $0.idleTimeoutSeconds = 1 }
        try await registerType()
        let raw = try await RawConnection.connect(port: server.port)
        defer { _Concurrency.Task { await raw.close() } }
        // Calls every 400 ms for 2 s.
        for nonce in UInt64(1)...5 {
            try await raw.send(.ping(RPCPing(nonce: nonce)))
            let pong = try await raw.next()
            XCTAssertEqual(pong, .pong(RPCPong(nonce: nonce)))
            try await _Concurrency.Task.sleep(for: .milliseconds(400))
        }
        // A long-poll claim that waits 2.5 s for a task: in flight, so not idle.
        try await raw.send(RPCRequest.call(1, "ClaimTask", ClaimTaskRequest(workerID: "w", typePattern: "example.echo", waitMs: 2_500)))
        let claim = try await raw.nextResponse()
        XCTAssertEqual(claim.callID, 1)
        XCTAssertEqual(claim.status.code, .ok)
        XCTAssertTrue(raw.isActive)
        // Idle from the claim's answer on.
        guard case .goAway = try await raw.next() else { return XCTFail("expected GoAway once idle") }
    }

    func testZeroNeverClosesAnIdleConnection() async throws {
        try await startServer { $0.idleTimeoutSeconds = 0 }
        let raw = try await RawConnection.connect(port: server.port)
        defer { _Concurrency.Task { await raw.close() } }
        try await _Concurrency.Task.sleep(for: .milliseconds(1500))
        try await raw.send(.ping(RPCPing(nonce: 9)))
        let pong = try await raw.next()
        XCTAssertEqual(pong, .pong(RPCPong(nonce: 9)))
    }
}
