import Foundation
import TaskManagerClient
import TaskManagerCore
import XCTest

/// A full disk, on a real filesystem of 1 MiB (a tmpfs the test mounts; it needs root, as CI runs): writes fail
/// with RESOURCE_EXHAUSTED "Storage full" and change nothing, reads and Health keep working, the server stays up,
/// and writes succeed again once space is freed, without a restart.
final class DiskFullTests: ServerTestCase {
    private var mounted = false
    private var filler: URL { directory.appendingPathComponent("filler") }

    override func setUp() async throws {
        try await super.setUp()
        guard Self.run("/bin/mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", directory.path]) == 0 else {
            throw XCTSkip("mounting a tmpfs needs root")
        }
        mounted = true
    }

    override func tearDown() async throws {
        try await super.tearDown()
        if mounted {
            _ = Self.run("/bin/umount", [directory.path])
            try? FileManager.default.removeItem(at: directory)
        }
    }

    func testAFullDiskRefusesWritesUntilSpaceIsFreedAtDurabilityNormal() async throws {
        try await startServer({ $0.durability = .normal })
        try await fillAndFree()
    }

    /// At durability full the server syncs the WAL itself: a full disk is still "Storage full", not the final
    /// "sync failed" (which a failed `fdatasync` is, because the kernel may have dropped the pages).
    func testAFullDiskRefusesWritesUntilSpaceIsFreedAtDurabilityFull() async throws {
        try await startServer({ $0.durability = .full })
        try await fillAndFree()
    }

    private func fillAndFree() async throws {
        try await registerType("big")
        let first = try await createTask("big", params: #"{"n":0}"#)
        // Leave about 150 KB free, then fill it with tasks of 20 KB parameters.
        let free = try Self.freeBytes(directory.path)
        try Data(count: max(0, free - 150_000)).write(to: filler)
        var created = 1
        var refusal: TaskManagerError?
        for n in 1...100 {
            do {
                _ = try await createTask("big", params: #"{"n":\#(n),"pad":"\#(String(repeating: "x", count: 20_000))"}"#)
                created += 1
            } catch let error as TaskManagerError {
                refusal = error
                break
            }
        }
        let error = try XCTUnwrap(refusal, "the disk never filled up")
        XCTAssertEqual(error.code, .resourceExhausted)
        XCTAssertEqual(error.message, "Storage full")

        // Reads, Health and other writes' refusals: the server is up and consistent.
        let listed = try await client.listTasks(ListTasksRequest(limit: 1000))
        XCTAssertEqual(listed.total, Int64(created), "the refused create left nothing behind")
        let health = try await client.health()
        XCTAssertEqual(health.status, "healthy")
        let task = try await client.getTask(id: first.id)
        XCTAssertEqual(task.status, .pending)

        try FileManager.default.removeItem(at: filler)
        let after = try await createTask("big", params: #"{"n":"after"}"#)
        XCTAssertEqual(after.status, .pending)
        let claimed = try await claim("w1", pattern: "big")
        XCTAssertEqual(claimed?.id, first.id)
        let completed = try await client.completeTask(CompleteTaskRequest(id: first.id, workerID: "w1", resultJSON: #"{"ok":true}"#))
        XCTAssertEqual(completed.task?.status, .completed)
        let total = try await client.listTasks(ListTasksRequest(limit: 1000)).total
        XCTAssertEqual(total, Int64(created + 1))
    }

    private static func freeBytes(_ path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfFileSystem(forPath: path)
        return (attributes[.systemFreeSize] as? NSNumber)?.intValue ?? 0
    }

    private static func run(_ tool: String, _ arguments: [String]) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            return -1
        }
        process.waitUntilExit()
        return process.terminationStatus
    }
}
