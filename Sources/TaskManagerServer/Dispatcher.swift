import Logging
import NIOCore
import TaskManagerCore
import TaskManagerProtocol

/// Maps wire method names to `TaskService` handlers.
///
/// The table is built from the protoc-c service descriptor: every method it lists must have a handler whose
/// input and output types match, and every handler must name a method, or construction fails.
public struct Dispatcher: Sendable {
    /// What runs a method. protoc-c descriptors cannot say that a method streams, so the table records it.
    enum Handler: Sendable {
        /// Returns the encoded response message.
        case unary(@Sendable (ByteBuffer, CallContext) async throws -> ByteBuffer)
        /// Sends encoded items to the sink; returning ends the stream with OK.
        case serverStreaming(@Sendable (ByteBuffer, CallContext, RawStreamSink) async throws -> Void)
    }

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

    /// Whether `method` is server-streaming, so that only such calls get a stream sink.
    func isStreaming(_ method: String) -> Bool {
        if case .serverStreaming = handlers[method] { return true }
        return false
    }

    /// Runs one call and returns its final status and, for a unary call that succeeded, the encoded response
    /// message. A streaming call sends its items to `sink` as it goes (unary calls get none: see `isStreaming`).
    func dispatch(_ request: RPCRequest, sink: RawStreamSink?) async -> (RPCStatus, ByteBuffer) {
        do {
            // Authentication comes before the method lookup, so unknown methods reveal nothing to strangers.
            if !unauthenticatedPaths.contains(request.method) {
                try authenticator.authenticate(request.metadata)
            }
            guard let handler = handlers[request.method] else {
                throw TaskManagerError(.unimplemented, "Method not found: \(request.method)")
            }
            let context = CallContext(callID: request.callID, metadata: request.metadata)
            let payload: ByteBuffer
            switch handler {
            case .unary(let body):
                payload = try await body(request.payload, context)
            case .serverStreaming(let body):
                guard let sink else { throw TaskManagerError(.internal, "Internal error") }
                try await body(request.payload, context, sink)
                return (.ok, ByteBuffer())
            }
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

    /// Adds the handler of the unary method called `name`.
    mutating func unary<Input: WireMessage, Output: WireMessage>(
        _ name: String, _ input: Input.Type, _ output: Output.Type,
        _ body: @escaping @Sendable (Input, CallContext) async throws -> Output
    ) {
        add(name, Input.self, Output.self, .unary { payload, context in
            try await body(Self.decode(payload, name), context).wireBytes()
        })
    }

    /// Adds the handler of the server-streaming method called `name`.
    mutating func serverStreaming<Input: WireMessage, Item: WireMessage>(
        _ name: String, _ input: Input.Type, _ item: Item.Type,
        _ body: @escaping @Sendable (Input, CallContext, StreamSink<Item>) async throws -> Void
    ) {
        add(name, Input.self, Item.self, .serverStreaming { payload, context, sink in
            try await body(Self.decode(payload, name), context, StreamSink(raw: sink))
        })
    }

    private mutating func add<Input: WireMessage, Output: WireMessage>(
        _ name: String, _ input: Input.Type, _ output: Output.Type, _ handler: Dispatcher.Handler
    ) {
        if entries[name] != nil { duplicates.append(name) }
        entries[name] = (Input.protoName, Output.protoName, handler)
    }

    private static func decode<Input: WireMessage>(_ payload: ByteBuffer, _ name: String) throws -> Input {
        do {
            return try Input(wireBytes: payload)
        } catch {
            throw TaskManagerError(.invalidArgument, "Invalid request payload for \(name): expected \(Input.protoName)")
        }
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
