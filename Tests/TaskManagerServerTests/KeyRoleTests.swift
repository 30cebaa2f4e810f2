import Foundation
@testable import TaskManagerServer
import TaskManagerClient
import TaskManagerCore
import TaskManagerProtocol
import XCTest

/// API keys with names and roles (`--keys-file`), through the real server: each role may call what it needs and
/// nothing more, a producer cancels only its own tasks, and the file is read again without dropping connections.
final class KeyRoleTests: ServerTestCase {
    private var keysPath: String!
    private var keys: [String: String] = [:]

    override func setUp() async throws {
        try await super.setUp()
        keysPath = FileManager.default.temporaryDirectory.appendingPathComponent("keys-\(UUID().uuidString)").path
        var file = KeysFile()
        for (name, role) in [("w1", Role.worker), ("p1", .producer), ("p2", .producer), ("ops", .admin)] {
            let made = try KeysFile.makeKey(name: name, role: role)
            keys[name] = made.key
            file.entries.append(made.entry)
        }
        try file.write(to: keysPath)
        try await startServer({ $0.keysFile = self.keysPath; $0.apiKey = "shared-admin" })
    }

    override func tearDown() async throws {
        try? FileManager.default.removeItem(atPath: keysPath)
        try await super.tearDown()
    }

    func testTheFileHoldsOnlyHashes() throws {
        let text = try String(contentsOfFile: keysPath, encoding: .utf8)
        for key in keys.values { XCTAssertFalse(text.contains(key)) }
        XCTAssertTrue(text.contains("w1 worker sha256:"))
    }

