import NIOCore
import TaskManagerClient
import TaskManagerCore
import TaskManagerProtocol
import XCTest

/// WatchTask and WatchTasks: server-streaming calls over the same frames, with replay from a history id.
class WatchRPCTests: ServerBehaviourTestCase {
    override func setUp() async throws {
        try await super.setUp()
        try await startServer {
            $0.streamBacklogLimit = 20
            $0.socketSendBufferBytes = 4096
        }
        try await registerType()
    }

    /// Collects a stream's events on another connection until it ends (or `count` were seen).
    private func collect(
        _ stream: @escaping @Sendable (TaskManagerClient) -> AsyncThrowingStream<TaskEvent, any Error>, count: Int = .max
    ) async throws -> _Concurrency.Task<[TaskEvent], any Error> {
        let watcher = try await connect()
        return _Concurrency.Task {
            var events: [TaskEvent] = []
            for try await event in stream(watcher) {
                events.append(event)
                if events.count == count { break }
            }
            return events
        }
    }

    func testWatchTaskSendsTheSnapshotThenEveryEventUntilTheTaskEnds() async throws {
        let task = try await createTask()
        let watching = try await collect { $0.watchTask(id: task.id) }
        _ = try await claim("w1")
        _ = try await client.updateProgress(UpdateProgressRequest(id: task.id, workerID: "w1", progress: 50, message: "Step 2/4"))
        _ = try await client.completeTask(CompleteTaskRequest(id: task.id, workerID: "w1", resultJSON: #"{"ok":true}"#))
        let events = try await watching.value
        XCTAssertNil(events.first?.entry, "the first item is the snapshot")
        XCTAssertEqual(events.first?.task?.id, task.id)
        XCTAssertEqual(events.dropFirst().map { $0.entry?.statusChange }, ["created", "claimed", "progress_update", "completed"])
        XCTAssertEqual(events.last?.task?.status, .completed, "each event carries the task as it is after it")
        let progress = events.first { $0.entry?.statusChange == "progress_update" }
        XCTAssertEqual(progress?.entry?.message, "Progress: 50% - Step 2/4")
    }

    func testAWatchThatReconnectsAfterTheLastIDItSawGetsEveryEventExactlyOnce() async throws {
        let task = try await createTask()
        _ = try await claim("w1")
        let first = try await collect({ $0.watchTask(id: task.id) }, count: 3)
        _ = try await client.updateProgress(UpdateProgressRequest(id: task.id, workerID: "w1", progress: 10))
        let seen = try await first.value
        let lastSeen = try XCTUnwrap(seen.last?.entry?.id)
        // While nobody watches, more happens.
        _ = try await client.updateProgress(UpdateProgressRequest(id: task.id, workerID: "w1", progress: 20))
        _ = try await client.updateProgress(UpdateProgressRequest(id: task.id, workerID: "w1", progress: 30))
        let second = try await collect { $0.watchTask(id: task.id, afterHistoryID: lastSeen) }
        _ = try await client.completeTask(CompleteTaskRequest(id: task.id, workerID: "w1"))
        let resumed = try await second.value

        let ids = (seen + resumed).compactMap { $0.entry?.id }
        XCTAssertEqual(ids.count, Set(ids).count, "no event twice")
        let history = try await client.getTaskHistory(taskID: task.id)
        XCTAssertEqual(ids, history.map(\.id), "no event missed, in order")
    }

    func testWatchTasksStreamsTheEventsOfMatchingTypesAfterTheGivenID() async throws {
        try await registerType("other.kind")
        let before = try await createTask(params: #"{"before":true}"#)
        // Start after the last entry so far, explicitly: the stream may start later than the writes below.
        let lastID = try await client.getTaskHistory(taskID: before.id).last?.id ?? 0
        let watching = try await collect({ $0.watchTasks(type: "example.%", afterHistoryID: lastID) }, count: 2)
        _ = try await createTask("other.kind")
        let a = try await createTask(params: #"{"n":1}"#)
        _ = try await claim("w1", pattern: "example.%")
        let events = try await watching.value
        XCTAssertEqual(events.map { $0.entry?.statusChange }, ["created", "claimed"])
        XCTAssertEqual(Set(events.compactMap { $0.task?.type }), ["example.echo"])
        XCTAssertEqual(events.first?.task?.id, a.id)
    }

    func testWatchingAnUnknownTaskIsNotFound() async throws {
        do {
            for try await _ in client.watchTask(id: 4242) {}
            XCTFail("expected NOT_FOUND")
        } catch let error as TaskManagerError {
            XCTAssertEqual(error.code, .notFound)
        }
    }

    func testAStalledConsumerLosesItsOwnStreamWithoutSlowingAnyoneElse() async throws {
        let stalled = try await RawConnection.connect(port: server.port, reading: false)
        defer { _Concurrency.Task { await stalled.close() } }
        try await stalled.send(RPCRequest.call(1, "WatchTasks", WatchTasksRequest()))
        try await _Concurrency.Task.sleep(for: .milliseconds(100))

        let start = ContinuousClock.now
        for n in 0..<600 { _ = try await createTask(params: #"{"n":\#(n),"pad":"\#(String(repeating: "x", count: 200))"}"#) }
        let health = try await client.health()
        XCTAssertEqual(health.status, "healthy")
        XCTAssertLessThan(ContinuousClock.now - start, .seconds(30), "writers were not held up by the stalled reader")

        try await stalled.startReading()
        var ending: RPCResponse?
        while let frame = try await stalled.next() {
            if case .response(let response) = frame, response.endOfStream {
                ending = response
                break
            }
        }
        XCTAssertEqual(ending?.callID, 1)
        XCTAssertEqual(ending?.status.code, .resourceExhausted)
        XCTAssertEqual(ending?.status.message, "Stream consumer too slow: more than 20 items waiting")
    }
}
