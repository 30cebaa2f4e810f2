import Foundation
import Logging
import PostgresNIO
import Synchronization
import TaskManagerCore
import XCTest

@testable import TaskManagerPostgres
@testable import TaskManagerStore

/// What only the PostgreSQL store has: migrations shared by instances, several instances claiming from one queue,
/// URLs and the mapping of PostgreSQL's errors.
final class PostgresStoreTests: StoreBehaviourTestCase {
    override class var storeKind: StoreKind { .postgres }

    private var postgres: PostgresTaskStore { store as! PostgresTaskStore }

    private var extraStores: [PostgresTaskStore] = []

    override func tearDown() async throws {
        extraStores.forEach { $0.close() }
        extraStores.removeAll()
        try await super.tearDown()
    }

    /// Another instance on the same database.
    private func anotherInstance() async throws -> PostgresTaskStore {
        let store = try await PostgresTaskStore.open(url: try Self.postgresURL())
        extraStores.append(store)
        return store
    }

    func testInstancesStartingTogetherOnAnEmptyDatabaseMigrateItOnce() async throws {
        try await sql("DROP TABLE task_history, tasks, task_types, schema_version CASCADE")
        let url = try Self.postgresURL()
        let opened = try await withThrowingTaskGroup(of: PostgresTaskStore.self) { group in
            for _ in 0..<4 { group.addTask { try await PostgresTaskStore.open(url: url) } }
            return try await group.reduce(into: [PostgresTaskStore]()) { $0.append($1) }
        }
        extraStores += opened
        let versions = try await scalar("SELECT COUNT(*) FROM schema_version")
        XCTAssertEqual(versions, 1)
        let version = try await scalar("SELECT version FROM schema_version")
        XCTAssertEqual(version, PostgresMigrations.currentVersion)
        // Every instance works on the one schema.
        let type = try await opened[0].registerTaskType(name: "t", version: "1", paramSchemaJSON: "{}",
                                                        settings: TaskTypeSettings(), nowMs: 1).taskType
        let task = try await opened[1].createTask(NewTask(typeID: type.id, paramsJSON: "{}", priority: 0, dedupeKey: "k",
                                                          maxAttempts: 1, nowMs: 1)).task
        let claimed = try await opened[2].claimTask(ClaimQuery(workerID: "w", taskTypeID: nil, typePattern: nil,
                                                               order: .priorityThenAge, nowMs: 2, defaultLeaseMs: 1_000))
        XCTAssertEqual(claimed?.id, task.id)
    }

    func testADatabaseOfANewerSchemaIsRefused() async throws {
        try await sql("UPDATE schema_version SET version = \(PostgresMigrations.currentVersion + 1)")
        do {
            _ = try await anotherInstance()
            XCTFail("a newer schema was opened")
        } catch let error as TaskManagerError {
            XCTAssertEqual(error, TaskManagerError(
                .failedPrecondition,
                "Database schema version \(PostgresMigrations.currentVersion + 1) is newer than supported "
                    + "(\(PostgresMigrations.currentVersion))"))
        }
        try await sql("UPDATE schema_version SET version = \(PostgresMigrations.currentVersion)")
    }

    /// Many claimers on three instances at once: `FOR UPDATE SKIP LOCKED` hands each task to exactly one.
    func testManyClaimersOnSeveralInstancesNeverShareATask() async throws {
        let type = try await makeType()
        let count = 300
        let items = (0..<count).map {
            NewTask(typeID: type.id, paramsJSON: "{}", priority: Int32($0 % 5), dedupeKey: "k\($0)", maxAttempts: 1,
                    nowMs: 1_000)
        }
        _ = try await store.createTasks(items)
        let instances: [any TaskStore] = [store, try await anotherInstance(), try await anotherInstance()]
        let claims = try await claimAll(typeID: type.id, workers: 24, on: instances)
        XCTAssertEqual(claims.count, count)
        XCTAssertEqual(Set(claims).count, count)
        let claimedRows = try await scalar("SELECT COUNT(*) FROM task_history WHERE status_change = 'claimed'")
        XCTAssertEqual(claimedRows, Int64(count))
        let notClaimed = try await scalar("SELECT COUNT(*) FROM tasks WHERE status <> 'claimed' OR attempts <> 1")
        XCTAssertEqual(notClaimed, 0)
    }

