import Foundation
import TaskManagerClient
import TaskManagerCore
import TaskManagerServer
import XCTest

/// A shutdown in the middle of a load (`--drain-timeout`): every call is answered, none acknowledged is lost.
///
/// Eight producers create tasks as fast as they can, a watch stream follows them and a long-poll claim waits longer
/// than the drain timeout. On shutdown the stream ends at once with UNAVAILABLE (its client resumes elsewhere),
/// the claim is answered UNAVAILABLE when the timeout passes, and every producer's calls end with an answer: OK, or
/// UNAVAILABLE said by the server, or refused by the client after GoAway without being sent, or sent before the
/// client read the GoAway and so never run (its id is past the GoAway's `last_call_id`); none the server took ends
/// with the connection closing under it. A server started again on the file has every acknowledged task.
final class DrainTests: ServerTestCase {
    func testADrainMidLoadLosesNoAcknowledgedCallAndLeavesNoCallUnanswered() async throws {
        let drainSeconds = 2
        try await startServer { $0.shutdownGraceSeconds = drainSeconds }
        try await registerType()
        try await registerType("idle.type")
        var producers: [TaskManagerClient] = []
        for _ in 0..<8 { producers.append(try await connect()) }
        let watcher = try await connect()
        let claimer = try await connect()

        let events = watcher.watchTasks()
        let watch = _Concurrency.Task { () -> (events: Int, end: (any Error)?, at: ContinuousClock.Instant) in
            var count = 0
            do {
                for try await _ in events { count += 1 }
                return (count, nil, .now)
            } catch {
                return (count, error, .now)
            }
        }
        let longPoll = _Concurrency.Task { () -> (any Error)? in
            do {
                _ = try await claimer.claimTask(ClaimTaskRequest(workerID: "w1", typePattern: "idle.type", waitMs: 30_000))
                return nil
            } catch {
                return error
            }
        }
        let load = producers.enumerated().map { index, producer in
            _Concurrency.Task { () -> (acknowledged: [Int64], end: any Error) in
                var acknowledged: [Int64] = []
                var n = 0
                while true {
                    n += 1
                    do {
                        let created = try await producer.createTask(
                            CreateTaskRequest(type: "example.echo", paramsJSON: #"{"producer":\#(index),"n":\#(n)}"#))
                        acknowledged.append(try XCTUnwrap(created.task).id)
                    } catch {
                        return (acknowledged, error)
                    }
                }
            }
        }
        try await _Concurrency.Task.sleep(for: .milliseconds(400))

        let shutdownStarted = ContinuousClock.now
        await server.shutdown()
        let drained = ContinuousClock.now - shutdownStarted

        let stream = await watch.value
        XCTAssertGreaterThan(stream.events, 0, "the watch saw the load")
        XCTAssertEqual(stream.end as? TaskManagerError, TaskManagerError(.unavailable, "Server is shutting down"))
        XCTAssertLessThan(stream.at - shutdownStarted, .seconds(1), "the stream ended at once, not at the timeout")

        let claimEnd = await longPoll.value
        XCTAssertEqual(
            claimEnd as? TaskManagerError,
            TaskManagerError(
                .unavailable,
                "Server is shutting down: the call did not finish within the drain timeout and may or may not have taken effect"))
        XCTAssertGreaterThanOrEqual(drained, .seconds(drainSeconds))
        XCTAssertLessThan(drained, .seconds(drainSeconds + 3))

        var acknowledged: [Int64] = []
        for producer in load {
            let result = await producer.value
            acknowledged += result.acknowledged
            let error = try XCTUnwrap(result.end as? TaskManagerError, "\(result.end)")
            XCTAssertEqual(error.code, .unavailable, error.message)
            XCTAssertFalse(error.message.hasPrefix("Connection closed"), "a call was left without an answer: \(error.message)")
        }
        XCTAssertGreaterThan(acknowledged.count, 8, "the load ran")

        try await restartServer()
        for id in acknowledged {
            let task = try await client.getTask(id: id)
            XCTAssertEqual(task.id, id)
        }
    }
}
