import NIOCore
import TaskManagerCore
import TaskManagerProtocol
import XCTest

/// Every message survives Swift -> protobuf-c -> bytes -> protobuf-c -> Swift unchanged.
final class BridgingRoundTripTests: XCTestCase {
    private func assertRoundTrip<M: WireMessage & Equatable>(_ message: M, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(try M(wireBytes: message.wireBytes()), message, file: file, line: line)
    }

    static let task: Task = {
        var task = Task()
        task.id = 42
        task.type = "example.sleep"
        task.typeID = 7
        task.status = .claimed
        task.progress = 55
        task.progressMessage = "Step 2/4 – ünïcode"
        task.priority = -3
        task.attempts = 2
        task.maxAttempts = 5
        task.claimedBy = "worker-1"
        task.claimedAtMs = 1_764_000_000_123
        task.createdAtMs = 1_764_000_000_000
        task.updatedAtMs = 1_764_000_000_456
        task.completedAtMs = 1_764_000_000_789
        task.paramsJSON = #"{"seconds":3}"#
        task.resultJSON = #"{"ok":true}"#
        task.errorMessage = "boom"
        task.dedupeKey = String(repeating: "ab", count: 32)
        task.leaseExpiresAtMs = 1_764_000_060_000
        task.cancelRequested = true
        task.cancelReason = "user abort"
        task.stalled = true
        task.stalledSinceMs = 1_764_000_030_000
        task.runAtMs = 1_764_000_001_000
        task.etaMs = 1_764_000_090_000
        task.progressRate = 0.75
        return task
    }()

    static let taskType: TaskType = {
        var type = TaskType()
        type.id = 7
        type.name = "example.sleep"
        type.version = "1.2.3"
        type.paramSchemaJSON = #"{"type":"object"}"#
        type.isActive = true
        type.usageCount = 12
        type.createdAtMs = 1
        type.updatedAtMs = 2
        type.settings = TaskTypeSettings(leaseSeconds: 60, maxAttempts: 5, stallAfterSeconds: 120, retryBackoffBaseMs: 500, retryBackoffCapMs: 9000)
        return type
    }()

    static let entry: HistoryEntry = {
        var entry = HistoryEntry()
        entry.id = 3
        entry.taskID = 42
        entry.statusChange = "progress_update"
        entry.workerID = "worker-1"
        entry.message = "Progress: 50% - Step 2/4"
        entry.createdAtMs = 99
        return entry
    }()

    func testDomainMessages() {
        assertRoundTrip(Self.task)
        assertRoundTrip(Task())
        assertRoundTrip(Self.taskType)
        assertRoundTrip(Self.entry)
        for status in TaskStatus.allCases {
            var task = Task()
            task.status = status
            assertRoundTrip(task)
        }
    }