    /// An instance sees at once what another wrote: nothing is kept in memory.
    func testAnInstanceSeesWhatAnotherWrote() async throws {
        let other = try await anotherInstance()
        let type = try await makeType("t", settings: TaskTypeSettings(leaseSeconds: 10))
        let task = try await makeTask("a", typeID: type.id)
        _ = try await other.claimTask(ClaimQuery(workerID: "w1", taskTypeID: type.id, typePattern: nil,
                                                 order: .priorityThenAge, nowMs: 2_000, defaultLeaseMs: 1_000))
        let progressed = try await progress(task.id, 40, nowMs: 3_000)
        XCTAssertEqual(progressed.leaseExpiresAtMs, 13_000, "the type's lease, read from the database")
        _ = try await other.registerTaskType(name: "t", version: "2", paramSchemaJSON: "{}",
                                             settings: TaskTypeSettings(leaseSeconds: 20), nowMs: 4_000)
        let renewed = try await store.heartbeat(check(task.id, nowMs: 5_000))
        XCTAssertEqual(renewed.leaseExpiresAtMs, 25_000, "the type another instance changed")
        let seen = try await other.task(id: task.id)
        XCTAssertEqual(seen?.progress, 40)
    }

    /// An announced change reaches every other instance through LISTEN/NOTIFY, and not the one that sent it.
    func testAnnouncedChangesReachTheOtherInstancesButNotTheSender() async throws {
        let other = try await anotherInstance()
        let heardHere = HeardChanges()
        let heardThere = HeardChanges()
        postgres.coordinator.start { heardHere.add($0) }
        other.coordinator.start { heardThere.add($0) }
        // Changes are heard while a call waits; the LISTEN starts with every kind delivered once.
        postgres.coordinator.callWaits(true)
        other.coordinator.callWaits(true)
        try await waitUntil("both listen") { Set(heardHere.all) == Set(StoreChange.allCases) && Set(heardThere.all) == Set(StoreChange.allCases) }
        heardHere.clear()
        heardThere.clear()
        // The LISTEN connections open in the background: announce until the other hears.
        let started = ContinuousClock.now
        while heardThere.all.isEmpty, ContinuousClock.now - started < .seconds(10) {
            postgres.coordinator.announce(.claimable)
            try await _Concurrency.Task.sleep(for: .milliseconds(50))
        }
        XCTAssertEqual(Set(heardThere.all), [.claimable])
        heardThere.clear()
        postgres.coordinator.announce(.history)
        try await waitUntil("the history change is heard") { heardThere.all.contains(.history) }
        XCTAssertEqual(heardHere.all, [], "a server ignores its own announcements")
        other.coordinator.announce(.claimable)
        try await waitUntil("the first instance hears the other") { heardHere.all == [.claimable] }
    }

    /// A server LISTENs only while one of its calls waits (and for a linger after), since a listening backend
    /// reads every notification in a transaction of its own.
    func testAServerListensOnlyWhileACallWaits() async throws {
        let url = try PostgresURL(try Self.postgresURL())
        let coordination = PostgresCoordination(configuration: try url.connectionConfiguration(), recheckInterval: .seconds(1),
                                                listenLinger: .milliseconds(200), logger: Logger(label: "test"))
        defer { coordination.close() }
        let heard = HeardChanges()
        coordination.start { heard.add($0) }
        let listening = "SELECT COUNT(*) FROM pg_stat_activity WHERE query ILIKE 'LISTEN%' AND state = 'idle'"
        try await _Concurrency.Task.sleep(for: .milliseconds(500))
        let idle = try await scalar(listening)
        XCTAssertEqual(idle, 0, "listening with no call waiting")
        coordination.callWaits(true)
        try await waitUntil("it listens") { try await self.scalar(listening) == 1 }
        XCTAssertEqual(Set(heard.all), Set(StoreChange.allCases), "the waiting calls look again once it listens")
        coordination.callWaits(false)
        try await waitUntil("it stops listening after the linger") { try await self.scalar(listening) == 0 }
    }

