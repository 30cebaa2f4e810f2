import CProtobufC
import CTaskManagerProto
import Foundation
import NIOCore
import TaskManagerCore
import TaskManagerProtocol
import XCTest

/// The hostile-input table: each class of bad input a client can send, through a real socket. For every row the
/// test checks the answer, then that another connection is still served correctly, that no data changed, and,
/// at the end, that the process did not grow beyond a bound.
///
/// The string-field rows are not written by hand: they walk protoc-c's descriptors, so every string field of every
/// request (and of the messages nested in requests) is covered, including fields added later.
final class HostileInputTests: ServerTestCase {
    private var raw: RawConnection!
    private var nextCallID: UInt64 = 1
    private var known: Task!

    override func setUp() async throws {
        try await super.setUp()
        try await startServer()
        try await registerType()
        known = try await createTask(params: #"{"keep":true}"#)
        raw = try await RawConnection.connect(port: server.port)
    }

    override func tearDown() async throws {
        await raw?.close()
        try await super.tearDown()
    }

    // MARK: Every string field

    func testEveryStringFieldOfEveryRequestRefusesNulBytesAndBadUTF8() async throws {
        var checked: [String] = []
        let service = taskmanager__v1__task_service__descriptor
        for index in 0..<Int(service.n_methods) {
            let method = service.methods[index]
            let name = String(cString: method.name)
            for (path, payload) in Self.stringFieldPayloads(method.input, bad: Array("a\u{0}b".utf8)) {
                let response = try await call(name, payload)
                XCTAssertEqual(response.status.code, .invalidArgument, "\(name) \(path)")
                XCTAssertEqual(
                    response.status.message,
                    "Invalid request payload for \(name): \(path) contains a NUL byte, which strings may not contain")
                checked.append("\(name).\(path)")
            }
            for (path, payload) in Self.stringFieldPayloads(method.input, bad: [0x61, 0xFF, 0x62]) {
                let response = try await call(name, payload)
                XCTAssertEqual(response.status.message, "Invalid request payload for \(name): \(path) is not valid UTF-8")
            }
            try await assertStillServedAndUnchanged("\(name)")
        }
        // A floor, so that a descriptor walk that finds nothing cannot pass: the service has dozens of string fields.
        XCTAssertGreaterThanOrEqual(checked.count, 30, "\(checked)")
        XCTAssertTrue(checked.contains("CreateTasks.tasks[0].dedupe_key"), "\(checked)")
        XCTAssertTrue(checked.contains("ClaimTasks.claim.worker_id"), "\(checked)")
    }

    /// For each string field of `descriptor` (and of the message fields it holds, one level down): a payload with
    /// `bad` in that field and the field's path as the server names it.
    private static func stringFieldPayloads(
        _ descriptor: UnsafePointer<ProtobufCMessageDescriptor>, bad: [UInt8], depth: Int = 0
    ) -> [(String, [UInt8])] {
        var payloads: [(String, [UInt8])] = []
        for index in 0..<Int(descriptor.pointee.n_fields) {
            let field = descriptor.pointee.fields[index]
            let name = String(cString: field.name)
            let repeated = field.label == PROTOBUF_C_LABEL_REPEATED
            switch field.type {
            case PROTOBUF_C_TYPE_STRING:
                payloads.append((repeated ? "\(name)[0]" : name, ProtoBytes.string(Int(field.id), bad)))
            case PROTOBUF_C_TYPE_MESSAGE where depth == 0:
                let nested = field.descriptor.assumingMemoryBound(to: ProtobufCMessageDescriptor.self)
                for (path, inner) in stringFieldPayloads(nested, bad: bad, depth: depth + 1) {
                    payloads.append(("\(repeated ? "\(name)[0]" : name).\(path)", ProtoBytes.message(Int(field.id), inner)))
                }
            default:
                continue
            }
        }
        return payloads
    }

    // MARK: The table

    /// What a row expects back.
    private enum Expect {
        /// A response to the row's own call with this code.
        case code(StatusCode)
        /// A response on call 0 (an error that belongs to no call) with this code.
        case connectionError(StatusCode)
        /// An answer of call 0 with this code, a GoAway, and the connection closed.
        case closed(StatusCode)
        /// No answer at all (a Cancel of an unknown call): the next ping is the first thing answered.
        case nothing
    }

    private struct Row {
        var name: String
        var bytes: (_ callID: UInt64) -> ByteBuffer
        var expect: Expect
    }

    func testTheHostileInputTable() async throws {
        let rows: [Row] = [
            Row(name: "length 0", bytes: { _ in ProtoBytes.frame([]) }, expect: .connectionError(.invalidArgument)),
            Row(name: "length 1, one bad byte", bytes: { _ in ProtoBytes.frame([0xFF]) }, expect: .connectionError(.invalidArgument)),
            Row(name: "a varint that never ends", bytes: { _ in ProtoBytes.frame([UInt8](repeating: 0xFF, count: 16)) },
                expect: .connectionError(.invalidArgument)),
            Row(name: "truncated request inside a frame", bytes: { id in
                ProtoBytes.frame(Array(ProtoBytes.message(1, ProtoBytes.varint(1, id) + ProtoBytes.string(2, Array("/x".utf8))).dropLast()))
            }, expect: .connectionError(.invalidArgument)),
            Row(name: "random bytes", bytes: { _ in
                var generator = SeededBytes(seed: 42)
                return ProtoBytes.frame((0..<512).map { _ in generator.next() })
            }, expect: .connectionError(.invalidArgument)),
            Row(name: "an unknown oneof member of ClientFrame", bytes: { _ in ProtoBytes.frame(ProtoBytes.varint(9, 1)) },
                expect: .connectionError(.invalidArgument)),
            Row(name: "unknown method", bytes: { id in ProtoBytes.request(id, "Frobnicate", []) }, expect: .code(.unimplemented)),
            Row(name: "a method outside the service", bytes: { id in
                ProtoBytes.frame(ProtoBytes.message(1, ProtoBytes.varint(1, id) + ProtoBytes.string(2, Array("/other.Service/Health".utf8))))
            }, expect: .code(.unimplemented)),
            Row(name: "unknown fields in a request are ignored", bytes: { id in
                ProtoBytes.request(id, "Health", ProtoBytes.varint(99, 1) + ProtoBytes.string(100, [1, 2, 3]))
            }, expect: .code(.ok)),
            Row(name: "a payload that is not the method's message", bytes: { id in ProtoBytes.request(id, "GetTask", [0xFF, 0xFF]) },
                expect: .code(.invalidArgument)),
            Row(name: "the largest call id", bytes: { _ in ProtoBytes.request(.max, "Health", []) }, expect: .code(.ok)),
            Row(name: "call id 0", bytes: { _ in ProtoBytes.request(0, "Health", []) }, expect: .connectionError(.invalidArgument)),
            Row(name: "Cancel of an unknown call", bytes: { _ in ProtoBytes.frame(ProtoBytes.message(2, ProtoBytes.varint(1, 123_456))) },
                expect: .nothing),
            Row(name: "1 MB of metadata", bytes: { id in
                ProtoBytes.request(id, "Health", [], metadata: [ProtoBytes.string(1, Array("k".utf8)) + ProtoBytes.string(2, [UInt8](repeating: 0x61, count: 1 << 20))])
            }, expect: .code(.resourceExhausted)),
            Row(name: "progress out of range", bytes: { [known] id in
                ProtoBytes.request(id, "UpdateProgress", ProtoBytes.varint(1, UInt64(known!.id)) + ProtoBytes.string(2, Array("w".utf8))
                    + ProtoBytes.varint(3, 101))
            }, expect: .code(.invalidArgument)),
            Row(name: "negative id", bytes: { id in ProtoBytes.request(id, "GetTask", ProtoBytes.varint(1, UInt64(bitPattern: -1))) },
                expect: .code(.notFound)),
            Row(name: "the largest id", bytes: { id in ProtoBytes.request(id, "GetTask", ProtoBytes.varint(1, UInt64(Int64.max))) },
                expect: .code(.notFound)),
            Row(name: "a negative limit", bytes: { id in
                ProtoBytes.request(id, "ListTasks", ProtoBytes.varint(4, UInt64(bitPattern: Int64(Int32.min))))
            }, expect: .code(.invalidArgument)),
            Row(name: "the largest limit and offset", bytes: { id in
                ProtoBytes.request(id, "ListTasks", ProtoBytes.varint(4, UInt64(Int32.max)) + ProtoBytes.varint(5, UInt64(Int32.max)))
            }, expect: .code(.ok)),
            Row(name: "SQL text as a type filter", bytes: { id in
                ProtoBytes.request(id, "ListTasks", ProtoBytes.string(2, Array("x'; DROP TABLE tasks; --".utf8)))
            }, expect: .code(.ok)),
            Row(name: "LIKE wildcards as a claim pattern", bytes: { id in
                ProtoBytes.request(id, "ClaimTask", ProtoBytes.string(1, Array("w".utf8)) + ProtoBytes.string(3, Array("nothing\\_%[".utf8)))
            }, expect: .code(.ok)),
            Row(name: "SQL text as a type name", bytes: { id in
                ProtoBytes.request(id, "CreateTask", ProtoBytes.string(1, Array("x' OR '1'='1".utf8)))
            }, expect: .code(.notFound)),
            Row(name: "deeply nested JSON", bytes: { id in
                let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
                return ProtoBytes.request(id, "CreateTask", ProtoBytes.string(1, Array("example.echo".utf8)) + ProtoBytes.string(2, Array(#"{"a":\#(deep)}"#.utf8)))
            }, expect: .code(.invalidArgument)),
            Row(name: "huge JSON", bytes: { id in
                let huge = "{" + (0..<60_000).map { "\"k\($0)\":\($0)" }.joined(separator: ",") + "}"
                return ProtoBytes.request(id, "CreateTask", ProtoBytes.string(1, Array("nope".utf8)) + ProtoBytes.string(2, Array(huge.utf8)))
            }, expect: .code(.notFound)),
            Row(name: "length 2^31", bytes: { _ in var b = ByteBuffer(); b.writeInteger(UInt32(1) << 31); return b },
                expect: .closed(.resourceExhausted)),
            Row(name: "length 2^32 - 1", bytes: { _ in var b = ByteBuffer(); b.writeInteger(UInt32.max); return b },
                expect: .closed(.resourceExhausted)),
        ]
        let rssBefore = Self.residentBytes()
        for row in rows {
            let id = nextCallID
            nextCallID += 1
            try await raw.send(bytes: row.bytes(id))
            switch row.expect {
            case .code(let code):
                let response = try await raw.nextResponse()
                XCTAssertEqual(response.callID, id == 0 ? 0 : (row.name == "the largest call id" ? .max : id), row.name)
                XCTAssertEqual(response.status.code, code, "\(row.name): \(response.status.message)")
            case .connectionError(let code):
                let response = try await raw.nextResponse()
                XCTAssertEqual(response.callID, 0, row.name)
                XCTAssertEqual(response.status.code, code, "\(row.name): \(response.status.message)")
            case .closed(let code):
                let response = try await raw.nextResponse()
                XCTAssertEqual(response.status.code, code, row.name)
                guard case .goAway = try await raw.next() else { return XCTFail("\(row.name): expected GoAway") }
                let end = try await raw.next()
                XCTAssertNil(end, "\(row.name): the connection is closed")
                await raw.close()
                raw = try await RawConnection.connect(port: server.port)
            case .nothing:
                try await raw.send(RPCClientFrame.ping(RPCPing(nonce: id)))
                let frame = try await raw.next()
                XCTAssertEqual(frame, .pong(RPCPong(nonce: id)), row.name)
            }
            try await assertStillServedAndUnchanged(row.name)
        }
        // The rows allocate and free up to a few megabytes each; a leak per row would add up.
        let growth = Self.residentBytes() - rssBefore
        XCTAssertLessThan(growth, 200 << 20, "resident memory grew by \(growth) bytes")
    }

    func testHundredsOfIdleConnectionsDoNotStopService() async throws {
        // Both ends live in this process: two descriptors per connection.
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        let count = min(900, (Int(limit.rlim_cur) - 200) / 2)
        var idle: [RawConnection] = []
        for _ in 0..<count { idle.append(try await RawConnection.connect(port: server.port)) }
        try await assertStillServedAndUnchanged("\(count) idle connections")
        for connection in idle { await connection.close() }
    }

    // MARK: Helpers

    /// Another connection gets a correct answer, and the data is as the setup left it.
    private func assertStillServedAndUnchanged(_ row: String, file: StaticString = #filePath, line: UInt = #line) async throws {
        let other = try await connect()
        let task = try await other.getTask(id: known.id)
        XCTAssertEqual(task, known, "\(row): the known task changed", file: file, line: line)
        let listed = try await other.listTasks(ListTasksRequest())
        XCTAssertEqual(listed.total, 1, "\(row): tasks were added or removed", file: file, line: line)
        let types = try await other.listTaskTypes()
        XCTAssertEqual(types.map(\.name), ["example.echo"], "\(row): task types changed", file: file, line: line)
    }

    private func call(_ method: String, _ payload: [UInt8]) async throws -> RPCResponse {
        let id = nextCallID
        nextCallID += 1
        try await raw.send(bytes: ProtoBytes.request(id, method, payload))
        let response = try await raw.nextResponse()
        XCTAssertEqual(response.callID, id)
        return response
    }

    private static func residentBytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "")
        else { return 0 }
        return kilobytes * 1024
    }
}

/// A fixed stream of pseudo-random bytes (SplitMix64), so the random row sends the same bytes every run.
private struct SeededBytes {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt8 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return UInt8(truncatingIfNeeded: z ^ (z >> 31))
    }
}
