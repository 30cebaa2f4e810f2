// End-to-end tests of the `taskmanager` executable, run as real processes against a real `taskmanager serve`.
//
// A test target cannot depend on an executable product, so `swift build` must have built the `taskmanager`
// product before `swift test` runs (the Makefile's test target does `swift build` first; by hand:
// `swift build && swift test --filter CLITests`). The binary is looked up next to the running test bundle, then
// in the package's `.build/debug`; when it is missing, every test here fails saying so.
import Foundation
import TaskManagerCore
import XCTest

final class CLITests: XCTestCase {
    var directory: URL!
    var servers: [Process] = []

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("cli-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDown() {
        for server in servers where server.isRunning {
            server.terminate()
            if !Self.wait(for: server, seconds: 5) {
                kill(server.processIdentifier, SIGKILL)
                server.waitUntilExit()
            }
        }
        servers.removeAll()
        try? FileManager.default.removeItem(at: directory)
    }

    func testServedTaskRunsThroughTheClientCommandsToCompletion() throws {
        let server = try startServer(database: "t.db")
        try runLifecycle(server)
        try stopServer(server)
    }

    /// The same lifecycle served from PostgreSQL (an emptied database of `TASKMANAGER_TEST_POSTGRES_URL`, which the
    /// server migrates); the server's log names the database without its password.
    func testServedTaskOnPostgreSQLRunsThroughTheClientCommandsToCompletion() throws {
        let url = try Self.emptiedPostgresDatabase()
        let server = try startServer(database: url)
        try runLifecycle(server)
        try stopServer(server)
        let log = try String(contentsOf: server.log, encoding: .utf8)
        let password = try XCTUnwrap(URLComponents(string: url)?.password)
        XCTAssertFalse(log.contains(password), log)
        XCTAssertTrue(log.contains("taskmanager:***@"), log)
    }

    func testServeRefusesAMalformedPostgreSQLURLNamingIt() throws {
        let result = try command(["serve", "--port", "0", "--db", "postgres://user:secret@/tasks"])
        XCTAssertEqual(result.status, 64, result.stderr)
        XCTAssertTrue(result.stderr.contains("Invalid PostgreSQL URL 'postgres://user:***@/tasks': missing host"), result.stderr)
        XCTAssertFalse(result.stderr.contains("secret"), result.stderr)
    }

