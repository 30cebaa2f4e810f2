import NIOCore
import TaskManagerCore
import TaskManagerProtocol
@testable import TaskManagerServer
import XCTest

/// The call path of one connection: calls answered inline on the event loop and calls answered by a task, mixed
/// in one pipelined burst, closed mid-flight, and the unpacking arena between calls.
final class CallPathTests: ServerTestCase {
    override func setUp() async throws {
        try await super.setUp()
        try await startServer(store: { DelayingStore(base: $0, delay: .milliseconds(300)) })
        try await registerType()
    }

    /// What one call of the burst is and what its answer must be.
    private enum Kind: CaseIterable {
        case health, getLive, getMissing, create, progressUnclaimed, list, claim, typeLookup

        func frame(_ callID: UInt64, liveID: Int64) -> RPCClientFrame {
            switch self {
            case .health: RPCRequest.call(callID, "Health", HealthRequest())
            case .getLive: RPCRequest.call(callID, "GetTask", GetTaskRequest(id: liveID))
            case .getMissing: RPCRequest.call(callID, "GetTask", GetTaskRequest(id: 123_456_789))
            case .create: RPCRequest.call(callID, "CreateTask", CreateTaskRequest(type: "example.echo", paramsJSON: #"{"n":\#(callID)}"#))
            case .progressUnclaimed: RPCRequest.call(callID, "UpdateProgress", UpdateProgressRequest(id: liveID, workerID: "nobody", progress: 5))
            case .list: RPCRequest.call(callID, "ListTasks", ListTasksRequest())
            case .claim: RPCRequest.call(callID, "ClaimTask", ClaimTaskRequest(workerID: "burst", typePattern: "nothing.matches.%"))
            case .typeLookup: RPCRequest.call(callID, "GetTaskType", GetTaskTypeRequest(name: "example.echo"))
            }
        }

        var expected: StatusCode {
            switch self {
            case .getMissing: .notFound
            case .progressUnclaimed: .failedPrecondition
            default: .ok
            }
        }
    }

    func testABurstOfAThousandMixedCallsIsAnsweredExactlyOnceEach() async throws {
        let live = try await createTask()
        let raw = try await RawConnection.connect(port: server.port)
        var kinds: [UInt64: Kind] = [:]
        var burst = ByteBuffer()
        var generator = SystemRandomNumberGenerator()
        for callID in UInt64(1)...1_000 {
            let kind = Kind.allCases.randomElement(using: &generator)!
            kinds[callID] = kind
            burst.writeFrame(kind.frame(callID, liveID: live.id))
        }
        try await raw.send(bytes: burst)

        var answered: [UInt64: Int] = [:]
        while answered.count < kinds.count {
            let response = try await raw.nextResponse()
            XCTAssertTrue(response.endOfStream)
            answered[response.callID, default: 0] += 1
            guard let kind = kinds[response.callID] else {
                XCTFail("an answer to call \(response.callID), which was never made: \(response.status)")
                break
            }
            XCTAssertEqual(response.status.code, kind.expected, "\(kind) (call \(response.callID)): \(response.status.message)")
            if kind == .getLive, response.status.code == .ok {
                XCTAssertEqual(try Task(wireBytes: response.payload).id, live.id)
            }
        }
        XCTAssertEqual(answered.values.filter { $0 != 1 }.count, 0, "every call answered once")
        // Nothing more is on its way: a ping sent now is answered next.
        try await raw.send(.ping(RPCPing(nonce: 77)))
        let after = try await raw.next()
        XCTAssertEqual(after, .pong(RPCPong(nonce: 77)))
        let creates = kinds.values.filter { $0 == .create }.count
        let listed = try await client.listTasks(ListTasksRequest(limit: 1))
        XCTAssertEqual(listed.total, Int64(creates + 1), "every create ran once")
        await raw.close()
    }

    #if DEBUG
    func testCallsAnsweredFromMemoryStartNoTask() async throws {
        let live = try await createTask()
        let raw = try await RawConnection.connect(port: server.port)
        let before = ConnectionHandler.callTasksStarted.load(ordering: .relaxed)
        var burst = ByteBuffer()
        for callID in UInt64(1)...200 {
            let kind: Kind = callID.isMultiple(of: 2) ? .getLive : .health
            burst.writeFrame(kind.frame(callID, liveID: live.id))
        }
        try await raw.send(bytes: burst)
        for _ in 1...200 {
            let response = try await raw.nextResponse()
            XCTAssertEqual(response.status.code, .ok)
        }
        XCTAssertEqual(ConnectionHandler.callTasksStarted.load(ordering: .relaxed), before, "GetTask and Health ran inline")

        // The counter does count: a listing waits for a reader in its task.
        try await raw.send(Kind.list.frame(201, liveID: live.id))
        let listed = try await raw.nextResponse()
        XCTAssertEqual(listed.status.code, .ok)
        XCTAssertEqual(ConnectionHandler.callTasksStarted.load(ordering: .relaxed), before + 1)
        await raw.close()
    }

    func testTheWritesOfATasksLifeStartNoTask() async throws {
        let raw = try await RawConnection.connect(port: server.port)
        var nextCallID: UInt64 = 0
        func call<M: WireMessage>(_ method: String, _ message: M, expect code: StatusCode = .ok) async throws -> ByteBuffer {
            nextCallID += 1
            try await raw.send(RPCRequest.call(nextCallID, method, message))
            let response = try await raw.nextResponse()
            XCTAssertEqual(response.callID, nextCallID)
            XCTAssertEqual(response.status.code, code, "\(method): \(response.status.message)")
            return response.payload
        }
        let before = ConnectionHandler.callTasksStarted.load(ordering: .relaxed)
        for outcome in ["complete", "fail"] {
            let created = try CreateTaskResponse(wireBytes: try await call(
                "CreateTask", CreateTaskRequest(type: "example.echo", paramsJSON: #"{"outcome":"\#(outcome)"}"#, maxAttempts: 1)))
            let id = try XCTUnwrap(created.task).id
            let claimed = try ClaimTaskResponse(wireBytes: try await call(
                "ClaimTask", ClaimTaskRequest(workerID: "w", typePattern: "example.echo")))
            XCTAssertEqual(claimed.task?.id, id)
            let progress = try UpdateProgressResponse(wireBytes: try await call(
                "UpdateProgress", UpdateProgressRequest(id: id, workerID: "w", progress: 40, message: "working")))
            XCTAssertEqual(progress.progress, 40)
            _ = try await call("Heartbeat", HeartbeatRequest(id: id, workerID: "w"))
            // Refused by the store, after the request passed the service's checks.
            _ = try await call("UpdateProgress", UpdateProgressRequest(id: id, workerID: "other", progress: 50), expect: .permissionDenied)
            // Refused by the service before any store call.
            _ = try await call("UpdateProgress", UpdateProgressRequest(id: id, workerID: "w", progress: 101), expect: .invalidArgument)
            if outcome == "complete" {
                let completed = try CompleteTaskResponse(wireBytes: try await call(
                    "CompleteTask", CompleteTaskRequest(id: id, workerID: "w", resultJSON: #"{"ok":true}"#)))
                XCTAssertEqual(completed.task?.status, .completed)
            } else {
                let failed = try FailTaskResponse(wireBytes: try await call("FailTask", FailTaskRequest(id: id, workerID: "w", error: "boom")))
                XCTAssertEqual(failed.task?.status, .failed)
            }
        }
        XCTAssertEqual(ConnectionHandler.callTasksStarted.load(ordering: .relaxed), before, "every write was started from the event loop")

        // A claim that may wait for a task runs in a task, which a cancel can stop.
        _ = try await call("ClaimTask", ClaimTaskRequest(workerID: "w", typePattern: "example.echo", waitMs: 10))
        XCTAssertEqual(ConnectionHandler.callTasksStarted.load(ordering: .relaxed), before + 1)
        await raw.close()
    }
    #endif

    func testTheArenaIsEmptyBetweenCallsAfterALargeRequest() async throws {
        // A request far larger than an arena's standing block: its fields get blocks of their own.
        let big = String(repeating: "x", count: 200_000)
        let created = try await client.createTask(CreateTaskRequest(type: "example.echo", paramsJSON: #"{"big":"\#(big)"}"#))
        XCTAssertNotNil(created.task)
        var held = try await server.arenas.held()
        XCTAssertEqual(held.usedBytes, 0)
        XCTAssertEqual(held.oversizedBytes, 0, "the large request's blocks were freed")

        let batch = (0..<500).map { CreateTaskRequest(type: "example.echo", paramsJSON: #"{"i":\#($0),"pad":"\#(big.prefix(300))"}"#) }
        let response = try await client.call("CreateTasks", CreateTasksRequest(tasks: batch), as: CreateTasksResponse.self)
        XCTAssertEqual(response.results.count, 500)
        _ = try await client.health()
        held = try await server.arenas.held()
        XCTAssertEqual(held.usedBytes, 0)
        XCTAssertEqual(held.oversizedBytes, 0)
    }

    func testAConnectionClosedWithInlineAndAsyncCallsInFlightLeavesTheServerServing() async throws {
        let live = try await createTask()
        for round in 0..<20 {
            let raw = try await RawConnection.connect(port: server.port)
            var burst = ByteBuffer()
            for callID in UInt64(1)...100 {
                let kind = Kind.allCases[Int(callID) % Kind.allCases.count]
                burst.writeFrame(kind.frame(callID, liveID: live.id))
            }
            // One call that is still waiting in the store when the connection goes.
            burst.writeFrame(RPCRequest.call(101, "GetTask", GetTaskRequest(id: DelayingStore.slowTaskID)))
            try await raw.send(bytes: burst)
            if round.isMultiple(of: 2) { _ = try await raw.nextResponse() }
            await raw.close()
        }
        try await _Concurrency.Task.sleep(for: .milliseconds(400))
        let fetched = try await client.getTask(id: live.id)
        XCTAssertEqual(fetched.id, live.id)
        let held = try await server.arenas.held()
        XCTAssertEqual(held.usedBytes, 0)
        XCTAssertEqual(held.oversizedBytes, 0)
    }
}
