import ArgumentParser
import Foundation
import TaskManagerClient
import TaskManagerCore
import TaskManagerDynamic

/// `taskmanager call METHOD [JSON]`: calls any RPC the server serves, as grpcurl does for gRPC, building the request
/// from JSON with the descriptors the server sends (`taskmanager.rpc.v1.Reflection`).
struct CallCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "call", abstract: "Call any RPC with a JSON request and print the JSON response.",
        discussion: """
            The request and the response use the proto3 JSON mapping: field names as JSON names (maxAttempts) or \
            as in the .proto (max_attempts), enums by name or number, 64-bit integers as strings (numbers are \
            accepted up to 2^53), bytes as base64. Fields left out are unset; fields holding their default value \
            are not printed unless --emit-defaults. A server-streaming method prints one JSON object per line \
            until the stream ends. METHOD may be written taskmanager.v1.TaskService/CreateTask, \
            TaskService/CreateTask or CreateTask. See docs/call.md.

            Examples:
              taskmanager call --list
              taskmanager call --describe CreateTasks
              taskmanager call CreateTasks '{"tasks": [{"type": "resize", "paramsJson": "{}"}]}'
              taskmanager call ClaimTasks '{"claim": {"workerId": "w1"}, "max": 10}'
              taskmanager call WatchTask '{"id": "42"}'
            """)

    @Argument(help: "The method, e.g. CreateTask or taskmanager.v1.TaskService/CreateTask.")
    var method: String?

    @Argument(help: "The request as JSON; - reads it from standard input; default {}.")
    var request: String?

    @Flag(help: "List the services and their methods.")
    var list = false

    @Flag(help: "Print METHOD's request and response fields (name, type, number).")
    var describe = false

    @Flag(help: "Also print fields that hold their default value (0, \"\", false, []).")
    var emitDefaults = false

    @Flag(help: "Print fields by their .proto names (max_attempts) rather than their JSON names (maxAttempts).")
    var protoNames = false

    @OptionGroup var options: ClientOptions

    func validate() throws {
        if list, method != nil { throw ValidationError("--list takes no METHOD") }
        if !list, method == nil { throw ValidationError("Missing METHOD (or --list)") }
        if describe, request != nil { throw ValidationError("--describe takes no JSON request") }
        // Swift's `CommandLine.arguments` replaces invalid UTF-8 with U+FFFD: refuse it rather than send that.
        for index in 1..<Int(CommandLine.argc) {
            guard let argument = CommandLine.unsafeArgv[index], String(validatingCString: argument) == nil else { continue }
            throw ValidationError("Argument \(index) is not valid UTF-8")
        }
    }

    func run() async throws {
        // Read before connecting: bad JSON needs no server to be reported.
        let json = try list || describe ? JSONValue.object([:]) : Self.parse(requestText())
        try await options.withClient(watchdog: false) { client in
            let pool = try await Self.mapped { try DescriptorPool(fileDescriptorSet: await client.fileDescriptorSet()) }
            if list { return LiveTerminal.write(CallOutput.list(pool)) }
            let method = try await Self.mapped { try pool.method(named: self.method ?? "") }
            if describe { return LiveTerminal.write(try await Self.mapped { try CallOutput.describe(method, in: pool) }) }
            guard !method.clientStreaming else {
                throw TaskManagerError(.unimplemented, "\(method.fullName) is client-streaming, which call does not support")
            }
            let payload = try await Self.mapped { try ProtoJSONEncoder(pool: pool).encode(json, as: method.inputType) }
            let decoder = ProtoJSONDecoder(pool: pool, emitDefaults: emitDefaults, useProtoNames: protoNames)
            let print = { @Sendable (bytes: [UInt8]) async throws in
                let value = try await Self.mapped { try decoder.decode(bytes, as: method.outputType) }
                LiveTerminal.write(value.canonicalText + "\n")
            }
            if method.serverStreaming {
                let finished = try await LiveTerminal.interruptible {
                    for try await item in client.rawStream(method.path, payload: payload) { try await print(item) }
                }
                if finished == nil { throw ExitCode(LiveTerminal.interruptedStatus) }
            } else {
                try await print(try await client.rawCall(method.path, payload: payload))
            }
        }
    }

    /// The JSON text: the argument, standard input for `-`, or `{}`.
    private func requestText() throws -> String {
        guard let request else { return "{}" }
        guard request == "-" else { return request }
        let data = FileHandle.standardInput.readDataToEndOfFile()
        guard let text = String(data: data, encoding: .utf8) else {
            throw ClientOptions.exit(TaskManagerError(.invalidArgument, "Invalid JSON: standard input is not UTF-8"))
        }
        return text
    }

    /// Parses the request, refusing a repeated key, and reporting a syntax error with its line and column.
    private static func parse(_ text: String) throws -> JSONValue {
        do {
            return try JSONValue.parseRefusingRepeatedKeys(text)
        } catch let error as JSONValue.ParseError {
            let lines = text.utf8.prefix(error.offset).split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            let (line, column) = (lines.count, (lines.last?.count ?? 0) + 1)
            throw ClientOptions.exit(TaskManagerError(.invalidArgument, "\(error) (line \(line), column \(column))"))
        }
    }

    /// Runs `body`, turning a mapping error into a `TaskManagerError` (UNIMPLEMENTED for an unknown method, as the
    /// server would say; INVALID_ARGUMENT otherwise).
    private static func mapped<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as ProtoJSONError {
            throw TaskManagerError(error.code == .unknownMethod ? .unimplemented : .invalidArgument, error.description)
        }
    }
}
