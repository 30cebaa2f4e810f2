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

    /// docs/protocol.md's appendix is the service's proto, character for character.
    func testProtocolAppendixIsTheProto() throws {
        let proto = try String(contentsOf: root.appendingPathComponent("proto/taskmanager/v1/task_service.proto"), encoding: .utf8)
        let doc = try String(contentsOf: root.appendingPathComponent("docs/protocol.md"), encoding: .utf8)
        let appendix = try XCTUnwrap(doc.range(of: "## Appendix: task_service.proto"), "docs/protocol.md has no appendix")
        let start = try XCTUnwrap(doc.range(of: "```proto\n", range: appendix.upperBound..<doc.endIndex))
        let end = try XCTUnwrap(doc.range(of: "```", range: start.upperBound..<doc.endIndex))
        XCTAssertEqual(String(doc[start.upperBound..<end.lowerBound]), proto, "copy the proto into docs/protocol.md's appendix")
    }
}
