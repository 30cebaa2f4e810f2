import TaskManagerCore
import XCTest

@testable import TaskManagerStore

/// The memory of live tasks agrees with the database: the same seeded random workload runs on two stores, one
/// kept open throughout and one closed and opened again (its memory rebuilt from the rows and the last event of
/// each claim) every few dozen calls; every answer of the two must be equal, and so must every task, listing,
/// history and dashboard at the end, and the order in which the remaining tasks are claimed.
final class MemoryDatabaseAgreementTests: StoreTestCase {
    /// A seeded generator (SplitMix64), so a failure can be replayed.
    private struct Random: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    private var reopened: SQLiteTaskStore!
    private var recordHistory = true
    private var reopenedPath: String { directory.appendingPathComponent("reopened.sqlite").path }

    override func tearDown() async throws {
        reopened?.close()
        reopened = nil
        try await super.tearDown()
    }

    func testAStoreOpenedAgainAndAgainAnswersAsTheOneKeptOpen() async throws {
        for seed: UInt64 in [1, 2, 3] {
            try await runWorkload(seed: seed)
        }
    }

    func testWithoutHistoryToo() async throws {
        recordHistory = false
        try await runWorkload(seed: 7)
    }

    /// Runs `call` on both stores and checks that they answer alike; the kept store's answer, nil when it threw.
    @discardableResult
    private func both<T: Equatable & Sendable>(_ what: String, _ call: (SQLiteTaskStore) async throws -> T) async throws -> T? {
        let kept: Result<T, TaskManagerError>
        let other: Result<T, TaskManagerError>
        do { kept = .success(try await call(store)) } catch let error as TaskManagerError { kept = .failure(error) }
        do { other = .success(try await call(reopened)) } catch let error as TaskManagerError { other = .failure(error) }
        XCTAssertEqual(other, kept, what)
        return try? kept.get()
    }

    private func runWorkload(seed: UInt64) async throws {
        store.close()
        try? FileManager.default.removeItem(atPath: path)
        reopened?.close()
        try? FileManager.default.removeItem(atPath: reopenedPath)
        store = try SQLiteTaskStore(path: path, recordHistory: recordHistory)
        reopened = try SQLiteTaskStore(path: reopenedPath, recordHistory: recordHistory)
        var random = Random(state: seed)
        var types: [TaskType] = []
        for (name, settings) in [("a", TaskTypeSettings(leaseSeconds: 2, stallAfterSeconds: 1)), ("b", TaskTypeSettings())] {
            let type = try await both("register \(name)") {
                try await $0.registerTaskType(name: name, version: "1", paramSchemaJSON: "{}", settings: settings, nowMs: 1_000).taskType
            }
            types.append(try XCTUnwrap(type))
        }
        // The calls' clock starts at the wall clock, as a server's does: a store that opens queues the tasks due
        // by the wall clock as ready.
        var now = SystemClock().nowMs()
        var created: [Int64] = []
        var holders: [Int64: (worker: String, attempt: Int32)] = [:]
        for step in 0..<500 {
            now += Int64.random(in: 0...300, using: &random)
            let typeID = types[Int.random(in: 0..<types.count, using: &random)].id
            let roll = Int.random(in: 0..<100, using: &random)
            if roll < 22 {
                let delay: Int64 = Bool.random(using: &random) ? 0 : Int64.random(in: 1...3_000, using: &random)
                let new = NewTask(typeID: typeID, paramsJSON: #"{"s":\#(step)}"#, priority: Int32.random(in: 0...3, using: &random),
                                  dedupeKey: "k\(step % 450)", maxAttempts: 3, nowMs: now, runAtMs: delay > 0 ? now + delay : 0,
                                  retryBackoff: RetryBackoff(baseMs: 200, capMs: 1_000))
                if let made = try await both("create \(step)", { try await $0.createTask(new).task }) { created.append(made.id) }
            } else if roll < 42 {
                let order: ClaimOrder = Bool.random(using: &random) ? .priorityThenAge : .by(.attempts, ascending: false)
                let query = ClaimQuery(workerID: "w\(Int.random(in: 1...3, using: &random))", taskTypeID: typeID,
                                       typePattern: Bool.random(using: &random) ? "%" : nil, order: order, nowMs: now,
                                       defaultLeaseMs: 5_000)
                if let task = try await both("claim \(step)", { try await $0.claimTask(query) }), let task {
                    holders[task.id] = (task.claimedBy, task.attempts)
                }
                try await both("next due \(step)") { try await $0.nextDueTime(query) }
            } else if let (id, holder) = holders.randomElement(using: &random) {
                let check = ClaimCheck(id: id, workerID: holder.worker, attempt: holder.attempt, nowMs: now, defaultLeaseMs: 5_000)
                let value = Int32.random(in: 0...100, using: &random)
                let message = Bool.random(using: &random) ? "" : "m\(step)"
                let cancelID = created.randomElement(using: &random) ?? id
                switch Int.random(in: 0..<10, using: &random) {
                case 0..<5: try await both("progress \(step)") { try await $0.updateProgress(check, progress: value, message: message) }
                case 5: try await both("heartbeat \(step)") { try await $0.heartbeat(check) }
                case 6: try await both("complete \(step)") { try await $0.completeTask(check, resultJSON: "{}") }
                case 7: try await both("fail \(step)") { try await $0.failTask(check, error: "e\(step)", jitter: 0.5).task }
                case 8: try await both("cancel \(step)") { try await $0.cancelTask(id: id, reason: "r", nowMs: now) }
                default: try await both("cancel \(step)") { try await $0.cancelTask(id: cancelID, reason: "", nowMs: now) }
                }
            }
            if step % 20 == 0 {
                try await both("reap \(step)") { try await $0.reapExpiredLeases(nowMs: now) }
                try await both("stalls \(step)") { try await $0.markStalledTasks(nowMs: now, defaultStallAfterMs: 0) }
            }
            if step % 37 == 0 {
                reopened.close()
                reopened = try SQLiteTaskStore(path: reopenedPath, recordHistory: recordHistory)
            }
        }

        for id in created {
            try await both("task \(id)") { try await $0.task(id: id) }
            try await both("history \(id)") { try await $0.history(taskID: id) }
        }
        for status in [nil] + TaskStatus.allCases {
            try await both("list \(String(describing: status))") { try await $0.listTasks(TaskFilter(status: status, limit: 1_000)).tasks }
        }
        try await both("stalled") { try await $0.listTasks(TaskFilter(stalledOnly: true, limit: 1_000)).tasks }
        try await both("stats") { try await $0.stats(nowMs: now, slowAfterMs: 1_000) }
        let statuses = Set(try await store.listTasks(TaskFilter(limit: 1_000)).tasks.map(\.status))
        XCTAssertTrue(statuses.isSuperset(of: [.pending, .claimed, .completed, .failed]), "the workload reaches every state: \(statuses)")

        // The queues hold the same tasks in the same order: every remaining task is claimed in the same sequence.
        reopened.close()
        reopened = try SQLiteTaskStore(path: reopenedPath, recordHistory: recordHistory)
        for type in types {
            let query = ClaimQuery(workerID: "last", taskTypeID: type.id, typePattern: nil, order: .priorityThenAge,
                                   nowMs: now + 60_000, defaultLeaseMs: 1_000_000)
            var claims = 0
            while let task = try await both("final claim", { try await $0.claimTask(query) }), task != nil { claims += 1 }
            XCTAssertGreaterThan(claims, 0)
        }
    }
}
