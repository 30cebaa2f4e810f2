import Foundation
import XCTest

final class GeneratedCodeTests: XCTestCase {
    private let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Generated/ must be exactly what scripts/generate makes from proto/ (needs protoc-c, as CI installs it).
    func testGeneratedCodeIsCurrent() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [root.appendingPathComponent("scripts/check-generated").path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        process.waitUntilExit()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertEqual(process.terminationStatus, 0, text)
    }

    /// docs/protocol.md shows both protos as they are, character for character.
    func testProtocolDocShowsTheProtos() throws {
        let doc = try String(contentsOf: root.appendingPathComponent("docs/protocol.md"), encoding: .utf8)
        for (path, heading) in [
            ("proto/taskmanager/rpc/v1/rpc.proto", "`proto/taskmanager/rpc/v1/rpc.proto`, complete:"),
            ("proto/taskmanager/v1/task_service.proto", "## Appendix: task_service.proto"),
        ] {
            let proto = try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
            let section = try XCTUnwrap(doc.range(of: heading), "docs/protocol.md has no \(heading)")
            let start = try XCTUnwrap(doc.range(of: "```proto\n", range: section.upperBound..<doc.endIndex))
            let end = try XCTUnwrap(doc.range(of: "```", range: start.upperBound..<doc.endIndex))
            XCTAssertEqual(String(doc[start.upperBound..<end.lowerBound]), proto, "copy \(path) into docs/protocol.md")
        }
    }
}