    /// One instance leads the background jobs; when its connection dies or it closes, another takes over at its
    /// next ask.
    func testOneInstanceLeadsTheBackgroundJobsAndAnotherTakesOverWhenItGoes() async throws {
        let second = try await anotherInstance()
        let third = try await anotherInstance()
        let leads = await postgres.coordinator.leadsBackgroundJobs()
        let secondLeads = await second.coordinator.leadsBackgroundJobs()
        let thirdLeads = await third.coordinator.leadsBackgroundJobs()
        XCTAssertEqual([leads, secondLeads, thirdLeads], [true, false, false])
        let stillLeads = await postgres.coordinator.leadsBackgroundJobs()
        XCTAssertTrue(stillLeads, "a leader keeps leading while its connection answers")

        // The leader's connection is killed, as when its server's machine goes away.
        try await sql("""
            SELECT pg_terminate_backend(pid) FROM pg_locks
            WHERE locktype = 'advisory' AND objid = \(PostgresCoordination.leaderLockKey & 0xFFFF_FFFF)
            """)
        try await waitUntil("another instance leads") {
            let second = await second.coordinator.leadsBackgroundJobs()
            let third = await third.coordinator.leadsBackgroundJobs()
            return second != third
        }
        let formerLeads = await postgres.coordinator.leadsBackgroundJobs()
        XCTAssertFalse(formerLeads, "the former leader noticed that it lost its connection")

        // The new leader closes: the one left takes over at its next ask.
        let (leader, left) = await second.coordinator.leadsBackgroundJobs() ? (second, third) : (third, second)
        leader.close()
        try await waitUntil("the instance left leads") { await left.coordinator.leadsBackgroundJobs() }
        let count = try await scalar("SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND granted")
        XCTAssertEqual(count, 1, "one lock holder")
    }

    /// Calls that arrive together share transactions; a statement that fails in PostgreSQL fails only its call.
    func testConcurrentWritesShareTransactionsAndAFailingOneFailsAlone() async throws {
        let grouped = try await PostgresTaskStore.open(url: try Self.postgresURL(), concurrentBatches: 1)
        extraStores.append(grouped)
        let type = try await makeType()
        let results = await withTaskGroup(of: (Int, Result<Task, any Error>).self) { group in
            for index in 0..<40 {
                group.addTask {
                    // Item 7 names a type that does not exist: a foreign key violation inside PostgreSQL.
                    let new = NewTask(typeID: index == 7 ? type.id + 1_000 : type.id, paramsJSON: "{}", priority: 0,
                                      dedupeKey: "k\(index)", maxAttempts: 1, nowMs: 1_000)
                    do {
                        return (index, .success(try await grouped.createTask(new).task))
                    } catch {
                        return (index, .failure(error))
                    }
                }
            }
            return await group.reduce(into: [Int: Result<Task, any Error>]()) { $0[$1.0] = $1.1 }
        }
        for (index, result) in results {
            switch result {
            case .success: XCTAssertNotEqual(index, 7)
            case .failure(let error):
                XCTAssertEqual(index, 7, "\(error)")
                XCTAssertEqual((error as? TaskManagerError)?.code, .internal)
            }
        }
        let created = try await scalar("SELECT COUNT(*) FROM tasks")
        XCTAssertEqual(created, 39)
        let counts = grouped.groupCommit.counts.withLock { $0 }
        XCTAssertEqual(counts.calls, 40)
        XCTAssertLessThan(counts.batches, 40, "no two calls shared a transaction")
    }