    func testEachRoleCallsWhatItNeedsAndIsDeniedTheRest() async throws {
        let admin = try await connect(apiKey: keys["ops"])
        let worker = try await connect(apiKey: keys["w1"])
        let producer = try await connect(apiKey: keys["p1"])
        _ = try await admin.registerTaskType(RegisterTaskTypeRequest(name: "example.echo", version: "1", paramSchemaJSON: #"{"type":"object"}"#))

        let created = try await producer.createTask(CreateTaskRequest(type: "example.echo", paramsJSON: "{}"))
        let task = try XCTUnwrap(created.task)
        XCTAssertEqual(task.createdBy, "p1")
        _ = try await producer.listTasks(ListTasksRequest())
        _ = try await producer.getTaskHistory(taskID: task.id)

        let claimed = try await worker.claimTask(ClaimTaskRequest(workerID: "w", typePattern: "%"))
        XCTAssertEqual(claimed?.id, task.id)
        _ = try await worker.updateProgress(UpdateProgressRequest(id: task.id, workerID: "w", progress: 50))
        _ = try await worker.getTask(id: task.id)
        _ = try await worker.completeTask(CompleteTaskRequest(id: task.id, workerID: "w"))

        await assertError(.permissionDenied, #"API key "w1" (role worker) may not call CreateTask"#) {
            try await worker.createTask(CreateTaskRequest(type: "example.echo", paramsJSON: #"{"a":1}"#))
        }
        await assertError(.permissionDenied, #"API key "w1" (role worker) may not call RegisterTaskType"#) {
            try await worker.registerTaskType(RegisterTaskTypeRequest(name: "x", version: "1", paramSchemaJSON: #"{"type":"object"}"#))
        }
        await assertError(.permissionDenied, #"API key "p1" (role producer) may not call ClaimTask"#) {
            try await producer.claimTask(ClaimTaskRequest(workerID: "p", typePattern: "%"))
        }
        await assertError(.permissionDenied, #"API key "p1" (role producer) may not call GetStats"#) {
            try await producer.getStats()
        }
        await assertError(.permissionDenied, #"API key "p1" (role producer) may not call SetTaskTypeActive"#) {
            try await producer.setTaskTypeActive(name: "example.echo", active: false)
        }
        _ = try await admin.getStats()
        let listed = try await connect(apiKey: "shared-admin").listTasks(ListTasksRequest())
        XCTAssertEqual(listed.total, 1, "the shared --api-key is an admin key")
    }

    func testAProducerCancelsOnlyItsOwnTasks() async throws {
        let admin = try await connect(apiKey: keys["ops"])
        _ = try await admin.registerTaskType(RegisterTaskTypeRequest(name: "example.echo", version: "1", paramSchemaJSON: #"{"type":"object"}"#))
        let p1 = try await connect(apiKey: keys["p1"])
        let p2 = try await connect(apiKey: keys["p2"])
        let value1 = try await p1.createTask(CreateTaskRequest(type: "example.echo", paramsJSON: #"{"n":1}"#))
        let mine = try XCTUnwrap(value1.task)
        let value2 = try await p2.createTask(CreateTaskRequest(type: "example.echo", paramsJSON: #"{"n":2}"#))
        let theirs = try XCTUnwrap(value2.task)

        await assertError(.permissionDenied, #"API key "p1" may cancel only the tasks it created"#) {
            try await p1.cancelTask(id: theirs.id, reason: "not mine")
        }
        let value3 = try await admin.getTask(id: theirs.id)
        XCTAssertEqual(value3.status, .pending)
        let value4 = try await p1.cancelTask(id: mine.id, reason: "mine")
        XCTAssertEqual(value4.status, .cancelled)
        let value5 = try await admin.cancelTask(id: theirs.id, reason: "ops")
        XCTAssertEqual(value5.status, .cancelled)
    }

    func testMissingAndUnknownKeysAreUnauthenticatedAndHealthNeedsNone() async throws {
        for key in [nil, "tmk_wrong", String(keys["w1"]!.dropLast())] {
            let stranger = try await connect(apiKey: key)
            await assertError(.unauthenticated, "Invalid or missing API key") { try await stranger.getTask(id: 1) }
            let value6 = try await stranger.health()
            XCTAssertEqual(value6.status, "healthy")
        }
    }

    func testReloadAddsAndRemovesKeysWithoutDroppingConnections() async throws {
        let worker = try await connect(apiKey: keys["w1"])
        await assertError(.notFound) { try await worker.getTask(id: 999) }
        var file = try KeysFile.read(keysPath)
        file.entries.removeAll { $0.name == "w1" }
        let added = try KeysFile.makeKey(name: "w2", role: .worker)
        file.entries.append(added.entry)
        try file.write(to: keysPath)
        let newWorker = try await connect(apiKey: added.key)
        await assertError(.unauthenticated) { try await newWorker.getTask(id: 999) }

        XCTAssertEqual(try server.reloadKeys(), 4)
        // The removed key stops working on its open connection; the added one works on a connection opened before.
        await assertError(.unauthenticated) {
            try await worker.getTask(id: 999)
        }
        await assertError(.notFound) {
            try await newWorker.getTask(id: 999)
        }
    }

    func testABrokenFileOnReloadKeepsTheOldKeys() async throws {
        try "w1 worker sha256:nothex\n".write(toFile: keysPath, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try server.reloadKeys()) { error in
            XCTAssertEqual("\(error)", "Keys file \(keysPath!) line 1: the hash must be sha256: and 64 hex digits")
        }
        let worker = try await connect(apiKey: keys["w1"])
        await assertError(.notFound) { try await worker.getTask(id: 999) }
    }

    func testTheCreatorIsKeptAcrossARestart() async throws {
        let admin = try await connect(apiKey: keys["ops"])
        _ = try await admin.registerTaskType(RegisterTaskTypeRequest(name: "example.echo", version: "1", paramSchemaJSON: #"{"type":"object"}"#))
        let producer = try await connect(apiKey: keys["p1"])
        let value7 = try await producer.createTask(CreateTaskRequest(type: "example.echo", paramsJSON: #"{"n":1}"#))
        let pending = try XCTUnwrap(value7.task)
        let value8 = try await producer.createTask(CreateTaskRequest(type: "example.echo", paramsJSON: #"{"n":2}"#, priority: 9))
        let claimedTask = try XCTUnwrap(value8.task)
        let worker = try await connect(apiKey: keys["w1"])
        let value9 = try await worker.claimTask(ClaimTaskRequest(workerID: "w", typePattern: "%"))
        XCTAssertEqual(value9?.createdBy, "p1")

        try await restartServer { $0.keysFile = self.keysPath }
        let after = try await connect(apiKey: keys["ops"])
        let value10 = try await after.getTask(id: pending.id)
        XCTAssertEqual(value10.createdBy, "p1")
        let value11 = try await after.getTask(id: claimedTask.id)
        XCTAssertEqual(value11.createdBy, "p1", "a claimed task, read from memory")
    }
}

/// A key's rate limit: a burst of calls goes through, the next is RESOURCE_EXHAUSTED with when to retry, in the
/// message and in the response's `retry-after-ms` metadata; other keys are not affected; the bucket refills.
final class KeyRateLimitTests: ServerTestCase {
    private var keysPath: String!
    private var limited = ""
    private var free = ""

    override func setUp() async throws {
        try await super.setUp()
        keysPath = FileManager.default.temporaryDirectory.appendingPathComponent("keys-\(UUID().uuidString)").path
        var (limitedKey, limitedEntry) = try KeysFile.makeKey(name: "slow", role: .worker)
        limitedEntry.limit = KeysFile.RateLimit(perSecond: 0.5, burst: 3)
        let (freeKey, freeEntry) = try KeysFile.makeKey(name: "fast", role: .worker)
        try KeysFile(entries: [limitedEntry, freeEntry]).write(to: keysPath)
        let reread = try KeysFile.read(keysPath)
        XCTAssertEqual(reread.entries.first?.limit, KeysFile.RateLimit(perSecond: 0.5, burst: 3))
        (limited, free) = (limitedKey, freeKey)
        try await startServer({ $0.keysFile = self.keysPath })
    }

    override func tearDown() async throws {
        try? FileManager.default.removeItem(atPath: keysPath)
        try await super.tearDown()
    }

    func testABurstPassesThenTheKeyIsToldWhenToRetry() async throws {
        let raw = try await RawConnection.connect(port: server.port)
        defer { _Concurrency.Task { await raw.close() } }
        var codes: [StatusCode] = []
        var refused: RPCResponse?
        for id in 1...4 {
            try await raw.send(RPCRequest.call(UInt64(id), "GetTask", GetTaskRequest(id: 999), metadata: ["x-api-key": limited]))
            let response = try await raw.nextResponse()
            codes.append(response.status.code)
            if response.status.code == .resourceExhausted { refused = response }
        }
        XCTAssertEqual(codes, [.notFound, .notFound, .notFound, .resourceExhausted])
        let answer = try XCTUnwrap(refused)
        XCTAssertTrue(
            answer.status.message.hasPrefix(#"Rate limit of API key "slow" exceeded (0.5 calls per second, burst 3); retry after "#),
            answer.status.message)
        let retryAfter = try XCTUnwrap(answer.metadata["retry-after-ms"].flatMap { Int($0) })
        XCTAssertTrue((1...2000).contains(retryAfter), "\(retryAfter)")

        let other = try await connect(apiKey: free)
        for _ in 0..<10 { await assertError(.notFound) { try await other.getTask(id: 999) } }

        try await _Concurrency.Task.sleep(for: .milliseconds(retryAfter + 50))
        let again = try await connect(apiKey: limited)
        await assertError(.notFound) { try await again.getTask(id: 999) }
    }
}
