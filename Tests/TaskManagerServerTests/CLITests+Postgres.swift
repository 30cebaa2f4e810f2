import Foundation
import XCTest

/// Several `taskmanager serve` processes on one PostgreSQL database: what one server writes wakes the calls waiting
/// on another, and the background jobs move to another server when theirs dies.
extension CLITests {
    /// A claim waiting on server B is handed a task created through server A, and a watch on A follows progress
    /// reported through B, both at once: with a recheck interval of a minute, only a notification can wake them.
    func testServersOnOnePostgreSQLWakeEachOthersWaitingClaimsAndWatches() throws {
        let url = try Self.emptiedPostgresDatabase()
        let slowRecheck = ["--db-recheck-interval-ms", "60000"]
        let a = try startServer(database: url, arguments: slowRecheck)
        let b = try startServer(database: url, arguments: slowRecheck)
        try assertSucceeded(cli(a, "types", "register", "render", "--version", "1"))

        let claimOutput = directory.appendingPathComponent("claim.out")
        let claim = try launch(["claim", "--worker", "w1", "--wait-ms", "20000", "--server", "127.0.0.1:\(b.port)"],
                               environment: [:], stdout: claimOutput, stderr: directory.appendingPathComponent("claim.err"))
        servers.append(claim)
        // The claim has looked once and is waiting.
        Thread.sleep(forTimeInterval: 1)
        XCTAssertTrue(claim.isRunning)
        let id = try createTask(a, type: "render", params: "{}")
        let created = Date()
        guard Self.wait(for: claim, seconds: 10) else { return XCTFail("the waiting claim was not woken") }
        let wokenAfter = Date().timeIntervalSince(created)
        let claimed = (try? String(contentsOf: claimOutput, encoding: .utf8)) ?? ""
        XCTAssertTrue(claimed.contains("Claimed task \(id)"), claimed)
        XCTAssertLessThan(wokenAfter, 3, "woken \(wokenAfter) s after the create on the other server")

        let watchOutput = directory.appendingPathComponent("watch.out")
        let watch = try launch(["watch", "\(id)", "--server", "127.0.0.1:\(a.port)"], environment: [:], stdout: watchOutput,
                               stderr: directory.appendingPathComponent("watch.err"))
        servers.append(watch)
        Thread.sleep(forTimeInterval: 1)
        try assertSucceeded(cli(b, "progress", "\(id)", "60", "--worker", "w1", "--message", "Frame 60"))
        let reported = Date()
        let seen = Self.poll(seconds: 10) {
            ((try? String(contentsOf: watchOutput, encoding: .utf8)) ?? "").contains("Frame 60")
        }
        XCTAssertTrue(seen, "the watch on server A never showed the progress reported through B")
        XCTAssertLessThan(Date().timeIntervalSince(reported), 3)
        try assertSucceeded(cli(b, "complete", "\(id)", "--worker", "w1"))
        let ended = Self.wait(for: watch, seconds: 10)
        XCTAssertTrue(ended, "the watch did not end with the task")
        if ended { XCTAssertEqual(watch.terminationStatus, 0) }
        try stopServer(a)
        try stopServer(b)
    }

    /// The background jobs run on one server; SIGKILLed, it leaves them to another within 5 s, which then ends the
    /// expired lease of a task claimed through the dead server, with no claim to trigger it.
    func testBackgroundJobsMoveToAnotherServerWithinFiveSecondsOfASIGKILL() throws {
        let url = try Self.emptiedPostgresDatabase()
        let leading = "Background jobs run on this server now"
        let a = try startServer(database: url)
        XCTAssertTrue(Self.poll(seconds: 10) { Self.log(a).contains(leading) }, Self.log(a))
        let b = try startServer(database: url)
        try assertSucceeded(cli(a, "types", "register", "render", "--version", "1", "--lease-seconds", "1"))
        let id = try createTask(a, type: "render", params: "{}")
        try assertSucceeded(cli(a, "claim", "--worker", "w1"))
        XCTAssertFalse(Self.log(b).contains(leading), "two leaders")

        kill(a.process.processIdentifier, SIGKILL)
        a.process.waitUntilExit()
        let killed = Date()
        XCTAssertTrue(Self.poll(seconds: 10) { Self.log(b).contains(leading) }, Self.log(b))
        let failover = Date().timeIntervalSince(killed)
        print("Background jobs moved \(String(format: "%.2f", failover)) s after the SIGKILL")
        XCTAssertLessThanOrEqual(failover, 5)

        let requeued = Self.poll(seconds: 10) {
            (try? self.taskJSON(b, id: id))?["status"] == .string("pending")
        }
        XCTAssertTrue(requeued, "the expired lease was not ended by the new leader")
        let history = try cli(b, "history", "\(id)")
        XCTAssertTrue(history.stdout.contains("Lease of w1 expired"), history.stdout)
        try stopServer(b)
    }

    func testServeRefusesAPoolSizeOrRecheckIntervalOutOfRange() throws {
        let pool = try command(["serve", "--port", "0", "--db", "postgres://u@127.0.0.1:1/d", "--db-pool-size", "0"])
        XCTAssertEqual(pool.status, 64, pool.stderr)
        XCTAssertTrue(pool.stderr.contains("Database pool size must be between 1 and 1000"), pool.stderr)
        let recheck = try command(["serve", "--port", "0", "--db", "postgres://u@127.0.0.1:1/d", "--db-recheck-interval-ms", "5"])
        XCTAssertEqual(recheck.status, 64, recheck.stderr)
        XCTAssertTrue(recheck.stderr.contains("Database recheck interval must be at least 10 ms"), recheck.stderr)
    }

    static func log(_ server: Server) -> String {
        (try? String(contentsOf: server.log, encoding: .utf8)) ?? ""
    }

    /// Whether `condition` holds within `seconds`, looking every 50 ms.
    static func poll(seconds: TimeInterval, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return condition()
    }
}