    /// Progress reports of one batch run as one statement, each with the answer it gets alone: refusals for a
    /// missing task, another worker and a lost lease; the speed, ETA, lease and history of the others.
    func testProgressReportsOfABatchRunTogetherAsEachWouldAlone() async throws {
        let grouped = try await PostgresTaskStore.open(url: try Self.postgresURL(), concurrentBatches: 1)
        extraStores.append(grouped)
        let type = try await makeType("t", settings: TaskTypeSettings(leaseSeconds: 30))
        var ids: [Int64] = []
        for index in 0..<20 {
            ids.append(try await makeTask("k\(index)", typeID: type.id).id)
            _ = try await claim("w1", typeID: type.id, nowMs: 2_000)
        }
        let missing = ids.max()! + 1_000
        func round(_ progress: Int32, at nowMs: Int64) async -> [Int64: Result<Task, any Error>] {
            await withTaskGroup(of: (Int64, Result<Task, any Error>).self) { group in
                for (index, id) in (ids + [missing]).enumerated() {
                    // Task 1 is reported by another worker, task 2 with an attempt it does not have.
                    let worker = index == 1 ? "w2" : "w1"
                    let check = ClaimCheck(id: id, workerID: worker, attempt: index == 2 ? 7 : 0, nowMs: nowMs,
                                           defaultLeaseMs: 1_000)
                    group.addTask {
                        do {
                            return (id, .success(try await grouped.updateProgress(check, progress: progress, message: "m")))
                        } catch {
                            return (id, .failure(error))
                        }
                    }
                }
                return await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
            }
        }
        _ = await round(10, at: 12_000)
        let answers = await round(30, at: 22_000)
        func refusal(_ id: Int64) -> TaskManagerError? {
            if case .failure(let error) = answers[id] { return error as? TaskManagerError }
            return nil
        }
        XCTAssertEqual(refusal(missing), .taskNotFound)
        XCTAssertEqual(refusal(ids[1]), .claimedByAnotherWorker)
        XCTAssertEqual(refusal(ids[2]), .leaseLost)
        for id in ids[3...] {
            guard case .success(let task) = answers[id] else { return XCTFail("task \(id): \(String(describing: answers[id]))") }
            XCTAssertEqual(task.progress, 30)
            XCTAssertEqual(task.progressMessage, "m")
            // 1 %/s, then 2 %/s: 1.5 %/s, as ProgressRate computes it.
            let expected = ProgressRate.claimed(atMs: 2_000).adding(progress: 10, atMs: 12_000).adding(progress: 30, atMs: 22_000)
            XCTAssertEqual(task.progressRate, expected.percentPerSecond(progress: 30), accuracy: 1e-9)
            XCTAssertEqual(task.etaMs, expected.etaMs(progress: 30))
            XCTAssertEqual(task.leaseExpiresAtMs, 22_000 + 30_000, "the type's lease")
        }
        let entries = try await scalar("""
            SELECT COUNT(*) FROM task_history WHERE status_change = 'progress_update' AND message = 'Progress: 30% - m'
            """)
        XCTAssertEqual(entries, Int64(ids.count - 2))
        let together = grouped.groupCommit.counts.withLock { $0.reportsTogether }
        XCTAssertGreaterThan(together, 0, "no reports ran together")
    }

    /// An entry whose transaction commits after a later id's is still read across tasks, in id order: a read that
    /// saw the later one waits for the transaction that holds the earlier.
    func testEventsAcrossTasksWaitForAnEarlierIdStillBeingWritten() async throws {
        let type = try await makeType()
        let first = try await makeTask("a", typeID: type.id)
        let before = try await store.lastHistoryID()
        let url = try PostgresURL(try Self.postgresURL())
        let writer = try await PostgresConnection.connect(configuration: try url.connectionConfiguration(), id: 9,
                                                          logger: Logger(label: "test"))
        try await writer.query("BEGIN", logger: Logger(label: "test"))
        try await writer.query("""
            INSERT INTO task_history (task_id, status_change, worker_id, message, created_at_ms)
            VALUES (\(first.id), 'progress_update', 'w0', 'written late', 5)
            """, logger: Logger(label: "test"))
        let later = try await makeTask("b", typeID: type.id)
        let reader: any TaskStore = store
        let reading = _Concurrency.Task { try await reader.events(afterID: before, taskID: nil, type: nil, limit: 10) }
        try await _Concurrency.Task.sleep(for: .milliseconds(300))
        try await writer.query("COMMIT", logger: Logger(label: "test"))
        try await writer.close()
        let events = try await reading.value
        XCTAssertEqual(events.map { $0.entry?.message ?? "" }, ["written late", "Task created"])
        XCTAssertEqual(events.last?.entry?.taskID, later.id)
    }

