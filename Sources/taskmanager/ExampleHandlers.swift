import TaskManagerClient
import TaskManagerCore

/// The five example task types of clients/EXAMPLES.md: their registrations and their handlers.
enum ExampleHandlers {
    /// The error of a handler: its description is what FailTask records.
    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    /// The registrations of clients/examples/task_types.json.
    static let taskTypes: [RegisterTaskTypeRequest] = [
        RegisterTaskTypeRequest(
            name: "example.echo", version: "1.0.0",
            paramSchemaJSON: #"{"type":"object","properties":{"message":{"type":"string"}},"required":["message"]}"#),
        RegisterTaskTypeRequest(
            name: "example.uppercase", version: "1.0.0",
            paramSchemaJSON: #"{"type":"object","properties":{"text":{"type":"string"}},"required":["text"]}"#),
        RegisterTaskTypeRequest(
            name: "example.math.add", version: "1.0.0",
            paramSchemaJSON: #"{"type":"object","properties":{"a":{"type":"number"},"b":{"type":"number"}},"required":["a","b"]}"#),
        RegisterTaskTypeRequest(
            name: "example.sleep", version: "1.0.0",
            paramSchemaJSON: #"{"type":"object","properties":{"seconds":{"type":"number","minimum":0,"maximum":60},"#
                + #""steps":{"type":"integer","minimum":1,"maximum":100}},"required":["seconds"]}"#),
        RegisterTaskTypeRequest(
            name: "example.error", version: "1.0.0",
            paramSchemaJSON: #"{"type":"object","properties":{"message":{"type":"string"}}}"#),
    ]

    /// Registers every example handler with `worker`.
    static func register(with worker: Worker) {
        worker.register("example.echo", handler: echo)
        worker.register("example.uppercase", handler: uppercase)
        worker.register("example.math.add", handler: add)
        worker.register("example.sleep", handler: sleep)
        worker.register("example.error", handler: error)
    }

    /// `{"echoed": message}`.
    @Sendable static func echo(_ context: TaskContext) async throws -> JSONValue {
        .object(["echoed": .string(try string(context, "message"))])
    }

    /// `{"result": TEXT}`: ASCII a-z upper-cased, every other character kept (so "é" stays "é").
    @Sendable static func uppercase(_ context: TaskContext) async throws -> JSONValue {
        var scalars = String.UnicodeScalarView()
        for scalar in try string(context, "text").unicodeScalars {
            scalars.append(("a"..."z").contains(scalar) ? Unicode.Scalar(scalar.value - 32)! : scalar)  // a-z minus 32 is A-Z
        }
        return .object(["result": .string(String(scalars))])
    }

    /// `{"sum": a + b}`: an integer when both are integers (and the sum fits), else a number.
    @Sendable static func add(_ context: TaskContext) async throws -> JSONValue {
        let a = try number(context, "a")
        let b = try number(context, "b")
        if case .integer(let x) = a, case .integer(let y) = b {
            let (sum, overflow) = x.addingReportingOverflow(y)
            if !overflow { return .object(["sum": .integer(sum)]) }
        }
        return .object(["sum": .number(double(a) + double(b))])
    }

    /// Sleeps `seconds` in `steps` equal parts, reporting `Step i/steps` at floor(i*100/steps) % after each.
    @Sendable static func sleep(_ context: TaskContext) async throws -> JSONValue {
        let seconds = try number(context, "seconds")
        let steps: Int64
        switch context[param: "steps"] {
        case nil: steps = 4
        case .integer(let value)?: steps = value
        case .number(let value)? where value == value.rounded() && abs(value) < 1e15: steps = Int64(value)
        default: throw Failure("Parameter steps must be an integer")
        }
        guard (0...60).contains(double(seconds)) else { throw Failure("Parameter seconds must be between 0 and 60") }
        guard (1...100).contains(steps) else { throw Failure("Parameter steps must be between 1 and 100") }
        for i in 1...steps {
            try await _Concurrency.Task.sleep(for: .seconds(double(seconds) / Double(steps)))
            // Every step goes out, as EXAMPLES.md asks, even where the throttle of `report` would drop it.
            await context.progress.reportNow(Int(i * 100 / steps), "Step \(i)/\(steps)")
        }
        return .object(["slept": seconds, "steps": .integer(steps)])
    }

    /// Always fails with `Example error: <message>`.
    @Sendable static func error(_ context: TaskContext) async throws -> JSONValue {
        var message = "requested failure"
        if case .string(let text)? = context[param: "message"] { message = text }
        throw Failure("Example error: \(message)")
    }

    private static func string(_ context: TaskContext, _ name: String) throws -> String {
        guard case .string(let value)? = context[param: name] else { throw Failure("Parameter \(name) must be a string") }
        return value
    }

    private static func number(_ context: TaskContext, _ name: String) throws -> JSONValue {
        switch context[param: name] {
        case let value? where value.typeName == "integer" || value.typeName == "number": return value
        default: throw Failure("Parameter \(name) must be a number")
        }
    }

    private static func double(_ value: JSONValue) -> Double {
        switch value {
        case .integer(let i): Double(i)
        case .number(let d): d
        default: 0
        }
    }
}
