import Foundation
import Logging
import NIOCore
import Synchronization
@testable import TaskManagerServer
import TaskManagerCore
import TaskManagerProtocol
import XCTest

/// What operators see in the log: a line per connection opened and closed (peer, reason), per rejected frame
/// (why), and per unary call slower than `--slow-call-ms`; and the JSON format.
final class ServerLogTests: ServerTestCase {
    private let logs = LogCapture()

    override func setUp() async throws {
        try await super.setUp()
        try await startServer(
            { $0.slowCallMs = 100 }, store: { DelayingStore(base: $0, delay: .milliseconds(300)) }, logger: logs.logger(level: .info))
    }

    func testConnectionsRejectedFramesAndSlowCallsAreLogged() async throws {
        let raw = try await RawConnection.connect(port: server.port)
        try await raw.send(bytes: ProtoBytes.frame([0xFF]))
        _ = try await raw.nextResponse()
        await assertError(.notFound) { try await self.client.getTask(id: DelayingStore.slowTaskID) }
        await assertError(.notFound) { try await self.client.getTask(id: 12345) }
        await raw.close()
        try await waitFor { self.logs.text.contains("Connection closed") }

        let text = logs.text
        XCTAssertTrue(text.contains("INFO Connection opened peer=[IPv4]127.0.0.1/127.0.0.1:"), text)
        XCTAssertTrue(text.contains("INFO Frame rejected code=INVALID_ARGUMENT peer=[IPv4]127.0.0.1"), text)
        XCTAssertTrue(text.contains("reason=Invalid frame: not a taskmanager.rpc.v1.ClientFrame"), text)
        XCTAssertTrue(text.contains("calls_in_flight=0 peer=[IPv4]127.0.0.1/127.0.0.1:"), text)
        XCTAssertTrue(text.contains("reason=closed by the client"), text)
        let slow = text.split(separator: "\n").filter { $0.contains("Slow call") }
        XCTAssertEqual(slow.count, 1, "only the 300 ms call is slow: \(slow)")
        XCTAssertTrue(slow.first?.contains("code=NOT_FOUND method=GetTask") == true, "\(slow)")
    }

    func testTheJSONFormatWritesOneObjectPerLineWithTheMetadata() throws {
        let lines = Mutex<[String]>([])
        var handler = JSONLogHandler(label: "taskmanager") { line in lines.withLock { $0.append(line) } }
        handler.logLevel = .info
        let logger = Logger(label: "taskmanager") { _ in handler }
        logger.info("Connection opened", metadata: ["peer": "127.0.0.1:5000"])
        logger.debug("not written")
        let written = lines.withLock { $0 }
        XCTAssertEqual(written.count, 1)
        let line = try XCTUnwrap(written.first)
        XCTAssertTrue(line.hasSuffix("}\n"))
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String])
        XCTAssertEqual(object["message"], "Connection opened")
        XCTAssertEqual(object["level"], "info")
        XCTAssertEqual(object["peer"], "127.0.0.1:5000")
        XCTAssertEqual(object["label"], "taskmanager")
        XCTAssertNotNil(object["time"])
    }

    private func waitFor(_ condition: @escaping () -> Bool) async throws {
        for _ in 0..<100 where !condition() { try await _Concurrency.Task.sleep(for: .milliseconds(20)) }
    }
}