    private func waitUntil(_ what: String, within limit: Duration = .seconds(10),
                           _ condition: () async throws -> Bool) async throws {
        let started = ContinuousClock.now
        while !(try await condition()) {
            guard ContinuousClock.now - started < limit else { return XCTFail("\(what): not within \(limit)") }
            try await _Concurrency.Task.sleep(for: .milliseconds(50))
        }
    }

    func testURLsAreCheckedAndTheirPasswordsNeverShown() throws {
        let parsed = try PostgresURL("postgres://tm:p%40ss@db.example:6543/queue?sslmode=require")
        XCTAssertEqual([parsed.host, parsed.username, parsed.password, parsed.database, parsed.sslMode],
                       ["db.example", "tm", "p@ss", "queue", "require"])
        XCTAssertEqual(parsed.port, 6543)
        XCTAssertEqual(try PostgresURL("postgresql://tm@db/queue").port, 5432)
        for (url, why) in [
            ("postgres://tm:secret@/queue", "missing host"),
            ("postgres://db.example/queue", "missing user name"),
            ("postgres://tm:secret@db.example", "missing database name"),
            ("postgres://tm:secret@db.example:0/queue", "port must be between 1 and 65535"),
            ("postgres://tm:secret@db.example/queue?sslmode=maybe", "sslmode must be disable, prefer or require"),
            ("postgres://tm:secret@db.example/queue?pool=3", "unknown parameter 'pool'"),
        ] {
            XCTAssertThrowsError(try PostgresURL(url), url) { error in
                let error = error as? TaskManagerError
                XCTAssertEqual(error?.code, .invalidArgument, url)
                XCTAssertEqual(error?.message, "Invalid PostgreSQL URL '\(PostgresURL.redacted(url))': \(why)", url)
                XCTAssertFalse(error?.message.contains("secret") ?? true, url)
            }
        }
    }

    /// A storage failure reaches clients as a code and a fixed text, without SQL or data; a lost connection is
    /// retryable, and answered within the call deadline.
    func testStorageErrorsCarryNoSQLAndALostConnectionIsUnavailable() async throws {
        let postgres = self.postgres
        let error = try await errorOf { try await postgres.transaction { db in
            try await db.query("SELECT * FROM no_such_table WHERE secret = 'x'", logger: postgres.logger)
        } }
        XCTAssertEqual(error, TaskManagerError(.internal, "Storage error (PostgreSQL state 42P01)"))
        XCTAssertNotNil(error.cause)

        // A connection the server ends (as when PostgreSQL restarts) is retryable; postgres-nio sometimes never
        // answers such a call, which the call deadline turns into UNAVAILABLE too.
        let short = try await PostgresTaskStore.open(url: try Self.postgresURL(), callTimeout: .seconds(2))
        extraStores.append(short)
        let lost = try await errorOf { try await short.transaction { db in
            try await db.query("SELECT pg_terminate_backend(pg_backend_pid())", logger: short.logger)
        } }
        XCTAssertEqual(lost.code, .unavailable, "\(lost)")
    }
}

/// The changes a coordination delivered, in order.
private final class HeardChanges: Sendable {
    private let changes = Mutex<[StoreChange]>([])

    func add(_ change: StoreChange) { changes.withLock { $0.append(change) } }
    func clear() { changes.withLock { $0.removeAll() } }
    var all: [StoreChange] { changes.withLock { $0 } }
}
