import Foundation
import TaskManagerCore
import XCTest

/// `taskmanager call`: every TaskService RPC from JSON against a real server, streams as JSON lines, and the errors
/// a person makes (an unknown field, a wrong type, bad JSON, an unknown method).
extension CLITests {
    func testCallReachesEveryTaskServiceMethod() throws {
        let server = try startServer(database: "t.db")
        var called: Set<String> = []
        func call(_ method: String, _ json: String) throws -> [String: JSONValue] {
            called.insert(method)
            return try callObject(server, method, json)
        }

        XCTAssertEqual(try call("Health", "{}")["status"], .string("healthy"))
        let registered = try call("RegisterTaskType", #"{"name": "resize", "version": "1.0.0", "param_schema_json": "{\"type\":\"object\"}"}"#)
        XCTAssertEqual(registered["created"], .bool(true))
        XCTAssertEqual(try call("GetTaskType", #"{"name": "resize"}"#)["version"], .string("1.0.0"))
        XCTAssertEqual(try call("ListTaskTypes", "{}")["taskTypes"].map(Self.count), 1)
        XCTAssertEqual(try call("SetTaskTypeActive", #"{"name": "resize", "active": true}"#)["isActive"], .bool(true))

        let created = try call("CreateTask", #"{"type": "resize", "paramsJson": "{\"w\":1}", "priority": 5}"#)
        let first = try Self.field(created, "task", "id")
        XCTAssertEqual(try Self.field(created, "task", "priority"), .integer(5))
        guard case .string(let firstID) = first else { throw CLIError("id is not an int64 string: \(created)") }
        let batch = try call(
            "CreateTasks", #"{"tasks": [{"type": "resize", "paramsJson": "{\"w\":2}"}, {"type": "resize", "paramsJson": "{\"w\":3}"}, {"type": "nope"}]}"#)
        guard case .array(let results)? = batch["results"], results.count == 3 else { throw CLIError("CreateTasks: \(batch)") }
        guard case .object(let refused) = results[2] else { throw CLIError("CreateTasks: \(batch)") }
        XCTAssertEqual(refused["code"], .integer(5), "the unknown type's item fails alone")

        let claimed = try call("ClaimTask", #"{"workerId": "w1", "typePattern": "%", "sortBy": "id"}"#)
        XCTAssertEqual(try Self.field(claimed, "task", "id"), first)
        XCTAssertEqual(try Self.field(claimed, "task", "status"), .string("TASK_STATUS_CLAIMED"))
        XCTAssertEqual(try call("UpdateProgress", #"{"id": \#(firstID), "workerId": "w1", "progress": 50, "message": "half"}"#)["progress"], .integer(50))
        XCTAssertEqual(try call("Heartbeat", #"{"id": "\#(firstID)", "worker_id": "w1"}"#)["id"], first)
        let completed = try call("CompleteTask", #"{"id": \#(firstID), "workerId": "w1", "resultJson": "{\"ok\":true}"}"#)
        XCTAssertEqual(try Self.field(completed, "task", "status"), .string("TASK_STATUS_COMPLETED"))

        let claimedBatch = try call("ClaimTasks", #"{"claim": {"workerId": "w2", "typePattern": "resize", "sortBy": "id"}, "max": 5}"#)
        guard case .array(let tasks)? = claimedBatch["tasks"], tasks.count == 2, case .object(let second) = tasks[0],
            case .object(let third) = tasks[1], case .string(let secondID)? = second["id"], case .string(let thirdID)? = third["id"]
        else { throw CLIError("ClaimTasks: \(claimedBatch)") }
        let failed = try call("FailTask", #"{"id": "\#(secondID)", "workerId": "w2", "error": "boom"}"#)
        XCTAssertEqual(try Self.field(failed, "task", "errorMessage"), .string("boom"))
        let cancelled = try call("CancelTask", #"{"id": "\#(thirdID)", "reason": "stop"}"#)
        XCTAssertEqual(try Self.field(cancelled, "task", "cancelRequested"), .bool(true))

        XCTAssertEqual(try call("GetTask", #"{"id": "\#(firstID)"}"#)["resultJson"], .string(#"{"ok":true}"#))
        let listed = try call("ListTasks", #"{"status": "TASK_STATUS_COMPLETED"}"#)
        XCTAssertEqual(listed["total"], .string("1"))
        let history = try call("GetTaskHistory", #"{"taskId": "\#(firstID)"}"#)
        XCTAssertEqual(history["entries"].map(Self.count), 4, "created, claimed, progress, completed")
        let stats = try call("GetStats", "{}")
        XCTAssertNotNil(stats["byStatus"], "\(stats)")

        // A finished task's watch: the snapshot and its history, then the stream ends.
        called.insert("WatchTask")
        let watch = try cli(server, "call", "WatchTask", #"{"id": "\#(firstID)"}"#)
        assertSucceeded(watch)
        let events = try Self.lines(watch.stdout)
        XCTAssertGreaterThan(events.count, 1, watch.stdout)
        XCTAssertEqual(try Self.field(XCTUnwrap(events.last), "task", "status"), .string("TASK_STATUS_COMPLETED"))

        called.insert("WatchTasks")
        let watchAll = try startBackground(server, "call", "WatchTasks", #"{"type": "resize"}"#)
        defer { stopBackground(watchAll) }
        let deadline = Date().addingTimeInterval(20)
        var output = ""
        // WatchTasks sends only what happens after it started: create tasks until one shows up.
        while output.isEmpty, Date() < deadline, watchAll.process.isRunning {
            _ = try call("CreateTask", #"{"type": "resize", "paramsJson": "{\"n\":\#(Int(Date().timeIntervalSince1970 * 1000))}"}"#)
            Thread.sleep(forTimeInterval: 0.2)
            output = (try? String(contentsOf: watchAll.stdout, encoding: .utf8)) ?? ""
        }
        let streamed = try Self.lines(String(output.prefix { $0 != "\n" }))
        XCTAssertEqual(try Self.field(XCTUnwrap(streamed.first), "entry", "statusChange"), .string("created"), output)

        let listedMethods = try cli(server, "call", "--list")
        assertSucceeded(listedMethods)
        let taskService = listedMethods.stdout.components(separatedBy: "taskmanager.v1.TaskService\n").last ?? ""
        let served = Set(taskService.split(separator: "\n").map { String($0.drop { $0 == " " }.prefix { $0 != "(" }) })
        XCTAssertEqual(served.count, 20, listedMethods.stdout)
        XCTAssertEqual(called, served, "every TaskService method is called here")
    }

    func testCallStreamsWatchTaskAsJSONLinesWhileTheTaskRuns() throws {
        let server = try startServer(database: "t.db")
        try assertSucceeded(cli(server, "types", "register", "report", "--version", "1.0.0"))
        let id = try createTask(server, type: "report", params: "{}")
        // --timeout-ms is the deadline of unary calls: the stream outlives it.
        let watch = try startBackground(server, "call", "WatchTask", #"{"id": \#(id)}"#, "--proto-names", "--timeout-ms", "100")
        defer { stopBackground(watch) }
        try waitForOutput(of: watch)
        Thread.sleep(forTimeInterval: 2.5)

        try assertSucceeded(cli(server, "call", "ClaimTask", #"{"worker_id": "w1", "type_pattern": "%"}"#))
        try assertSucceeded(cli(server, "call", "UpdateProgress", #"{"id": \#(id), "worker_id": "w1", "progress": 40, "message": "Step 2/5"}"#))
        try assertSucceeded(cli(server, "call", "CompleteTask", #"{"id": \#(id), "worker_id": "w1"}"#))
        let result = try finishBackground(watch)

        XCTAssertEqual(result.status, 0, result.stderr)
        let events = try Self.lines(result.stdout)
        XCTAssertEqual(events.first?["entry"], nil, "the snapshot comes first, without an entry:\n\(result.stdout)")
        // Then the history so far (created), then what happens while it is watched.
        let changes = events.compactMap { event -> JSONValue? in try? Self.field(event, "entry", "status_change") }
        XCTAssertEqual(changes, ["created", "claimed", "progress_update", "completed"].map { .string($0) }, result.stdout)
        XCTAssertEqual(try Self.field(XCTUnwrap(events.last), "task", "status"), .string("TASK_STATUS_COMPLETED"))
        let progress = try XCTUnwrap(events.first { (try? Self.field($0, "entry", "status_change")) == .string("progress_update") })
        XCTAssertEqual(try Self.field(progress, "task", "progress_message"), .string("Step 2/5"))
    }

    func testCallErrorsNameTheFieldThePositionOrTheMethod() throws {
        let server = try startServer(database: "t.db")
        try assertSucceeded(cli(server, "types", "register", "resize", "--version", "1.0.0"))
        let cases: [(arguments: [String], status: Int32, stderr: String)] = [
            (["CreateTasks", #"{"tasks": [{"type": "resize"}, {"type": "resize"}, {"type": "resize", "priorty": 1}]}"#], 3,
             "error: INVALID_ARGUMENT: tasks[2].priorty: unknown field\n"),
            (["CreateTask", #"{"type": "resize", "priority": "high"}"#], 3,
             "error: INVALID_ARGUMENT: priority: expected int32 (a number or a decimal string), got a string that is not a decimal integer\n"),
            (["CreateTask", #"{"type": "resize", "runAtMs": 12345678901234567890}"#], 3,
             "error: INVALID_ARGUMENT: runAtMs: an integer of 2^53 or more must be written as a string\n"),
            (["ListTasks", #"{"status": "DONE"}"#], 3, "error: INVALID_ARGUMENT: status: unknown value of enum taskmanager.v1.TaskStatus; one of: "),
            (["CreateTask", "{\"type\": \"resize\",\n \"priority\": 1,}"], 3,
             "error: INVALID_ARGUMENT: Invalid JSON at byte 34: Expected a string key (line 2, column 16)\n"),
            (["CreateTask", #"{"type": "resize", "priority": 1, "priority": 2}"#], 3,
             "error: INVALID_ARGUMENT: Invalid JSON at byte 34: Repeated object key (line 1, column 35)\n"),
            (["CreatTask", "{}"], 12,
             "error: UNIMPLEMENTED: Unknown method CreatTask; did you mean taskmanager.v1.TaskService/CreateTask, taskmanager.v1.TaskService/CreateTasks?\n"),
            (["GetTask", #"{"id": 999999}"#], 5, "error: NOT_FOUND: Task not found\n"),
            // The NUL goes out as written, and the server refuses it rather than cut the string short.
            (["CreateTask", #"{"type": "resize\u0000x"}"#], 3, "error: INVALID_ARGUMENT: Invalid request payload for CreateTask: type contains a NUL byte"),
        ]
        for (arguments, status, stderr) in cases {
            let result = try command(["call"] + arguments + ["--server", "127.0.0.1:\(server.port)"])
            XCTAssertEqual(result.status, status, "\(arguments): \(result.stderr)")
            XCTAssertTrue(result.stderr.hasPrefix(stderr), "\(arguments):\n\(result.stderr)")
            XCTAssertEqual(result.stdout, "", "\(arguments)")
        }
        let list = try callObject(server, "ListTasks", "{}")
        XCTAssertNil(list["tasks"], "no bad call created a task: \(list)")
    }

    func testCallRefusesAnArgumentThatIsNotUTF8AndReadsStandardInput() throws {
        let server = try startServer(database: "t.db")
        // Swift would read the \377 byte as U+FFFD and send that: the command must refuse instead.
        let refused = try shell(#""$0" call CreateTask "$(printf '{"type": "a\377"}')" --server "$1""#, server)
        XCTAssertEqual(refused.status, 64, refused.output)
        XCTAssertTrue(refused.output.contains("Argument 3 is not valid UTF-8"), refused.output)
        XCTAssertNil(try callObject(server, "ListTasks", "{}")["tasks"])

        let piped = try shell(#"printf '{"limit": 3}' | "$0" call ListTasks - --server "$1""#, server)
        XCTAssertEqual(piped.status, 0, piped.output)
        XCTAssertEqual(try JSONValue.parse(piped.output), .object(["limit": .integer(3)]))
    }

    func testCallSendsTheAPIKeyWithTheDescriptorFetchAndTheCall() throws {
        let server = try startServer(database: "t.db", environment: ["TASKMANAGER_API_KEY": "secret"])
        let refused = try cli(server, "call", "ListTaskTypes")
        XCTAssertEqual(refused.status, 16, refused.stderr)
        XCTAssertEqual(refused.stderr, "error: UNAUTHENTICATED: Invalid or missing API key\n")
        let listed = try cli(server, "call", "ListTaskTypes", "--api-key", "secret", "--emit-defaults")
        assertSucceeded(listed)
        XCTAssertEqual(listed.stdout, #"{"taskTypes":[]}"# + "\n")
    }

    func testCallListAndDescribe() throws {
        let server = try startServer(database: "t.db")
        let list = try cli(server, "call", "--list")
        assertSucceeded(list)
        XCTAssertTrue(list.stdout.hasPrefix("taskmanager.rpc.v1.Reflection\n  GetFileDescriptorSet("), list.stdout)
        XCTAssertTrue(
            list.stdout.contains("\n  WatchTask(taskmanager.v1.WatchTaskRequest) returns (stream taskmanager.v1.TaskEvent)\n"), list.stdout)

        let describe = try cli(server, "call", "--describe", "TaskService/CreateTasks")
        assertSucceeded(describe)
        let lines = describe.stdout.split(separator: "\n").map { $0.split(separator: " ").joined(separator: " ") }
        XCTAssertEqual(
            lines.first, "taskmanager.v1.TaskService/CreateTasks(taskmanager.v1.CreateTasksRequest) returns (taskmanager.v1.CreateTasksResponse)")
        for line in [
            "message taskmanager.v1.CreateTasksRequest", "tasks repeated taskmanager.v1.CreateTaskRequest 1 tasks",
            "message taskmanager.v1.CreateTaskRequest", "run_at_ms int64 6 runAtMs", "message taskmanager.v1.CreateTaskResult",
            "enum taskmanager.v1.TaskStatus", "TASK_STATUS_COMPLETED = 3",
        ] {
            XCTAssertTrue(lines.contains(line), "\(line) missing from:\n\(describe.stdout)")
        }

        let unknown = try cli(server, "call", "--describe", "Nope")
        XCTAssertEqual(unknown.status, 12, unknown.stderr)
    }

    func testCallPrintsDefaultsAndProtoNamesOnRequest() throws {
        let server = try startServer(database: "t.db")
        let plain = try callObject(server, "ListTasks", "{}")
        XCTAssertEqual(plain["limit"], .integer(50))
        XCTAssertNil(plain["tasks"])
        let full = try cli(server, "call", "ListTasks", "{}", "--emit-defaults", "--proto-names")
        assertSucceeded(full)
        guard case .object(let all) = try JSONValue.parse(full.stdout) else { throw CLIError("not an object: \(full.stdout)") }
        XCTAssertEqual(all, ["tasks": .array([]), "count": .integer(0), "total": .string("0"), "limit": .integer(50), "offset": .integer(0)])
    }

    // MARK: Helpers

    /// Runs `call METHOD JSON` and returns the one JSON object it printed.
    private func callObject(_ server: Server, _ method: String, _ json: String) throws -> [String: JSONValue] {
        let result = try cli(server, "call", method, json)
        assertSucceeded(result)
        guard case .object(let object) = try JSONValue.parse(result.stdout) else { throw CLIError("\(method) printed \(result.stdout)") }
        return object
    }

    /// Runs `script` with bash, `$0` the taskmanager binary and `$1` the server's address; its output and errors.
    private func shell(_ script: String, _ server: Server) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", script + " 2>&1", try Self.binary().path, "127.0.0.1:\(server.port)"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }

    /// One JSON object per line.
    private static func lines(_ text: String) throws -> [[String: JSONValue]] {
        try text.split(separator: "\n").map { line in
            guard case .object(let object) = try JSONValue.parse(String(line)) else { throw CLIError("not an object: \(line)") }
            return object
        }
    }

    /// The value at `object[first][second]`.
    private static func field(_ object: [String: JSONValue], _ first: String, _ second: String) throws -> JSONValue {
        guard case .object(let inner)? = object[first], let value = inner[second] else {
            throw CLIError("no \(first).\(second) in \(JSONValue.object(object).canonicalText)")
        }
        return value
    }

    private static func count(_ value: JSONValue) -> Int {
        if case .array(let items) = value { return items.count }
        return -1
    }
}