    func testBackupRefusesAPostgreSQLDatabase() throws {
        let result = try command(["backup", "--db", "postgres://user:secret@db/tasks", "--to", directory.appendingPathComponent("b.db").path])
        XCTAssertEqual(result.status, 64, result.stderr)
        XCTAssertTrue(result.stderr.contains("back up PostgreSQL with its own tools (pg_dump)"), result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory.appendingPathComponent("b.db").path))
    }

    func testServeExitsAtOnceWhenPostgreSQLCannotBeReached() throws {
        // A port nothing listens on: connecting is refused at once, and the server must not start without its store.
        let result = try command(["serve", "--port", "0", "--db", "postgres://user:secret@127.0.0.1:1/tasks?sslmode=disable"])
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertTrue(result.stderr.contains("Cannot connect to PostgreSQL at postgres://user:***@127.0.0.1:1/tasks"), result.stderr)
        XCTAssertFalse(result.stderr.contains("secret"), result.stderr)
    }

    /// Registers a type, creates, claims, reports and completes a task through the client commands, and checks what
    /// `get`, `history` and `list` show.
    private func runLifecycle(_ server: Server) throws {
        try assertSucceeded(cli(server, "types", "register", "resize", "--version", "1.0.0", "--schema", #"{"type":"object"}"#))
        let id = try createTask(server, type: "resize", params: #"{"width":640}"#)
        let claim = try cli(server, "claim", "--worker", "w1")
        assertSucceeded(claim)
        XCTAssertTrue(claim.stdout.contains("Claimed task \(id)"), claim.stdout)
        try assertSucceeded(cli(server, "progress", "\(id)", "50", "--worker", "w1", "--message", "Step 2/4"))
        try assertSucceeded(cli(server, "complete", "\(id)", "--worker", "w1", "--result", #"{"ok":true}"#))

        let task = try taskJSON(server, id: id)
        XCTAssertEqual(task["status"], .string("completed"))
        XCTAssertEqual(task["progress"], .integer(50))
        XCTAssertEqual(task["result"], .object(["ok": .bool(true)]))

        let history = try cli(server, "history", "\(id)")
        assertSucceeded(history)
        XCTAssertTrue(history.stdout.contains("Progress: 50% - Step 2/4"), history.stdout)

        let list = try cli(server, "list")
        assertSucceeded(list)
        let row = list.stdout.split(separator: "\n").first { $0.hasPrefix("\(id) ") }
        XCTAssertNotNil(row, list.stdout)
        XCTAssertTrue(row?.contains("resize") == true && row?.contains("completed") == true, list.stdout)
        XCTAssertTrue(list.stdout.contains("1 of 1 tasks"), list.stdout)
    }

    /// `TASKMANAGER_TEST_POSTGRES_URL` with its database emptied (every table dropped, with `psql`); skips without it.
    static func emptiedPostgresDatabase() throws -> String {
        let environment = ProcessInfo.processInfo.environment
        guard let url = environment["TASKMANAGER_TEST_POSTGRES_URL"], !url.isEmpty else {
            if environment["TASKMANAGER_REQUIRE_POSTGRES"] != nil {
                XCTFail("TASKMANAGER_TEST_POSTGRES_URL is not set, and TASKMANAGER_REQUIRE_POSTGRES requires it")
            }
            throw XCTSkip("PostgreSQL test skipped: TASKMANAGER_TEST_POSTGRES_URL is not set (run it with "
                + "scripts/postgres-test-cluster swift test ...)")
        }
        let psql = Process()
        psql.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        psql.arguments = ["psql", url, "-q", "-v", "ON_ERROR_STOP=1", "-c",
                          "DROP TABLE IF EXISTS task_history, tasks, task_types, schema_version CASCADE"]
        psql.standardInput = FileHandle.nullDevice
        psql.standardOutput = FileHandle.nullDevice
        try psql.run()
        psql.waitUntilExit()
        guard psql.terminationStatus == 0 else { throw CLIError("psql could not empty the test database") }
        return url
    }

    func testUnknownTaskExitsWithNotFoundStatus() throws {
        let server = try startServer(database: "t.db")

        let result = try cli(server, "get", "999999")

        XCTAssertEqual(result.status, 5, result.stderr)
        XCTAssertTrue(result.stderr.contains("NOT_FOUND: Task not found"), result.stderr)
    }

    func testRestartOnTheSameDatabaseKeepsTasksAndHistory() throws {
        let first = try startServer(database: "t.db")
        try assertSucceeded(cli(first, "types", "register", "report", "--version", "1.0.0"))
        let id = try createTask(first, type: "report", params: "{}")
        try assertSucceeded(cli(first, "claim", "--worker", "w1"))
        try assertSucceeded(cli(first, "progress", "\(id)", "45", "--worker", "w1", "--message", "Step 1/2"))
        try stopServer(first)

        let second = try startServer(database: "t.db")

        let task = try taskJSON(second, id: id)
        XCTAssertEqual(task["status"], .string("claimed"))
        XCTAssertEqual(task["progress"], .integer(45))
        XCTAssertEqual(task["progress_message"], .string("Step 1/2"))
        let history = try cli(second, "history", "\(id)")
        assertSucceeded(history)
        for change in ["created", "claimed", "progress_update", "Progress: 45% - Step 1/2"] {
            XCTAssertTrue(history.stdout.contains(change), "\(change) missing from:\n\(history.stdout)")
        }
    }

    func testAPIKeyFromTheEnvironmentGuardsEveryCallButHealth() throws {
        let server = try startServer(database: "t.db", environment: ["TASKMANAGER_API_KEY": "secret"])

        let refused = try cli(server, "types", "list")
        XCTAssertEqual(refused.status, 16, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("UNAUTHENTICATED: Invalid or missing API key"), refused.stderr)
        try assertSucceeded(cli(server, "types", "list", "--api-key", "secret"))
        let health = try cli(server, "health")
        assertSucceeded(health)
        XCTAssertTrue(health.stdout.contains("healthy"), health.stdout)
    }

    func testHealthOverTLSWithTheServersCA() throws {
        let certificates = try TestCertificates(in: directory.appendingPathComponent("certificates"))
        let server = try startServer(
            database: "t.db", arguments: ["--tls-cert", certificates.serverCertificatePath, "--tls-key", certificates.serverKeyPath])

        let health = try cli(server, "health", "--tls", "--tls-ca", certificates.caPath)
        assertSucceeded(health)
        XCTAssertTrue(health.stdout.contains("healthy"), health.stdout)
        let plaintext = try cli(server, "health")
        XCTAssertEqual(plaintext.status, 14, plaintext.stderr)
        let untrusted = try cli(server, "health", "--tls")
        XCTAssertEqual(untrusted.status, 14, untrusted.stderr)
        XCTAssertTrue(untrusted.stderr.contains("UNAVAILABLE: Cannot connect to 127.0.0.1"), untrusted.stderr)
        XCTAssertTrue(untrusted.stderr.contains("CERTIFICATE_VERIFY_FAILED"), untrusted.stderr)
    }

    func testMutualTLSWithWorkerIdentityFromTheEnvironment() throws {
        let certificates = try TestCertificates(in: directory.appendingPathComponent("certificates"))
        let server = try startServer(
            database: "t.db",
            environment: [
                "TASKMANAGER_TLS_CERT": certificates.serverCertificatePath, "TASKMANAGER_TLS_KEY": certificates.serverKeyPath,
                "TASKMANAGER_TLS_CLIENT_CA": certificates.caPath, "TASKMANAGER_TLS_WORKER_IDENTITY": "1",
            ])
        let tls = [
            "--tls-ca", certificates.caPath, "--tls-cert", certificates.clientCertificatePath, "--tls-key", certificates.clientKeyPath,
        ]

        let anonymous = try cli(server, "health", "--tls-ca", certificates.caPath)
        XCTAssertEqual(anonymous.status, 14, anonymous.stderr)
        try assertSucceeded(command(["types", "register", "report", "--version", "1", "--server", "127.0.0.1:\(server.port)"] + tls))
        try assertSucceeded(command(["create", "report", "--server", "127.0.0.1:\(server.port)"] + tls))
        let impostor = try command(["claim", "--worker", "worker-2", "--server", "127.0.0.1:\(server.port)"] + tls)
        XCTAssertEqual(impostor.status, 7, impostor.stderr)
        XCTAssertTrue(impostor.stderr.contains("PERMISSION_DENIED"), impostor.stderr)
        let claimed = try command(["claim", "--worker", "worker-1", "--server", "127.0.0.1:\(server.port)"] + tls)
        assertSucceeded(claimed)
        XCTAssertTrue(claimed.stdout.contains("Claimed task"), claimed.stdout)
    }

    func testServeRefusesATLSCertificateWithoutItsKey() throws {
        let result = try command(["serve", "--port", "0", "--db", directory.appendingPathComponent("t.db").path, "--tls-cert", "server.pem"])
        XCTAssertEqual(result.status, 64, result.stderr)
        XCTAssertTrue(result.stderr.contains("--tls-cert and --tls-key go together"), result.stderr)
    }

    func testKeysAddListRemoveAndAServerThatRereadsThemOnSIGHUP() throws {
        let keys = directory.appendingPathComponent("keys").path
        let added = try command(["keys", "add", "ci-producer", "--role", "producer", "--keys-file", keys])
        assertSucceeded(added)
        let key = try XCTUnwrap(added.stdout.split(whereSeparator: \.isWhitespace).last.map(String.init))
        XCTAssertTrue(key.hasPrefix("tmk_"), added.stdout)
        XCTAssertFalse(try String(contentsOfFile: keys, encoding: .utf8).contains(key), "the file holds only the hash")
        let admin = try command(["keys", "add", "ops", "--role", "admin", "--keys-file", keys])
        let adminKey = try XCTUnwrap(admin.stdout.split(whereSeparator: \.isWhitespace).last.map(String.init))
        let twice = try command(["keys", "add", "ops", "--role", "admin", "--keys-file", keys])
        XCTAssertNotEqual(twice.status, 0)
        XCTAssertTrue(twice.stderr.contains("A key named 'ops' exists"), twice.stderr)
        let listed = try command(["keys", "list", "--keys-file", keys])
        assertSucceeded(listed)
        XCTAssertEqual(
            listed.stdout, "NAME         ROLE      LIMIT\nci-producer  producer  none\nops          admin     none\n")

        let server = try startServer(database: "t.db", arguments: ["--keys-file", keys])
        try assertSucceeded(cli(server, "types", "register", "example.echo", "--version", "1", "--schema", #"{"type":"object"}"#, "--api-key", adminKey))
        try assertSucceeded(cli(server, "create", "example.echo", "--params", "{}", "--api-key", key))
        let denied = try cli(server, "types", "register", "other", "--version", "1", "--schema", #"{"type":"object"}"#, "--api-key", key)
        XCTAssertEqual(denied.status, 7, denied.stderr)
        XCTAssertTrue(denied.stderr.contains(#"PERMISSION_DENIED: API key "ci-producer" (role producer) may not call RegisterTaskType"#), denied.stderr)

        assertSucceeded(try command(["keys", "remove", "ci-producer", "--keys-file", keys]))
        kill(server.process.processIdentifier, SIGHUP)
        let deadline = Date().addingTimeInterval(10)
        var refused = try cli(server, "list", "--api-key", key)
        while refused.status == 0, Date() < deadline {
            Thread.sleep(forTimeInterval: 0.1)
            refused = try cli(server, "list", "--api-key", key)
        }
        XCTAssertEqual(refused.status, 16, "the removed key is refused after SIGHUP: \(refused.stderr)")
        try assertSucceeded(cli(server, "list", "--api-key", adminKey))
        try stopServer(server)
    }

    func testBackupWhileTheServerTakesWritesThenCheckAndRestore() throws {
        let server = try startServer(database: "live.db")
        try assertSucceeded(cli(server, "types", "register", "report", "--version", "1.0.0"))
        var acknowledged: [Int64] = []
        for n in 0..<5 { acknowledged.append(try createTask(server, type: "report", params: #"{"n":\#(n)}"#)) }
        try assertSucceeded(cli(server, "claim", "--worker", "w1"))
        try assertSucceeded(cli(server, "complete", "\(acknowledged[0])", "--worker", "w1"))

        // Writes keep coming while the backup runs.
        let writer = Process()
        writer.executableURL = URL(fileURLWithPath: "/bin/sh")
        writer.arguments = [
            "-c", "for n in $(seq 5 24); do \"$0\" create report --params \"{\\\"n\\\":$n}\" --server 127.0.0.1:\(server.port) >/dev/null; done",
            try Self.binary().path,
        ]
        try writer.run()
        let backup = directory.appendingPathComponent("backup.db").path
        let result = try command(["backup", "--db", directory.appendingPathComponent("live.db").path, "--to", backup])
        assertSucceeded(result)
        XCTAssertTrue(result.stdout.contains("to \(backup): schema version"), result.stdout)
        writer.waitUntilExit()
        let again = try command(["backup", "--db", directory.appendingPathComponent("live.db").path, "--to", backup])
        XCTAssertNotEqual(again.status, 0, "a backup never writes over a file")

        let check = try command(["check", backup])
        assertSucceeded(check)
        XCTAssertTrue(check.stdout.contains("Integrity:      ok"), check.stdout)
        XCTAssertTrue(check.stdout.contains("completed:      1"), check.stdout)
        try stopServer(server)

        // Restore: a server started on the copy has every task acknowledged before the backup began.
        let restoredPath = directory.appendingPathComponent("restored.db")
        try FileManager.default.copyItem(atPath: backup, toPath: restoredPath.path)
        let restored = try startServer(database: "restored.db")
        for id in acknowledged {
            let task = try taskJSON(restored, id: id)
            XCTAssertEqual(task["status"], .string(id == acknowledged[0] ? "completed" : "pending"))
        }
        try stopServer(restored)

        let broken = directory.appendingPathComponent("broken.db").path
        try Data(repeating: 0x42, count: 8192).write(to: URL(fileURLWithPath: broken))
        let refused = try command(["check", broken])
        XCTAssertNotEqual(refused.status, 0, refused.stdout + refused.stderr)
    }

    func testJSONLogsAreOneObjectPerLine() throws {
        let server = try startServer(database: "t.db", arguments: ["--log-format", "json"])
        try assertSucceeded(cli(server, "health"))
        try stopServer(server)
        let log = try String(contentsOf: directory.appendingPathComponent("server-0.log"), encoding: .utf8)
        let lines = log.split(separator: "\n")
        XCTAssertGreaterThanOrEqual(lines.count, 3, log)
        for line in lines {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String]
            XCTAssertNotNil(object?["message"], String(line))
        }
        XCTAssertTrue(log.contains(#""message":"Connection opened""#), log)
        let invalid = try command(["serve", "--log-format", "xml"])
        XCTAssertNotEqual(invalid.status, 0)
        XCTAssertTrue(invalid.stderr.contains("Invalid log format 'xml': expected text or json"), invalid.stderr)
    }

    func testTheREADMEFirstTaskCommandsWorkAsWritten() throws {
        let server = try startServer(database: "readme.db")
        let readme = try String(contentsOf: Self.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        // The first task's commands, then the `taskmanager call` examples that follow them.
        let script = try Self.shBlock(in: readme, after: "## Your first task in five minutes")
            + Self.shBlock(in: readme, after: "Any RPC can also be called")

        // The block runs as written: `taskmanager` on the PATH, the server found through TASKMANAGER_SERVER.
        let bin = directory.appendingPathComponent("bin")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(at: bin.appendingPathComponent("taskmanager"), withDestinationURL: try Self.binary())
        let output = directory.appendingPathComponent("readme.out")
        let errors = directory.appendingPathComponent("readme.err")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-e", "-c", script]
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("TASKMANAGER_") }
        environment["PATH"] = bin.path + ":" + (environment["PATH"] ?? "/usr/bin:/bin")
        environment["TASKMANAGER_SERVER"] = "127.0.0.1:\(server.port)"
        process.environment = environment
        process.standardOutput = try Self.outputFile(output)
        process.standardError = try Self.outputFile(errors)
        try process.run()
        XCTAssertTrue(Self.wait(for: process, seconds: 60))
        let stdout = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        let stderr = (try? String(contentsOf: errors, encoding: .utf8)) ?? ""
        XCTAssertEqual(process.terminationStatus, 0, stderr)
        XCTAssertTrue(stdout.contains("Progress: 50% - Step 1/2"), stdout)
        XCTAssertTrue(stdout.contains("completed"), stdout)
        XCTAssertTrue(stdout.contains("\n  CreateTasks(taskmanager.v1.CreateTasksRequest)"), stdout)
        XCTAssertTrue(stdout.contains(#"{"results":[{"task":{"#), stdout)
        XCTAssertTrue(stdout.contains(#""statusChange":"completed""#), stdout)
    }

    /// The text of the first sh code block after `heading` in `markdown`.
    private static func shBlock(in markdown: String, after heading: String) throws -> String {
        guard let section = markdown.range(of: heading),
            let open = markdown.range(of: "```sh\n", range: section.upperBound..<markdown.endIndex),
            let close = markdown.range(of: "```", range: open.upperBound..<markdown.endIndex)
        else { throw CLIError("README has no sh block under '\(heading)'") }
        return String(markdown[open.upperBound..<close.lowerBound])
    }

    func testCancelOfAPendingTaskCancelsItAtOnce() throws {
        let server = try startServer(database: "t.db")
        try assertSucceeded(cli(server, "types", "register", "report", "--version", "1.0.0"))
        let id = try createTask(server, type: "report", params: "{}")

        let cancel = try cli(server, "cancel", "\(id)", "--reason", "not needed")

        assertSucceeded(cancel)
        XCTAssertTrue(cancel.stdout.contains("Task \(id) cancelled"), cancel.stdout)
        let task = try taskJSON(server, id: id)
        XCTAssertEqual(task["status"], .string("cancelled"))
        XCTAssertEqual(task["cancel_reason"], .string("not needed"))
        let again = try cli(server, "cancel", "\(id)")
        XCTAssertEqual(again.status, 9, again.stderr)
        XCTAssertTrue(again.stderr.contains("FAILED_PRECONDITION: Task is already finished"), again.stderr)
        let claim = try cli(server, "claim", "--worker", "w1")
        assertSucceeded(claim)
        XCTAssertTrue(claim.stdout.contains("No task available"), claim.stdout)
    }

    func testCancelOfAClaimedTaskIsRequestedThenAcknowledgedByFail() throws {
        let server = try startServer(database: "t.db")
        try assertSucceeded(cli(server, "types", "register", "report", "--version", "1.0.0"))
        let id = try createTask(server, type: "report", params: "{}")
        try assertSucceeded(cli(server, "claim", "--worker", "w1"))

        let cancel = try cli(server, "cancel", "\(id)", "--reason", "user asked")
        assertSucceeded(cancel)
        XCTAssertTrue(cancel.stdout.contains("cancel requested"), cancel.stdout)
        let claimed = try taskJSON(server, id: id)
        XCTAssertEqual(claimed["status"], .string("claimed"))
        XCTAssertEqual(claimed["cancel_requested"], .bool(true))

        let progress = try cli(server, "progress", "\(id)", "10", "--worker", "w1", "--attempt", "1")
        assertSucceeded(progress)
        XCTAssertTrue(progress.stdout.contains("Cancel requested"), progress.stdout)
        let progressJSON = try cli(server, "progress", "\(id)", "20", "--worker", "w1", "--json")
        assertSucceeded(progressJSON)
        guard case .object(let response) = try JSONValue.parse(progressJSON.stdout) else {
            throw CLIError("progress --json printed no object: \(progressJSON.stdout)")
        }
        XCTAssertEqual(response["cancel_requested"], .bool(true))
        guard case .integer(let leaseExpiresAtMs)? = response["lease_expires_at_ms"] else {
            throw CLIError("progress --json has no lease_expires_at_ms: \(progressJSON.stdout)")
        }
        XCTAssertGreaterThan(leaseExpiresAtMs, Int64(Date().timeIntervalSince1970 * 1000))

        let fail = try cli(server, "fail", "\(id)", "--worker", "w1", "--error", "stopped", "--attempt", "1")
        assertSucceeded(fail)
        XCTAssertTrue(fail.stdout.contains("Task \(id) cancelled"), fail.stdout)
        let task = try taskJSON(server, id: id)
        XCTAssertEqual(task["status"], .string("cancelled"))
        let history = try cli(server, "history", "\(id)")
        assertSucceeded(history)
        for change in ["cancel_requested", "cancelled"] {
            XCTAssertTrue(history.stdout.contains(change), "\(change) missing from:\n\(history.stdout)")
        }
    }

    func testDelayedTaskIsNotClaimableYet() throws {
        let server = try startServer(database: "t.db")
        try assertSucceeded(cli(server, "types", "register", "report", "--version", "1.0.0"))
        let create = try cli(server, "create", "report", "--delay-ms", "60000", "--json")
        assertSucceeded(create)
        guard case .object(let response) = try JSONValue.parse(create.stdout), case .object(let task)? = response["task"],
            case .integer(let createdAtMs)? = task["created_at_ms"], case .integer(let runAtMs)? = task["run_at_ms"]
        else { throw CLIError("create --json printed no task: \(create.stdout)") }
        XCTAssertEqual(runAtMs - createdAtMs, 60_000)

        let claim = try cli(server, "claim", "--worker", "w1")

        assertSucceeded(claim)
        XCTAssertTrue(claim.stdout.contains("No task available"), claim.stdout)
    }

    func testExpiredLeaseIsReapedAndItsWorkerHasLostIt() throws {
        let server = try startServer(database: "t.db", arguments: ["--reaper-interval-ms", "100", "--claim-timeout", "1"])
        try assertSucceeded(cli(server, "types", "register", "report", "--version", "1.0.0"))
        let id = try createTask(server, type: "report", params: "{}")
        let claim = try cli(server, "claim", "--worker", "w1")
        assertSucceeded(claim)
        XCTAssertTrue(claim.stdout.contains("Lease expires"), claim.stdout)

        // The lease runs 1 s from the claim; the reaper looks every 100 ms. Give a slow machine some slack.
        Thread.sleep(forTimeInterval: 1.5)
        var task = try taskJSON(server, id: id)
        let deadline = Date().addingTimeInterval(5)
        while task["status"] != .string("pending") && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.2)
            task = try taskJSON(server, id: id)
        }

        XCTAssertEqual(task["status"], .string("pending"))
        XCTAssertEqual(task["claimed_by"], .string(""))
        XCTAssertEqual(task["lease_expires_at_ms"], .integer(0))
        let history = try cli(server, "history", "\(id)")
        assertSucceeded(history)
        XCTAssertTrue(history.stdout.contains("lease_expired"), history.stdout)
        XCTAssertTrue(history.stdout.contains("Lease of w1 expired"), history.stdout)
        let progress = try cli(server, "progress", "\(id)", "50", "--worker", "w1", "--attempt", "1")
        XCTAssertEqual(progress.status, 9, progress.stderr)
        XCTAssertTrue(progress.stderr.contains("FAILED_PRECONDITION: Lease lost"), progress.stderr)
    }

    // MARK: Steps

    /// Creates a task with `create --json` and returns its id.
    func createTask(_ server: Server, type: String, params: String) throws -> Int64 {
        let result = try cli(server, "create", type, "--params", params, "--json")
        assertSucceeded(result)
        guard case .object(let response) = try JSONValue.parse(result.stdout),
            case .object(let task)? = response["task"], case .integer(let id)? = task["id"]
        else { throw CLIError("create --json printed no task id: \(result.stdout)") }
        return id
    }

    /// The fields of `get ID --json`.
    func taskJSON(_ server: Server, id: Int64) throws -> [String: JSONValue] {
        let result = try cli(server, "get", "\(id)", "--json")
        assertSucceeded(result)
        guard case .object(let task) = try JSONValue.parse(result.stdout) else {
            throw CLIError("get --json printed no object: \(result.stdout)")
        }
        return task
    }

    func assertSucceeded(_ result: CLIResult, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(result.status, 0, "\(result.arguments) failed:\n\(result.stderr)", file: file, line: line)
    }

    // MARK: Processes

    struct Server {
        var process: Process
        var port: Int
        var log: URL
    }

    struct CLIResult {
        var arguments: [String]
        var status: Int32
        var stdout: String
        var stderr: String
    }

    struct CLIError: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    /// Starts `taskmanager serve --port 0` (plus `arguments`) on a database in the test's directory and waits for its
    /// "listening on HOST:PORT" log line.
    func startServer(database: String, arguments: [String] = [], environment: [String: String] = [:]) throws -> Server {
        let log = directory.appendingPathComponent("server-\(servers.count).log")
        let path = database.hasPrefix("postgres://") ? database : directory.appendingPathComponent(database).path
        let process = try launch(["serve", "--port", "0", "--db", path] + arguments, environment: environment, stderr: log)
        servers.append(process)
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            if let port = Self.listeningPort(in: text) { return Server(process: process, port: port, log: log) }
            if !process.isRunning { throw CLIError("taskmanager serve exited with \(process.terminationStatus):\n\(text)") }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw CLIError("taskmanager serve did not log 'listening on' within 20 s")
    }

    /// Sends SIGTERM and expects the server to exit 0 within a few seconds.
    func stopServer(_ server: Server, file: StaticString = #filePath, line: UInt = #line) throws {
        server.process.terminate()
        guard Self.wait(for: server.process, seconds: 5) else {
            throw CLIError("taskmanager serve did not exit within 5 s of SIGTERM")
        }
        let log = (try? String(contentsOf: server.log, encoding: .utf8)) ?? ""
        XCTAssertEqual(server.process.terminationReason, .exit, log, file: file, line: line)
        XCTAssertEqual(server.process.terminationStatus, 0, log, file: file, line: line)
    }

    /// Runs one client command against `server` and returns its exit status and output.
    func cli(_ server: Server, _ arguments: String...) throws -> CLIResult {
        try command(arguments + ["--server", "127.0.0.1:\(server.port)"])
    }

    /// Runs the binary with `arguments` and returns its exit status and output.
    func command(_ arguments: [String]) throws -> CLIResult {
        let name = UUID().uuidString
        let stdout = directory.appendingPathComponent("\(name).out")
        let stderr = directory.appendingPathComponent("\(name).err")
        let process = try launch(arguments, environment: [:], stdout: stdout, stderr: stderr)
        guard Self.wait(for: process, seconds: 30) else {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw CLIError("taskmanager \(arguments) did not finish within 30 s")
        }
        return CLIResult(
            arguments: arguments, status: process.terminationStatus,
            stdout: (try? String(contentsOf: stdout, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOf: stderr, encoding: .utf8)) ?? "")
    }

    /// Starts the binary with output going to files, which, unlike pipes, never fill up and block the child.
    func launch(_ arguments: [String], environment: [String: String], stdout: URL? = nil, stderr: URL) throws -> Process {
        let process = Process()
        process.executableURL = try Self.binary()
        process.arguments = arguments
        // Settings of the developer's own shell must not leak into the tests.
        var childEnvironment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("TASKMANAGER_") }
        childEnvironment.merge(environment) { $1 }
        process.environment = childEnvironment
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try stdout.map(Self.outputFile) ?? FileHandle.nullDevice
        process.standardError = try Self.outputFile(stderr)
        try process.run()
        return process
    }

    private static func outputFile(_ url: URL) throws -> FileHandle {
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else { throw CLIError("Cannot create \(url.path)") }
        return try FileHandle(forWritingTo: url)
    }

    static func wait(for process: Process, seconds: TimeInterval) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        if process.isRunning { return false }
        process.waitUntilExit()
        return true
    }

    /// The port of the server's "listening on HOST:PORT" line, if it was logged yet.
    private static func listeningPort(in log: String) -> Int? {
        guard let start = log.range(of: "listening on ")?.upperBound else { return nil }
        // Text logs end the address with a space or a newline, JSON logs with the closing quote.
        let address = log[start...].prefix { !$0.isWhitespace && $0 != "\"" }
        guard let colon = address.lastIndex(of: ":") else { return nil }
        return Int(address[address.index(after: colon)...])
    }

    private static func isExecutable(_ url: URL) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) && !isDirectory.boolValue
            && FileManager.default.isExecutableFile(atPath: url.path)
    }

    private static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The built `taskmanager`: next to the running test bundle, else in the package's `.build/debug`.
    static func binary() throws -> URL {
        let candidates = [
            Bundle(for: CLITests.self).bundleURL.deletingLastPathComponent(),
            Bundle.main.bundleURL,
            Bundle.main.bundleURL.deletingLastPathComponent(),
            packageRoot.appendingPathComponent(".build/debug"),
        ].map { $0.appendingPathComponent("taskmanager") }
        if let found = candidates.first(where: isExecutable) { return found }
        throw CLIError(
            "The taskmanager executable was not found (looked in \(candidates.map(\.path))). "
                + "Run `swift build` (it builds the taskmanager product) before `swift test`.")
    }
}

// MARK: - watch and top

extension CLITests {
    func testWatchFollowsATaskDrivenToCompletion() throws {
        let server = try startServer(database: "t.db")
        try assertSucceeded(cli(server, "types", "register", "report", "--version", "1.0.0"))
        let id = try createTask(server, type: "report", params: "{}")
        let watch = try startBackground(server, "watch", "\(id)")
        defer { stopBackground(watch) }
        try waitForOutput(of: watch)

        try assertSucceeded(cli(server, "claim", "--worker", "w1"))
        try assertSucceeded(cli(server, "progress", "\(id)", "50", "--worker", "w1", "--message", "Step 2/4"))
        try assertSucceeded(cli(server, "complete", "\(id)", "--worker", "w1"))
        let result = try finishBackground(watch)

        XCTAssertEqual(result.status, 0, result.stderr)
        for text in ["50%", "Step 2/4", "claimed by w1", "completed"] {
            XCTAssertTrue(result.stdout.contains(text), "\(text) missing from:\n\(result.stdout)")
        }
        let lines = result.stdout.split(separator: "\n")
        XCTAssertTrue(lines.last?.hasSuffix(" completed") == true, result.stdout)
        XCTAssertEqual(lines.filter { $0.hasSuffix("completed") }.count, 1, "the outcome is told once:\n\(result.stdout)")
    }

    func testWatchJSONOfATaskFailedForGoodExitsOne() throws {
        let server = try startServer(database: "t.db")
        try assertSucceeded(cli(server, "types", "register", "report", "--version", "1.0.0"))
        let create = try cli(server, "create", "report", "--max-attempts", "1", "--json")
        assertSucceeded(create)
        guard case .object(let response) = try JSONValue.parse(create.stdout), case .object(let task)? = response["task"],
            case .integer(let id)? = task["id"]
        else { throw CLIError("create --json printed no task id: \(create.stdout)") }
        let watch = try startBackground(server, "watch", "\(id)", "--json")
        defer { stopBackground(watch) }
        try waitForOutput(of: watch)

        try assertSucceeded(cli(server, "claim", "--worker", "w1"))
        try assertSucceeded(cli(server, "fail", "\(id)", "--worker", "w1", "--error", "disk full"))
        let result = try finishBackground(watch)

        XCTAssertEqual(result.status, 1, result.stderr)
        let lines = result.stdout.split(separator: "\n")
        let events = try lines.map { line -> [String: JSONValue] in
            guard case .object(let event) = try JSONValue.parse(String(line)) else { throw CLIError("not an object: \(line)") }
            return event
        }
        XCTAssertEqual(events.first?["entry"], .null, "the snapshot comes first:\n\(result.stdout)")
        let last = try XCTUnwrap(events.last, result.stdout)
        XCTAssertEqual(last["id"], .integer(id))
        XCTAssertEqual(last["status"], .string("failed"))
        XCTAssertEqual(last["error_message"], .string("disk full"))
        guard case .object(let entry)? = last["entry"] else { throw CLIError("last event has no entry: \(result.stdout)") }
        XCTAssertEqual(entry["status_change"], .string("failed"))
    }

    func testWatchOfAnUnknownTaskExitsWithNotFoundStatus() throws {
        let server = try startServer(database: "t.db")

        let result = try cli(server, "watch", "999999")

        XCTAssertEqual(result.status, 5, result.stderr)
        XCTAssertTrue(result.stderr.contains("NOT_FOUND: Task not found"), result.stderr)
    }

    func testTopOnceShowsTheClaimedTasksWithProgressBars() throws {
        let server = try startServer(database: "t.db")
        try assertSucceeded(cli(server, "types", "register", "report", "--version", "1.0.0"))
        let first = try createTask(server, type: "report", params: #"{"n":1}"#)
        let second = try createTask(server, type: "report", params: #"{"n":2}"#)
        let pending = try createTask(server, type: "report", params: #"{"n":3}"#)
        try assertSucceeded(cli(server, "claim", "--worker", "w1", "--sort-by", "id"))
        try assertSucceeded(cli(server, "claim", "--worker", "w2", "--sort-by", "id"))
        try assertSucceeded(cli(server, "progress", "\(first)", "50", "--worker", "w1", "--message", "Step 2/4"))

        let top = try cli(server, "top", "--once")

        assertSucceeded(top)
        let lines = top.stdout.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines.first?.hasPrefix("2 running tasks") == true, top.stdout)
        // Under the `N running tasks` line and the column headers, one row per task, starting with its id.
        let rows = lines.dropFirst(2)
        let firstRow = try XCTUnwrap(rows.first { $0.hasPrefix("\(first) ") }, top.stdout)
        let secondRow = try XCTUnwrap(rows.first { $0.hasPrefix("\(second) ") }, top.stdout)
        XCTAssertTrue(firstRow.contains("w1") && firstRow.contains("[##########..........]  50%"), top.stdout)
        XCTAssertTrue(firstRow.contains("Step 2/4"), top.stdout)
        XCTAssertTrue(secondRow.contains("w2") && secondRow.contains("[....................]   0%"), top.stdout)
        XCTAssertFalse(rows.contains { $0.hasPrefix("\(pending) ") }, top.stdout)
    }

    // MARK: Background commands

    struct Background {
        var process: Process
        var arguments: [String]
        var stdout: URL
        var stderr: URL
    }

    /// Starts a client command against `server` that keeps running (`watch`), with its output going to files.
    func startBackground(_ server: Server, _ arguments: String...) throws -> Background {
        let arguments = arguments + ["--server", "127.0.0.1:\(server.port)"]
        let name = UUID().uuidString
        let stdout = directory.appendingPathComponent("\(name).out")
        let stderr = directory.appendingPathComponent("\(name).err")
        let process = try launch(arguments, environment: [:], stdout: stdout, stderr: stderr)
        return Background(process: process, arguments: arguments, stdout: stdout, stderr: stderr)
    }

    /// Waits until the command has printed something: for `watch`, the snapshot, so its stream is open.
    func waitForOutput(of background: Background) throws {
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if let text = try? String(contentsOf: background.stdout, encoding: .utf8), !text.isEmpty { return }
            if !background.process.isRunning {
                let stderr = (try? String(contentsOf: background.stderr, encoding: .utf8)) ?? ""
                throw CLIError("taskmanager \(background.arguments) exited with \(background.process.terminationStatus):\n\(stderr)")
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw CLIError("taskmanager \(background.arguments) printed nothing within 20 s")
    }

    /// Waits for the command to exit by itself and returns its exit status and output.
    func finishBackground(_ background: Background) throws -> CLIResult {
        guard Self.wait(for: background.process, seconds: 30) else {
            let stdout = (try? String(contentsOf: background.stdout, encoding: .utf8)) ?? ""
            throw CLIError("taskmanager \(background.arguments) did not finish within 30 s; output so far:\n\(stdout)")
        }
        return CLIResult(
            arguments: background.arguments, status: background.process.terminationStatus,
            stdout: (try? String(contentsOf: background.stdout, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOf: background.stderr, encoding: .utf8)) ?? "")
    }

    /// Kills the command if it is still running (a failed test must not leave it behind).
    func stopBackground(_ background: Background) {
        guard background.process.isRunning else { return }
        kill(background.process.processIdentifier, SIGKILL)
        background.process.waitUntilExit()
    }
}

// MARK: - stats

extension CLITests {
    func testStatsPrintsTheDashboardAndItsJSON() throws {
        let server = try startServer(database: "t.db")
        try assertSucceeded(cli(server, "types", "register", "resize", "--version", "1.0.0"))
        let id = try createTask(server, type: "resize", params: "{}")
        try assertSucceeded(cli(server, "claim", "--worker", "w1"))
        try assertSucceeded(cli(server, "progress", "\(id)", "40", "--worker", "w1"))

        let text = try cli(server, "stats")
        assertSucceeded(text)
        XCTAssertTrue(text.stdout.hasPrefix("Tasks: 1 claimed\n"), text.stdout)
        XCTAssertTrue(text.stdout.contains("In progress (1)"), text.stdout)
        XCTAssertTrue(text.stdout.contains("Last hour: 0 completed, 0 failed"), text.stdout)

        let json = try cli(server, "stats", "--json", "--slow-after-minutes", "10")
        assertSucceeded(json)
        guard case .object(let stats) = try JSONValue.parse(json.stdout), case .array(let byType)? = stats["by_type"],
            case .array(let lastHour)? = stats["last_hour"], case .array(let inProgress)? = stats["in_progress"]
        else { throw CLIError("stats --json printed no dashboard: \(json.stdout)") }
        XCTAssertEqual(stats["by_status"], .array([.object(["status": .string("claimed"), "count": .integer(1)])]))
        XCTAssertEqual(byType.count, 1)
        XCTAssertEqual(lastHour.count, 60)
        XCTAssertEqual(inProgress.count, 1)
        XCTAssertEqual(stats["slow"], .array([]))
    }
}
