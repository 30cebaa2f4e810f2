import Foundation
import TaskManagerServer
import XCTest

extension CLITests {
    func testVersionPrintsTheServersVersion() throws {
        let version = try command(["--version"])
        XCTAssertEqual(version.status, 0, version.stderr)
        XCTAssertEqual(version.stdout.trimmingCharacters(in: .whitespacesAndNewlines), TaskService.version)
    }

    func testCreatingATaskOfAnUnknownTypeNamesTheType() throws {
        let server = try startServer(database: "unknown-type.db")
        let created = try cli(server, "create", "no.such.type")
        XCTAssertEqual(created.status, 5, created.stderr)
        XCTAssertEqual(created.stderr.trimmingCharacters(in: .whitespacesAndNewlines), #"error: NOT_FOUND: Task type "no.such.type" not found"#)
    }

    func testJSONOptionsThatAreNotJSONGiveThePosition() throws {
        let params = try command(["create", "any.type", "--params", #"{"a":1,}"#, "--server", "127.0.0.1:1"])
        XCTAssertEqual(params.status, 64, params.stderr)
        XCTAssertTrue(params.stderr.contains("--params: Invalid JSON at byte 7: Expected a string key"), params.stderr)
        let result = try command(["complete", "1", "--worker", "w", "--result", "[1,", "--server", "127.0.0.1:1"])
        XCTAssertEqual(result.status, 64, result.stderr)
        XCTAssertTrue(result.stderr.contains("--result: Invalid JSON at byte 3: Unexpected end of input"), result.stderr)
    }

    func testARefusedConnectionAsksWhetherTheServerIsRunning() throws {
        // A port nothing listens on: bound and closed again.
        let socket = try ServerSocketPort.free()
        let refused = try command(["get", "1", "--server", "127.0.0.1:\(socket)"])
        XCTAssertEqual(refused.status, 14, refused.stderr)
        XCTAssertEqual(
            refused.stderr.trimmingCharacters(in: .whitespacesAndNewlines),
            "error: UNAVAILABLE: Cannot connect to 127.0.0.1:\(socket): connection refused; is the server running on 127.0.0.1:\(socket)?")
    }
}

/// A local TCP port that was free a moment ago.
enum ServerSocketPort {
    static func free() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw POSIXError(.EMFILE) }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0 }
        }
        guard bound else { throw POSIXError(.EADDRINUSE) }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
