import NIOCore
import TaskManagerCore
import TaskManagerProtocol
import XCTest

/// Strings are taken exactly as sent or refused: a NUL byte (which protobuf-c's C strings would end at) or invalid
/// UTF-8 (which Swift would replace with U+FFFD) is INVALID_ARGUMENT naming the field, and changes nothing. A
/// message that would take far more memory unpacked than its bytes is refused before it is unpacked.
///
/// The payloads are written byte by byte: a Swift client cannot send these strings (it packs C strings).
final class StringFieldTests: ServerTestCase {
    var raw: RawConnection!
    private var nextCallID: UInt64 = 1

    override func setUp() async throws {
        try await super.setUp()
        try await startServer()
        raw = try await RawConnection.connect(port: server.port)
    }

    override func tearDown() async throws {
        await raw?.close()
        try await super.tearDown()
    }

    func testRegisteringANameWithANulByteLeavesTheExistingTypeAlone() async throws {
        let existing = try await registerType("example.echo", schema: #"{"type":"object"}"#)
        let payload = ProtoBytes.string(1, bytes("example.echo\0evil")) + ProtoBytes.string(2, bytes("9.9.9"))
            + ProtoBytes.string(3, bytes(#"{"type":"string"}"#))
        let response = try await call("RegisterTaskType", payload)
        XCTAssertEqual(response.status.code, .invalidArgument)
        XCTAssertEqual(
            response.status.message, "Invalid request payload for RegisterTaskType: name contains a NUL byte, which strings may not contain")
        let after = try await client.getTaskType(name: "example.echo")
        XCTAssertEqual(after.version, existing.version)
        XCTAssertEqual(after.paramSchemaJSON, existing.paramSchemaJSON)
    }

    func testCreateTaskRefusesNulBytesInEachStringAndCreatesNothing() async throws {
        try await registerType()
        let cases: [(field: String, payload: [UInt8])] = [
            ("type", ProtoBytes.string(1, bytes("example.echo\0x"))),
            ("params_json", ProtoBytes.string(1, bytes("example.echo")) + ProtoBytes.string(2, bytes(#"{"a":1}\#0junk"#))),
            ("dedupe_key", ProtoBytes.string(1, bytes("example.echo")) + ProtoBytes.string(4, bytes("k\0a"))),
        ]
        for (field, payload) in cases {
            let response = try await call("CreateTask", payload)
            XCTAssertEqual(response.status.code, .invalidArgument, field)
            XCTAssertEqual(
                response.status.message, "Invalid request payload for CreateTask: \(field) contains a NUL byte, which strings may not contain")
        }
        let listed = try await client.listTasks(ListTasksRequest())
        XCTAssertEqual(listed.total, 0)
    }

    func testDedupeKeysThatDifferOnlyInBadBytesAreRefusedNotMerged() async throws {
        try await registerType()
        for key in [bytes("k") + [0xFF], bytes("k") + [0xFE], bytes("k") + [0xC3]] {
            let response = try await call("CreateTask", ProtoBytes.string(1, bytes("example.echo")) + ProtoBytes.string(4, key))
            XCTAssertEqual(response.status.code, .invalidArgument)
            XCTAssertEqual(response.status.message, "Invalid request payload for CreateTask: dedupe_key is not valid UTF-8")
        }
        let listed = try await client.listTasks(ListTasksRequest())
        XCTAssertEqual(listed.total, 0)
    }

    func testValidUTF8IsStoredExactly() async throws {
        try await registerType()
        let text = "naïve — 日本語 🚀"
        let response = try await call(
            "CreateTask",
            ProtoBytes.string(1, bytes("example.echo")) + ProtoBytes.string(2, bytes(#"{"t":"\#(text)"}"#)) + ProtoBytes.string(4, bytes(text)))
        XCTAssertEqual(response.status.code, .ok, response.status.message)
        let task = try XCTUnwrap(try CreateTaskResponse(wireBytes: response.payload).task)
        XCTAssertEqual(task.dedupeKey, text)
        XCTAssertEqual(task.paramsJSON, #"{"t":"\#(text)"}"#)
    }

    /// Names are compared byte for byte, as SQLite compares them: "café" precomposed and decomposed are two types
    /// (Swift's `String ==` would make them one, and a task of one would go to the other).
    func testTypeNamesThatDifferOnlyInUnicodeNormalizationAreTwoTypes() async throws {
        let precomposed = "caf\u{E9}"
        let decomposed = "cafe\u{301}"
        let first = try await client.registerTaskType(RegisterTaskTypeRequest(name: precomposed, version: "1", paramSchemaJSON: #"{"type":"object"}"#))
        let second = try await client.registerTaskType(RegisterTaskTypeRequest(name: decomposed, version: "2", paramSchemaJSON: #"{"type":"object"}"#))
        XCTAssertEqual(first.created, true)
        XCTAssertEqual(second.created, true, "a second type, not an update of the first")
        let one = try XCTUnwrap(first.taskType)
        let two = try XCTUnwrap(second.taskType)
        XCTAssertNotEqual(one.id, two.id)
        let ofOne = try await client.createTask(CreateTaskRequest(type: precomposed, paramsJSON: "{}"))
        let ofTwo = try await client.createTask(CreateTaskRequest(type: decomposed, paramsJSON: "{}"))
        XCTAssertEqual(ofOne.task?.typeID, one.id)
        XCTAssertEqual(ofTwo.task?.typeID, two.id)
        let readTwo = try await client.getTaskType(name: decomposed)
        let readOne = try await client.getTaskType(name: precomposed)
        XCTAssertEqual(readTwo.version, "2")
        XCTAssertEqual(readOne.version, "1")
    }

    func testWorkerIDsWithANulByteCannotActOnAnotherWorkersTask() async throws {
        try await registerType()
        let task = try await createTask()
        let claimed = try await claim("hw")
        XCTAssertNotNil(claimed)
        let progress = ProtoBytes.varint(1, UInt64(task.id)) + ProtoBytes.string(2, bytes("hw\0x")) + ProtoBytes.varint(3, 50)
        let response = try await call("UpdateProgress", progress)
        XCTAssertEqual(response.status.code, .invalidArgument)
        XCTAssertEqual(
            response.status.message, "Invalid request payload for UpdateProgress: worker_id contains a NUL byte, which strings may not contain")
        let claimResponse = try await call("ClaimTask", ProtoBytes.string(1, bytes("w\u{0}2")))
        XCTAssertEqual(claimResponse.status.code, .invalidArgument)
        let after = try await client.getTask(id: task.id)
        XCTAssertEqual(after.progress, 0)
    }

    func testBadBytesInMessagesAndPatternsAreRefused() async throws {
        try await registerType()
        let task = try await createTask()
        let claimed = try await claim("w1")
        XCTAssertNotNil(claimed)
        let progress = ProtoBytes.varint(1, UInt64(task.id)) + ProtoBytes.string(2, bytes("w1")) + ProtoBytes.varint(3, 10)
            + ProtoBytes.string(4, [0x61, 0xED, 0xA0, 0x80])  // an encoded UTF-16 surrogate: not UTF-8
        var response = try await call("UpdateProgress", progress)
        XCTAssertEqual(response.status.message, "Invalid request payload for UpdateProgress: message is not valid UTF-8")
        response = try await call("ClaimTask", ProtoBytes.string(1, bytes("w2")) + ProtoBytes.string(3, [0x25, 0x80]))
        XCTAssertEqual(response.status.message, "Invalid request payload for ClaimTask: type_pattern is not valid UTF-8")
        response = try await call("FailTask", ProtoBytes.varint(1, UInt64(task.id)) + ProtoBytes.string(2, bytes("w1")) + ProtoBytes.string(3, bytes("e\0")))
        XCTAssertEqual(response.status.message, "Invalid request payload for FailTask: error contains a NUL byte, which strings may not contain")
        let after = try await client.getTask(id: task.id)
        XCTAssertEqual(after.status, .claimed)
        XCTAssertEqual(after.progressMessage, "")
    }

    func testANestedItemIsNamedWithItsIndex() async throws {
        try await registerType()
        let good = ProtoBytes.string(1, bytes("example.echo"))
        let bad = ProtoBytes.string(1, bytes("example.echo")) + ProtoBytes.string(4, bytes("d\0"))
        let payload = ProtoBytes.message(1, good) + ProtoBytes.message(1, good) + ProtoBytes.message(1, bad)
        let response = try await call("CreateTasks", payload)
        XCTAssertEqual(response.status.code, .invalidArgument)
        XCTAssertEqual(
            response.status.message,
            "Invalid request payload for CreateTasks: tasks[2].dedupe_key contains a NUL byte, which strings may not contain")
        let listed = try await client.listTasks(ListTasksRequest())
        XCTAssertEqual(listed.total, 0, "the good items of a refused request are not created either")
    }

    func testAMethodWithANulByteIsRefusedUnderItsCallID() async throws {
        let request = ProtoBytes.varint(1, 41) + ProtoBytes.string(2, bytes("/taskmanager.v1.TaskService/Health\0junk"))
        try await raw.send(bytes: frame(ProtoBytes.message(1, request)))
        let response = try await raw.nextResponse()
        XCTAssertEqual(response.callID, 41)
        XCTAssertEqual(response.status.code, .invalidArgument)
        XCTAssertEqual(response.status.message, "request.method contains a NUL byte, which strings may not contain")
        let health = try await call("Health", [])
        XCTAssertEqual(health.status.code, .ok)
    }

    func testAnAPIKeyWithTrailingBytesAfterANulIsRefused() async throws {
        let entry = ProtoBytes.string(1, bytes("x-api-key")) + ProtoBytes.string(2, bytes("secret\0more"))
        let request = ProtoBytes.varint(1, 42) + ProtoBytes.string(2, bytes("/taskmanager.v1.TaskService/Health")) + ProtoBytes.message(5, entry)
        try await raw.send(bytes: frame(ProtoBytes.message(1, request)))
        let response = try await raw.nextResponse()
        XCTAssertEqual(response.callID, 42)
        XCTAssertEqual(response.status.message, "request.metadata[0].value contains a NUL byte, which strings may not contain")
    }

    func testOversizedMetadataIsRefusedUnderItsCallID() async throws {
        let big = ProtoBytes.string(1, bytes("x-trace")) + ProtoBytes.string(2, [UInt8](repeating: 0x61, count: 9000))
        let request = ProtoBytes.varint(1, 44) + ProtoBytes.string(2, bytes("/taskmanager.v1.TaskService/Health")) + ProtoBytes.message(5, big)
        try await raw.send(bytes: frame(ProtoBytes.message(1, request)))
        let response = try await raw.nextResponse()
        XCTAssertEqual(response.callID, 44)
        XCTAssertEqual(response.status.code, .resourceExhausted)
        XCTAssertEqual(response.status.message, "Metadata of 9007 bytes in 1 entries exceeds the limit of 8192 bytes and 64 entries")

        var many = ProtoBytes.varint(1, 45) + ProtoBytes.string(2, bytes("/taskmanager.v1.TaskService/Health"))
        for index in 0..<65 { many += ProtoBytes.message(5, ProtoBytes.string(1, bytes("k\(index)")) + ProtoBytes.string(2, bytes("v"))) }
        try await raw.send(bytes: frame(ProtoBytes.message(1, many)))
        let second = try await raw.nextResponse()
        XCTAssertEqual(second.callID, 45)
        XCTAssertEqual(second.status.code, .resourceExhausted)
        let health = try await call("Health", [])
        XCTAssertEqual(health.status.code, .ok)
    }

    func testARequestThatWouldUnpackToFarMoreThanItsSizeIsRefusedUnread() async throws {
        // 1 MiB of empty CreateTaskRequest items: 2 bytes each on the wire, over 100 bytes each unpacked.
        let payload = [UInt8](repeating: 0, count: 1 << 20).enumerated().map { $0.offset % 2 == 0 ? UInt8(0x0A) : 0 }
        let response = try await call("CreateTasks", payload)
        XCTAssertEqual(response.status.code, .resourceExhausted)
        XCTAssertEqual(
            response.status.message,
            "Invalid request payload for CreateTasks: Message too large to unpack: more than 16777216 bytes of memory (too many items or fields)")
        let health = try await call("Health", [])
        XCTAssertEqual(health.status.code, .ok)
    }

    func testAnEnvelopeThatWouldUnpackToFarMoreThanItsSizeIsRefusedUnread() async throws {
        // A request of 1 MiB of empty metadata entries.
        var request = ProtoBytes.varint(1, 43) + ProtoBytes.string(2, bytes("/taskmanager.v1.TaskService/Health"))
        request += [UInt8](repeating: 0, count: 1 << 20).enumerated().map { $0.offset % 2 == 0 ? UInt8(0x2A) : 0 }
        try await raw.send(bytes: frame(ProtoBytes.message(1, request)))
        let response = try await raw.nextResponse()
        XCTAssertEqual(response.callID, 0)
        XCTAssertEqual(response.status.code, .resourceExhausted)
        XCTAssertTrue(response.status.message.hasPrefix("Invalid frame: Message too large to unpack"), response.status.message)
        let health = try await call("Health", [])
        XCTAssertEqual(health.status.code, .ok)
    }

    // Helpers.

    private func bytes(_ string: String) -> [UInt8] { Array(string.utf8) }

    private func frame(_ body: [UInt8]) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeInteger(UInt32(body.count))
        buffer.writeBytes(body)
        return buffer
    }

    /// One call over the raw connection with a hand-written payload.
    private func call(_ method: String, _ payload: [UInt8]) async throws -> RPCResponse {
        let id = nextCallID
        nextCallID += 1
        try await raw.send(
            .request(RPCRequest(callID: id, method: "/taskmanager.v1.TaskService/\(method)", payload: ByteBuffer(bytes: payload))))
        let response = try await raw.nextResponse()
        XCTAssertEqual(response.callID, id)
        return response
    }
}