    func testRequestMessages() {
        assertRoundTrip(HealthRequest())
        assertRoundTrip(RegisterTaskTypeRequest(name: "a", version: "1", paramSchemaJSON: #"{"type":"object"}"#))
        assertRoundTrip(GetTaskTypeRequest(name: "a"))
        assertRoundTrip(ListTaskTypesRequest(activeOnly: true))
        assertRoundTrip(SetTaskTypeActiveRequest(name: "a", active: true))
        assertRoundTrip(CreateTaskRequest(type: "a", paramsJSON: "{}", priority: 9, dedupeKey: "k", maxAttempts: 4))
        assertRoundTrip(ClaimTaskRequest(workerID: "w", taskTypeID: 3, typePattern: "ex%", sortBy: "priority", sortOrder: "DESC"))
        assertRoundTrip(UpdateProgressRequest(id: 1, workerID: "w", progress: 100, message: "done"))
        assertRoundTrip(CompleteTaskRequest(id: 1, workerID: "w", resultJSON: "[1]"))
        assertRoundTrip(FailTaskRequest(id: 1, workerID: "w", error: "bad"))
        assertRoundTrip(GetTaskRequest(id: Int64.max))
        assertRoundTrip(ListTasksRequest(status: .failed, type: "a%", claimedBy: "w", limit: 10, offset: 20))
        assertRoundTrip(GetTaskHistoryRequest(taskID: 5))
        assertRoundTrip(HeartbeatRequest(id: 3, workerID: "w", attempt: 2))
        assertRoundTrip(CancelTaskRequest(id: 3, reason: "user abort"))
        assertRoundTrip(RegisterTaskTypeRequest(
            name: "a", version: "1", paramSchemaJSON: "{}",
            settings: TaskTypeSettings(leaseSeconds: 1, maxAttempts: 2, stallAfterSeconds: 3, retryBackoffBaseMs: 4, retryBackoffCapMs: 5)))
        assertRoundTrip(CreateTaskRequest(type: "a", runAtMs: 7, delayMs: 0, retryBackoffBaseMs: 8, retryBackoffCapMs: 9))
        assertRoundTrip(UpdateProgressRequest(id: 1, workerID: "w", progress: 5, message: "m", attempt: 3))
        assertRoundTrip(CompleteTaskRequest(id: 1, workerID: "w", resultJSON: "1", attempt: 3))
        assertRoundTrip(FailTaskRequest(id: 1, workerID: "w", error: "e", attempt: 3))
        assertRoundTrip(ListTasksRequest(stalledOnly: true))
        assertRoundTrip(ClaimTaskRequest(workerID: "w", typePattern: "%", waitMs: 30_000))
        assertRoundTrip(WatchTaskRequest(id: 3, afterHistoryID: 99))
        assertRoundTrip(WatchTasksRequest(type: "a%", afterHistoryID: 7))
        assertRoundTrip(GetStatsRequest(slowAfterMinutes: 15))
    }

    func testResponseMessages() {
        assertRoundTrip(HealthResponse(status: "healthy", database: "connected", version: "0.1.0", timeMs: 5))
        assertRoundTrip(RegisterTaskTypeResponse(taskType: Self.taskType, created: true))
        assertRoundTrip(RegisterTaskTypeResponse())
        assertRoundTrip(ListTaskTypesResponse(taskTypes: [Self.taskType, TaskType()]))
        assertRoundTrip(CreateTaskResponse(task: Self.task, deduplicated: true))
        assertRoundTrip(ClaimTaskResponse(task: Self.task))
        assertRoundTrip(ClaimTaskResponse(task: nil))
        assertRoundTrip(UpdateProgressResponse(id: 4, progress: 50))
        assertRoundTrip(CompleteTaskResponse(task: Self.task))
        assertRoundTrip(FailTaskResponse(task: Self.task, retried: true))
        assertRoundTrip(ListTasksResponse(tasks: [Self.task, Task()], count: 2, total: 10, limit: 50, offset: 0))
        assertRoundTrip(GetTaskHistoryResponse(entries: [Self.entry, Self.entry]))
        assertRoundTrip(UpdateProgressResponse(id: 4, progress: 50, leaseExpiresAtMs: 99, cancelRequested: true))
        assertRoundTrip(HeartbeatResponse(id: 4, leaseExpiresAtMs: 99, cancelRequested: true))
        assertRoundTrip(CancelTaskResponse(task: Self.task))
        assertRoundTrip(TaskEvent(entry: Self.entry, task: Self.task))
        assertRoundTrip(TaskEvent(entry: nil, task: Self.task))
        var stats = GetStatsResponse()
        stats.timeMs = 5
        stats.byStatus = [StatusCount(status: .claimed, count: 3)]
        var typeStats = TypeStats()
        typeStats.type = "a"
        typeStats.pending = 1
        typeStats.claimed = 2
        typeStats.completed = 3
        typeStats.failed = 4
        typeStats.cancelled = 5
        typeStats.oldestPendingAgeMs = 6
        typeStats.averageProgress = 47.5
        stats.byType = [typeStats]
        stats.inProgress = [Self.task]
        stats.slow = [Self.task]
        stats.stalled = [Self.task]
        stats.lastHour = [MinuteCount(minuteStartMs: 60_000, completed: 2, failed: 1)]
        assertRoundTrip(stats)
    }

    func testEnvelopeMessages() {
        let request = RPCRequest(
            callID: 9, method: "/taskmanager.v1.TaskService/GetTask", payload: GetTaskRequest(id: 3).wireBytes(),
            timeoutMs: 250, metadata: ["x-api-key": "secret", "trace": "abc"])
        assertRoundTrip(RPCClientFrame.request(request))
        assertRoundTrip(RPCClientFrame.cancel(RPCCancel(callID: 9)))
        assertRoundTrip(RPCClientFrame.ping(RPCPing(nonce: .max)))
        assertRoundTrip(RPCClientFrame.empty)
        let response = RPCResponse(
            callID: 9, status: RPCStatus(code: .notFound, message: "Task not found"), payload: ByteBuffer(bytes: [1, 2]),
            endOfStream: true)
        assertRoundTrip(RPCServerFrame.response(response))
        assertRoundTrip(RPCServerFrame.pong(RPCPong(nonce: 1)))
        assertRoundTrip(RPCServerFrame.goAway(RPCGoAway(lastCallID: 12, reason: "bye")))
        assertRoundTrip(RPCServerFrame.empty)
        assertRoundTrip(RPCStatus(code: StatusCode(rawValue: 99), message: "future code"))
    }

    /// Found by fuzz-envelope: the client's in-place reading of a response dropped its metadata.
    func testTheClientsReadingOfAResponseKeepsItsMetadata() throws {
        let response = RPCResponse(
            callID: 4, status: RPCStatus(code: .resourceExhausted, message: "slow down"), endOfStream: true,
            metadata: ["retry-after-ms": "250"])
        let bytes = RPCServerFrame.response(response).wireBytes()
        let arena = CArena()
        try arena.withScope {
            let frame = try bytes.withUnsafeReadableBytes { try InboundServerFrame($0, arena: arena) }
            guard case .response(let inbound) = frame else { return XCTFail("expected a response") }
            XCTAssertEqual(inbound.metadata, ["retry-after-ms": "250"])
            XCTAssertEqual(inbound.copy, response)
        }
    }

    func testBytesMatchTheProtobufEncoding() {
        // RPCClientFrame{ ping (field 3, length-delimited) { nonce (field 1, varint) = 1 } }
        XCTAssertEqual(Array(RPCClientFrame.ping(RPCPing(nonce: 1)).wireBytes().readableBytesView), [0x1A, 0x02, 0x08, 0x01])
        // GetTaskRequest{ id (field 1) = 300 }: varint 300 = AC 02
        XCTAssertEqual(Array(GetTaskRequest(id: 300).wireBytes().readableBytesView), [0x08, 0xAC, 0x02])
        // A message with every field at its zero value encodes to nothing.
        XCTAssertEqual(Task().wireBytes().readableBytes, 0)
    }

    func testGarbageIsInvalidArgument() {
        // 0x0A = field 1 length-delimited, then a length running past the end.
        XCTAssertThrowsError(try RPCClientFrame(wireBytes: [0x0A, 0x7F, 0x01])) { error in
            XCTAssertEqual((error as? TaskManagerError)?.code, .invalidArgument)
        }
        XCTAssertThrowsError(try Task(wireBytes: [0xFF, 0xFF, 0xFF]))
    }

    func testUnknownTaskStatusIsInvalidArgument() {
        // Task{ status (field 4) = 99 }
        XCTAssertThrowsError(try Task(wireBytes: [0x20, 99])) { error in
            XCTAssertEqual((error as? TaskManagerError)?.code, .invalidArgument)
        }
    }

    func testServiceDescriptionListsEveryMethodWithItsTypes() {
        let service = ServiceDescription.taskService
        XCTAssertEqual(service.name, "taskmanager.v1.TaskService")
        let getTask = service.methods.first { $0.name == "GetTask" }
        XCTAssertEqual(getTask?.inputType, "taskmanager.v1.GetTaskRequest")
        XCTAssertEqual(getTask?.outputType, "taskmanager.v1.Task")
        XCTAssertEqual(getTask?.path, "/taskmanager.v1.TaskService/GetTask")
        XCTAssertEqual(service.methods.count, 20)
    }
}
