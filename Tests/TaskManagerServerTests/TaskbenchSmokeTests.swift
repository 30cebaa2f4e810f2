// Smoke tests of the `taskbench` executable against a server started in-process.
//
// A test target cannot depend on an executable product, so `swift build` must have built `taskbench` before
// `swift test` runs (the Makefile's test target does). The binary is looked up next to the running test bundle,
// then in the package's `.build/debug`; when it is missing, the tests fail saying so.
import Foundation
import TaskManagerClient
import TaskManagerServer
import XCTest

final class TaskbenchSmokeTests: ServerTestCase {
    func testLifecycleReportsTasksAndAnUpdateProgressP99() async throws {
        try await startServer()
        let report = try await taskbench("--scenario", "lifecycle", "--connections", "2", "--duration", "1", "--json")
        XCTAssertEqual(report["target"] as? String, "taskmanager")
        XCTAssertEqual(report["scenario"] as? String, "lifecycle")
        XCTAssertGreaterThan(report["tasks"] as? Int ?? 0, 0, "\(report)")
        let latency = try XCTUnwrap(report["latency_us"] as? [String: Any], "\(report)")
        let progress = try XCTUnwrap(latency["UpdateProgress"] as? [String: Any], "\(report)")
        XCTAssertGreaterThan(progress["p99"] as? Int ?? 0, 0)
        XCTAssertGreaterThan(progress["count"] as? Int ?? 0, 0)
    }

    func testGetReportsGetTaskCalls() async throws {
        try await startServer()
        let report = try await taskbench("--scenario", "get", "--connections", "2", "--duration", "1", "--json")
        XCTAssertEqual(report["scenario"] as? String, "get")
        XCTAssertGreaterThan(report["calls"] as? Int ?? 0, 0, "\(report)")
        let latency = try XCTUnwrap(report["latency_us"] as? [String: Any], "\(report)")
        XCTAssertNotNil(latency["GetTask"], "\(report)")
    }

    func testLifecycleRunsOverTLS() async throws {
        let certificates = try TestCertificates(in: directory.appendingPathComponent("certificates"))
        try await startServer(
            { $0.tls = ServerTLS(certificatePath: certificates.serverCertificatePath, privateKeyPath: certificates.serverKeyPath) },
            clientTLS: TLSOptions(caPath: certificates.caPath))
        let report = try await taskbench(
            "--scenario", "lifecycle", "--connections", "2", "--duration", "1", "--json", "--tls-ca", certificates.caPath)
        XCTAssertGreaterThan(report["tasks"] as? Int ?? 0, 0, "\(report)")
    }

    func testLifecycleSpreadsConnectionsOverSeveralServersAndSumsTheirCPU() async throws {
        try await startServer()
        // The same server twice: the connections alternate between the two addresses; the CPU of the given
        // processes (this test's, which holds the server) is summed, and the database's is this process's tree.
        let address = "127.0.0.1:\(server.port)"
        let pid = ProcessInfo.processInfo.processIdentifier
        let report = try await taskbench(
            "--scenario", "lifecycle", "--connections", "2", "--duration", "1", "--json", "--server", "\(address),\(address)",
            "--server-pid", "\(pid),\(pid)", "--database-pid", "\(pid)")
        XCTAssertEqual(report["servers"] as? Int, 2, "\(report)")
        XCTAssertGreaterThan(report["tasks"] as? Int ?? 0, 0, "\(report)")
        XCTAssertGreaterThan(report["server_cpu_us_per_call"] as? Double ?? 0, 0, "\(report)")
        XCTAssertGreaterThan(report["server_cpu_us_per_task"] as? Double ?? 0, 0, "\(report)")
        XCTAssertGreaterThan(report["database_cpu_us_per_task"] as? Double ?? 0, 0, "\(report)")
    }

    // MARK: Running the binary

    /// Runs taskbench against the test's server (unless `arguments` name one), asserts exit 0 and returns its JSON report.
    private func taskbench(_ arguments: String...) async throws -> [String: Any] {
        let output = directory.appendingPathComponent("taskbench-\(UUID().uuidString).out")
        let errors = directory.appendingPathComponent("taskbench-\(UUID().uuidString).err")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
        let process = Process()
        process.executableURL = try Self.binary()
        process.arguments = arguments + (arguments.contains("--server") ? [] : ["--server", "127.0.0.1:\(server.port)"])
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("TASKMANAGER_") }
        process.standardInput = FileHandle.nullDevice
        // Files, unlike pipes, never fill up and block the child.
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = try FileHandle(forWritingTo: errors)
        try process.run()
        // Wait without blocking a thread of the cooperative pool, which the in-process server needs.
        let deadline = Date().addingTimeInterval(60)
        while process.isRunning && Date() < deadline { try await _Concurrency.Task.sleep(for: .milliseconds(20)) }
        if process.isRunning {
            process.terminate()
            XCTFail("taskbench \(arguments) did not finish within 60 s")
        }
        process.waitUntilExit()
        let stdout = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        let stderr = (try? String(contentsOf: errors, encoding: .utf8)) ?? ""
        XCTAssertEqual(process.terminationStatus, 0, "stdout:\n\(stdout)\nstderr:\n\(stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(stdout.utf8))
        return try XCTUnwrap(object as? [String: Any], "not a JSON object: \(stdout)")
    }

    private static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The built `taskbench`: next to the running test bundle, else in the package's `.build/debug`.
    private static func binary() throws -> URL {
        let candidates = [
            Bundle(for: TaskbenchSmokeTests.self).bundleURL.deletingLastPathComponent(),
            Bundle.main.bundleURL,
            Bundle.main.bundleURL.deletingLastPathComponent(),
            packageRoot.appendingPathComponent(".build/debug"),
        ].map { $0.appendingPathComponent("taskbench") }
        if let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) { return found }
        throw BinaryMissing(
            description: "The taskbench executable was not found (looked in \(candidates.map(\.path))). "
                + "Run `swift build` (it builds the taskbench product) before `swift test`.")
    }

    private struct BinaryMissing: Error, CustomStringConvertible {
        var description: String
    }
}
