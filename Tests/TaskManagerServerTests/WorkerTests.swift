import NIOConcurrencyHelpers
import TaskManagerClient
import TaskManagerCore
import XCTest

/// The worker runtime against a real server: claiming, outcomes, the ways a run ends, and the concurrency limit.
final class WorkerTests: ServerTestCase {
    override func setUp() async throws {
        try await super.setUp()
        // Failed attempts are due again at once, so a retry happens within one run of the worker.
        try await startServer { $0.retryBackoffBaseMs = 0 }
    }

    private func makeWorker(_ configure: (inout Worker.Configuration) -> Void = { _ in }) -> Worker {
        var configuration = Worker.Configuration(workerID: "swift-test", selection: .typePattern("%"))
        configuration.pollInterval = .milliseconds(10)
        configuration.stopWhenIdle = true
        configuration.log = { _ in }
        configure(&configuration)
        return Worker(client: client, configuration: configuration)
    }

    private static let echo: Worker.Handler = { context in
        .object(["echoed": context[param: "message"] ?? .null])
    }

    func testRegisteredHandlersCompleteTasksWithTheirResults() async throws {
        try await registerType("example.echo")
        let tasks = [
            try await createTask(params: #"{"message":"one"}"#),
            try await createTask(params: #"{"message":"two"}"#),
        ]
        let worker = makeWorker()
        worker.register("example.echo", handler: Self.echo)

        let summary = await worker.run()

        XCTAssertEqual(summary, Worker.Summary(processed: 2, failed: 0, exitReason: .idle))
        for (task, message) in zip(tasks, ["one", "two"]) {
            let stored = try await client.getTask(id: task.id)
            XCTAssertEqual(stored.status, .completed)
            XCTAssertEqual(stored.claimedBy, "swift-test")
            XCTAssertEqual(stored.resultJSON, #"{"echoed":"\#(message)"}"#)
        }
    }

    func testAThrowingHandlerFailsTheTaskWithTheErrorMessage() async throws {
        struct DiskFull: Error, CustomStringConvertible {
            var description: String { "disk full" }
        }
        try await registerType("a")
        try await registerType("b")
        let a = try await client.createTask(CreateTaskRequest(type: "a", paramsJSON: "{}", maxAttempts: 1)).task!
        let b = try await client.createTask(CreateTaskRequest(type: "b", paramsJSON: "{}", maxAttempts: 1)).task!
        let worker = makeWorker()
        worker.register("a") { _ in throw DiskFull() }
        worker.register("b") { _ in throw TaskManagerError(.internal, "quota exceeded") }

        let summary = await worker.run()

        XCTAssertEqual(summary, Worker.Summary(processed: 2, failed: 2, exitReason: .idle))
        let storedA = try await client.getTask(id: a.id)
        XCTAssertEqual(storedA.status, .failed)
        XCTAssertEqual(storedA.errorMessage, "disk full")
        let storedB = try await client.getTask(id: b.id)
        XCTAssertEqual(storedB.errorMessage, "quota exceeded", "a TaskManagerError gives its message, not its code")
    }

    func testATaskWithoutAHandlerFailsAsAnUnknownType() async throws {
        try await registerType("x")
        let task = try await client.createTask(CreateTaskRequest(type: "x", paramsJSON: "{}", maxAttempts: 1)).task!
        let worker = makeWorker()

        let summary = await worker.run()

        XCTAssertEqual(summary, Worker.Summary(processed: 1, failed: 1, exitReason: .idle))
        let stored = try await client.getTask(id: task.id)
        XCTAssertEqual(stored.status, .failed)
        XCTAssertEqual(stored.errorMessage, "Unknown task type: x")
    }

    func testAFailedAttemptIsRetriedWithinTheSameRun() async throws {
        try await registerType("flaky")
        let task = try await client.createTask(CreateTaskRequest(type: "flaky", paramsJSON: "{}", maxAttempts: 2)).task!
        let worker = makeWorker { $0.maxConcurrentTasks = 2 }
        worker.register("flaky") { context in
            if context.task.attempts == 1 { throw TaskManagerError(.unavailable, "try again") }
            return .bool(true)
        }

        let summary = await worker.run()

        XCTAssertEqual(summary, Worker.Summary(processed: 2, failed: 1, exitReason: .idle))
        let stored = try await client.getTask(id: task.id)
        XCTAssertEqual(stored.status, .completed)
        XCTAssertEqual(stored.attempts, 2)
    }

    func testMaxRunsStopsAfterThatManyTasks() async throws {
        try await registerType("example.echo")
        for n in 0..<5 { _ = try await createTask(params: #"{"message":"\#(n)"}"#) }
        let worker = makeWorker {
            $0.maxRuns = 2
            $0.stopWhenIdle = false
        }
        worker.register("example.echo", handler: Self.echo)

        let summary = await worker.run()

        XCTAssertEqual(summary, Worker.Summary(processed: 2, failed: 0, exitReason: .maxRunsReached))
        let pending = try await client.listTasks(ListTasksRequest(status: .pending))
        XCTAssertEqual(pending.total, 3)
    }

    func testStopWhenIdleStopsAtTheFirstEmptyClaim() async throws {
        let worker = makeWorker { $0.pollInterval = .seconds(60) }

        let summary = await worker.run()

        XCTAssertEqual(summary, Worker.Summary(processed: 0, failed: 0, exitReason: .idle))
    }

    func testOnlyTheSelectedTypeIDsAreClaimed() async throws {
        try await registerType("a")
        let b = try await registerType("b")
        let taskA = try await createTask("a")
        let taskB = try await createTask("b")
        let worker = makeWorker { $0.selection = .taskTypeIDs([b.id]) }
        worker.register("a") { _ in .null }
        worker.register("b") { _ in .null }

        let summary = await worker.run()

        XCTAssertEqual(summary.processed, 1)
        let storedA = try await client.getTask(id: taskA.id)
        XCTAssertEqual(storedA.status, .pending)
        let storedB = try await client.getTask(id: taskB.id)
        XCTAssertEqual(storedB.status, .completed)
    }

    func testNoMoreThanMaxConcurrentTasksRunAtOnce() async throws {
        try await registerType("slow")
        for n in 0..<10 { _ = try await createTask("slow", params: #"{"n":\#(n)}"#) }
        let counts = NIOLockedValueBox((running: 0, most: 0))
        let worker = makeWorker { $0.maxConcurrentTasks = 3 }
        worker.register("slow") { _ in
            counts.withLockedValue {
                $0.running += 1
                $0.most = max($0.most, $0.running)
            }
            try await _Concurrency.Task.sleep(for: .milliseconds(50))
            counts.withLockedValue { $0.running -= 1 }
            return .null
        }

        let summary = await worker.run()

        XCTAssertEqual(summary, Worker.Summary(processed: 10, failed: 0, exitReason: .idle))
        let most = counts.withLockedValue { $0.most }
        XCTAssertLessThanOrEqual(most, 3, "never more than three at once")
        XCTAssertGreaterThan(most, 1, "tasks do run side by side")
        let completed = try await client.listTasks(ListTasksRequest(status: .completed))
        XCTAssertEqual(completed.total, 10)
    }

    func testStopLetsTheRunningTaskFinishAndClaimsNothingMore() async throws {
        try await registerType("example.echo")
        let first = try await createTask(params: #"{"message":"first"}"#)
        let second = try await createTask(params: #"{"message":"second"}"#)
        let (started, startedContinuation) = AsyncStream.makeStream(of: Int64.self)
        let (gate, gateContinuation) = AsyncStream.makeStream(of: Void.self)
        let worker = makeWorker { $0.stopWhenIdle = false }
        worker.register("example.echo") { context in
            startedContinuation.yield(context.task.id)
            for await _ in gate { break }
            return try await Self.echo(context)
        }

        let run = _Concurrency.Task { await worker.run() }
        var startedIDs = started.makeAsyncIterator()
        let running = await startedIDs.next()
        XCTAssertEqual(running, first.id)
        worker.stop()
        gateContinuation.yield()
        let summary = await run.value

        XCTAssertEqual(summary, Worker.Summary(processed: 1, failed: 0, exitReason: .stopRequested))
        let storedFirst = try await client.getTask(id: first.id)
        XCTAssertEqual(storedFirst.status, .completed)
        let storedSecond = try await client.getTask(id: second.id)
        XCTAssertEqual(storedSecond.status, .pending)
    }

    func testStopEndsTheWaitBetweenPolls() async throws {
        let worker = makeWorker {
            $0.stopWhenIdle = false
            $0.pollInterval = .seconds(600)
        }
        let run = _Concurrency.Task { await worker.run() }
        try await _Concurrency.Task.sleep(for: .milliseconds(100))
        worker.stop()

        let summary = await run.value

        XCTAssertEqual(summary.exitReason, .stopRequested)
    }

    func testConsecutiveServerErrorsEndTheRunAsAFailure() async throws {
        let worker = makeWorker { $0.selection = .taskTypeIDs([-1]) }

        let summary = await worker.run()

        XCTAssertEqual(summary.exitReason, .tooManyErrors("task_type_id must be a positive integer"))
        XCTAssertTrue(summary.exitReason.isFailure)
    }

    func testAFailedHealthCheckEndsTheRunBeforeAnyClaim() async throws {
        let closed = try await connect()
        await closed.close()
        let worker = Worker(client: closed, configuration: Worker.Configuration(workerID: "w"))

        let summary = await worker.run()

        XCTAssertEqual(summary, Worker.Summary(processed: 0, failed: 0, exitReason: .healthCheckFailed("Client is closed")))
    }

    func testConfiguredTaskTypesAreRegisteredAtStart() async throws {
        let worker = makeWorker {
            $0.taskTypes = [RegisterTaskTypeRequest(name: "example.echo", version: "2.0.0", paramSchemaJSON: #"{"type":"object"}"#)]
        }

        _ = await worker.run()

        let registered = try await client.getTaskType(name: "example.echo")
        XCTAssertEqual(registered.version, "2.0.0")
    }

    func testHandlersReportProgressToTheServer() async throws {
        try await registerType("example.echo")
        let task = try await createTask(params: #"{"message":"hi"}"#)
        let worker = makeWorker()
        worker.register("example.echo") { context in
            await context.progress.report(50, "half way")
            return .null
        }

        _ = await worker.run()

        let stored = try await client.getTask(id: task.id)
        XCTAssertEqual(stored.progress, 50)
        let history = try await client.getTaskHistory(taskID: task.id)
        XCTAssertEqual(history.filter { $0.statusChange == HistoryEntry.Change.progressUpdate }.map(\.message), ["Progress: 50% - half way"])
    }
}

/// The throttle of `ProgressReporter`, on a clock the test moves by hand.
final class ProgressReporterTests: ServerTestCase {
    private final class TestClock: Sendable {
        private let start = ContinuousClock.now
        private let elapsed = NIOLockedValueBox(Duration.zero)

        func now() -> ContinuousClock.Instant { start + elapsed.withLockedValue { $0 } }
        func advance(_ duration: Duration) { elapsed.withLockedValue { $0 += duration } }
    }

    private let testClock = TestClock()
    private let sent = NIOLockedValueBox<[String]>([])

    private func makeReporter() -> ProgressReporter {
        let clock = testClock
        let sent = sent
        return ProgressReporter(now: { clock.now() }) { percent, message in
            sent.withLockedValue { $0.append("\(percent) \(message)") }
        }
    }

    private var sentUpdates: [String] { sent.withLockedValue { $0 } }

    func testUpdatesWithinTheSameSecondAndFivePercentStepAreDropped() async {
        let reporter = makeReporter()
        await reporter.report(1, "a")
        await reporter.report(2, "b")
        testClock.advance(.milliseconds(500))
        await reporter.report(4, "c")
        testClock.advance(.milliseconds(499))
        await reporter.report(3, "d")
        XCTAssertEqual(sentUpdates, ["1 a"])
    }

    func testANewFivePercentStepAndOneHundredAreAlwaysSent() async {
        let reporter = makeReporter()
        await reporter.report(1)
        await reporter.report(5, "five")
        await reporter.report(9)
        await reporter.report(10, "ten")
        await reporter.report(37, "jump")
        await reporter.report(38)
        await reporter.report(100, "done")
        await reporter.report(100, "done")
        XCTAssertEqual(sentUpdates, ["1 ", "5 five", "10 ten", "37 jump", "100 done", "100 done"])
    }

    func testAfterOneSecondAnyChangeIsSent() async {
        let reporter = makeReporter()
        await reporter.report(1, "a")
        testClock.advance(.seconds(1))
        await reporter.report(2, "a")
        testClock.advance(.seconds(1))
        await reporter.report(2, "a")
        await reporter.report(2, "b")
        testClock.advance(.seconds(5))
        await reporter.report(1, "b")
        XCTAssertEqual(sentUpdates, ["1 a", "2 a", "2 b", "1 b"], "an unchanged report is not worth sending")
    }

    func testReportNowIgnoresTheThrottleAndPercentIsClamped() async {
        let reporter = makeReporter()
        await reporter.report(-3, "low")
        await reporter.reportNow(1, "again")
        await reporter.report(250, "high")
        XCTAssertEqual(sentUpdates, ["0 low", "1 again", "100 high"])
    }

    func testAFailedUpdateGoesToTheErrorCallbackAndIsNotThrown() async throws {
        try await startServer()
        try await registerType()
        let task = try await createTask()
        let errors = NIOLockedValueBox<[String]>([])
        let reporter = ProgressReporter(
            client: client, taskID: task.id, workerID: "w1", onError: { error in errors.withLockedValue { $0.append("\(error)") } })

        await reporter.report(10, "not claimed yet")
        _ = try await claim("w1")
        await reporter.report(20, "claimed")

        XCTAssertEqual(errors.withLockedValue { $0 }, ["FAILED_PRECONDITION: Task is not in claimed state"])
        let stored = try await client.getTask(id: task.id)
        XCTAssertEqual(stored.progress, 20)
        XCTAssertEqual(stored.progressMessage, "claimed")
    }
}
