import Logging
import NIOCore
import TaskManagerCore
import TaskManagerProtocol

/// Maps wire method names to `TaskService` handlers.
///
/// The table is built from the protoc-c service descriptor: every method it lists must have a handler whose
/// input and output types match, and every handler must name a method, or construction fails.
public struct Dispatcher: Sendable {
    typealias Handler = @Sendable (ByteBuffer, CallContext) async throws -> ByteBuffer

    private let handlers: [String: Handler]
    private let authenticator: APIKeyAuthenticator
    private let unauthenticatedPaths: Set<String>
    private let maxResponseBytes: Int
    private let logger: Logger

    /// - Parameter maxResponseBytes: the largest encoded response message sent; larger ones become
    ///   RESOURCE_EXHAUSTED, so that no client receives a frame over the limit it was told about.
    init(
        service: TaskService, apiKey: String?, maxResponseBytes: Int, logger: Logger,
        description: ServiceDescription = .taskService
    ) throws {
        var table = HandlerTable(description: description)
        service.register(in: &table)
        self.handlers = try table.build()
        self.authenticator = APIKeyAuthenticator(apiKey: apiKey)
        self.unauthenticatedPaths = ["/\(description.name)/Health"]
        self.maxResponseBytes = maxResponseBytes
        self.logger = logger
    }

    /// Runs one call and returns its status and, on success, the encoded response message.
    func dispatch(_ request: RPCRequest) async -> (RPCStatus, ByteBuffer) {
        do {
            // Authentication comes before the method lookup, so unknown methods reveal nothing to strangers.
            if !unauthenticatedPaths.contains(request.method) {
                try authenticator.authenticate(request.metadata)
            }
            guard let handler = handlers[request.method] else {
                throw TaskManagerError(.unimplemented, "Method not found: \(request.method)")
            }
            let context = CallContext(callID: request.callID, metadata: request.metadata)
            let payload = try await handler(request.payload, context)
            guard payload.readableBytes <= maxResponseBytes else {
                throw TaskManagerError(
                    .resourceExhausted,
                    "Response of \(payload.readableBytes) bytes exceeds the frame limit of \(maxResponseBytes) bytes; ask for fewer items")
            }
            return (.ok, payload)
        } catch let error as TaskManagerError {
            return (RPCStatus(error), ByteBuffer())
        } catch is CancellationError {
            return (RPCStatus(code: .cancelled, message: "Call cancelled"), ByteBuffer())
        } catch {
            logger.error("Unexpected error in \(request.method): \(error)")
            return (RPCStatus(code: .internal, message: "Internal error"), ByteBuffer())
        }
    }
}

/// Collects typed handlers and checks them against a service description.
struct HandlerTable {
    let description: ServiceDescription
    private var entries: [String: (input: String, output: String, handler: Dispatcher.Handler)] = [:]
    private var duplicates: [String] = []

    init(description: ServiceDescription) {
        self.description = description
    }

    /// Adds the handler of the method called `name`.
    mutating func unary<Input: WireMessage, Output: WireMessage>(
        _ name: String, _ input: Input.Type, _ output: Output.Type,
        _ body: @escaping @Sendable (Input, CallContext) async throws -> Output
    ) {
        let handler: Dispatcher.Handler = { payload, context in
            let message: Input
            do {
                message = try Input(wireBytes: payload)
            } catch {
                throw TaskManagerError(.invalidArgument, "Invalid request payload for \(name): expected \(Input.protoName)")
            }
            return try await body(message, context).wireBytes()
        }
        if entries[name] != nil { duplicates.append(name) }
        entries[name] = (Input.protoName, Output.protoName, handler)
    }

    /// The table keyed by wire path; throws when handlers and descriptor disagree.
    func build() throws -> [String: Dispatcher.Handler] {
        var problems = duplicates.map { "handler registered twice: \($0)" }
        var table: [String: Dispatcher.Handler] = [:]
        for method in description.methods {
            guard let entry = entries[method.name] else {
                problems.append("method \(method.name) has no handler")
                continue
            }
            if entry.input != method.inputType || entry.output != method.outputType {
                problems.append(
                    "handler of \(method.name) takes \(entry.input) -> \(entry.output), the descriptor says \(method.inputType) -> \(method.outputType)")
            }
            table[method.path] = entry.handler
        }
        let known = Set(description.methods.map(\.name))
        problems += entries.keys.filter { !known.contains($0) }.sorted().map { "handler \($0) has no method in \(description.name)" }
        guard problems.isEmpty else { throw DispatcherConfigurationError(problems: problems) }
        return table
    }
}

/// The dispatcher's handlers do not match the service descriptor.
public struct DispatcherConfigurationError: Error, CustomStringConvertible {
    public var problems: [String]
    public var description: String { "Dispatcher does not match the service: " + problems.joined(separator: "; ") }
}
