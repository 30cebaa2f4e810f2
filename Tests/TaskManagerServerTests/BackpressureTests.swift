import NIOCore
import TaskManagerCore
import TaskManagerProtocol
import XCTest

@testable import TaskManagerServer

/// A client that writes calls and never reads its answers stalls only itself (docs/protocol.md, "Flow control").
final class BackpressureTests: ServerTestCase {
    func testAClientThatWritesWithoutReadingHoldsBoundedServerMemoryAndGetsEveryAnswerOnceItReads() async throws {
        try await startServer()
        try await registerType()
        // About 550 bytes per answer to a call of about 50 bytes: 100,000 calls would be 55 MB of unsent answers.
        let task = try await createTask(params: #"{"pad":"\#(String(repeating: "x", count: 400))"}"#)
        let calls = 100_000
        let stalled = try await RawConnection.connect(port: server.port, reading: false)
        defer { _Concurrency.Task { await stalled.close() } }
        var frames = ByteBuffer()
        for id in 1...calls { frames.writeFrame(RPCRequest.call(UInt64(id), "GetTask", GetTaskRequest(id: task.id))) }
        // Not awaited: once the server stops reading, the rest waits in this client's own buffers.
        stalled.sendWithoutWaiting(bytes: frames)

        // The server's unsent bytes (the kernel's send buffer full, the rest in NIO's queue) must level off.
        // One read's worth of calls is answered before reading stops (about 1.4 MB here); without backpressure
        // this grows past 18 MB within seconds.
        let bound = 8 << 20
        var mostUnsent = 0
        let end = ContinuousClock.now + .seconds(5)
        while ContinuousClock.now < end && mostUnsent <= bound {
            mostUnsent = max(mostUnsent, await server.unsentBytesPerConnection().max() ?? 0)
            try await _Concurrency.Task.sleep(for: .milliseconds(50))
        }
        XCTAssertLessThanOrEqual(mostUnsent, bound, "unsent answers of one connection stay bounded")

        // Other connections are served meanwhile.
        let health = try await client.health()
        XCTAssertEqual(health.status, "healthy")
        let fetched = try await client.getTask(id: task.id)
        XCTAssertEqual(fetched.id, task.id)

        // Once the client reads, every call gets its one answer.
        try await stalled.startReading()
        var answered = Set<UInt64>()
        for _ in 0..<calls {
            let response = try await stalled.nextResponse()
            XCTAssertEqual(response.status.code, .ok)
            answered.insert(response.callID)
        }
        XCTAssertEqual(answered.count, calls)
        XCTAssertEqual(answered.min(), 1)
        XCTAssertEqual(answered.max(), UInt64(calls))
    }
}
