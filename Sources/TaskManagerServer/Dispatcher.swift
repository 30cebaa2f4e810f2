import Logging
import NIOCore
import TaskManagerCore
import TaskManagerProtocol

/// Maps wire method names to `TaskService` handlers.
///
/// The table is built from the protoc-c service descriptor: every method it lists must have a handler whose
/// input and output types match, and every handler must name a method, or construction fails.
public struct Dispatcher: Sendable {
    /// What runs a method, given its decoded request. protoc-c descriptors cannot say that a method streams, so
    /// the table records it.
    enum Handler: Sendable {
        /// Decodes the request and answers it now, or says what to run asynchronously.
        case unary(@Sendable (UnsafeRawBufferPointer, CArena, CallContext) throws -> UnaryStep)
        /// Decodes the request and returns the stream's body: it sends encoded items to the sink; returning ends the
        /// stream with OK.
        case serverStreaming(@Sendable (UnsafeRawBufferPointer, CArena, CallContext) throws -> StreamBody)
    }

    typealias StreamBody = @Sendable (RawStreamSink) async throws -> Void

    /// How a unary handler goes on after decoding its request.
    enum UnaryStep: Sendable {
        /// Answered without waiting, on the calling thread.
        case answered(any WireMessage)
        /// Started by calling this, which checks the request and starts its work (a store write): the reply it is
        /// given is called once, on any thread, with no Swift task in between.
        case started(@Sendable (@escaping Reply<any WireMessage>) -> Void)
        /// Needs to wait (for the store's writer, a queued read, a long poll): run this in a task.
        case later(@Sendable () async throws -> any WireMessage)
    }

    /// A call after `start`: answered, or what is left to run; with the metrics to record it in, if any.
    enum Call {
        case answered(Answer, MethodMetrics?)
        /// Started by calling `begin`, which calls its argument once, on any thread, with the answer. `method` is the
        /// method's name, for logs.
        case started(method: String, MethodMetrics?, begin: @Sendable (@escaping @Sendable (Answer) -> Void) -> Void)
        /// `method` is the method's name, for logs.
        case unary(method: String, MethodMetrics?, @Sendable () async -> Answer)
        case serverStreaming(method: String, MethodMetrics?, @Sendable (RawStreamSink) async -> RPCStatus)
    }

    /// The final response of a call: its message (status OK), or a status alone (a failure, or the OK that ends
    /// a stream).
    enum Answer: Sendable {
        case message(any WireMessage)
        case status(RPCStatus)
        /// A status with response metadata (`retry-after-ms` of a rate limit).
        case statusWithMetadata(RPCStatus, [String: String])
    }

    /// A method's handler, name and the roles that may call it.
    struct Method: Sendable {
        var name: String
        var handler: Handler
        var roles: RoleSet
        /// nil when the server records no metrics.
        var metrics: MethodMetrics?
    }

    private let methods: MethodTable<Method>
    private let authenticator: APIKeyAuthenticator
    private let unauthenticatedPath: [UInt8]
    /// The largest answer frame sent (its body: envelope and payload); larger ones become RESOURCE_EXHAUSTED, so
    /// that no client receives a frame over the limit it was told about (`--max-frame-bytes`).
    let maxFrameBytes: Int
    private let logger: Logger
    /// Where calls to no method are counted; nil when the server records no metrics.
    let unknownMethodMetrics: MethodMetrics?
    /// Whether calls are counted (the server was given `ServerMetrics`).
    var recordsMetrics: Bool { unknownMethodMetrics != nil }

    init(
        service: TaskService, authenticator: APIKeyAuthenticator, maxFrameBytes: Int, logger: Logger,
        description: ServiceDescription = .taskService, metrics: ServerMetrics? = nil
    ) throws {
        var table = HandlerTable(description: description)
        service.register(in: &table)
        var reflection = HandlerTable(description: .reflection)
        ReflectionService().register(in: &reflection)
        var methods = try table.build().merging(try reflection.build()) { service, _ in service }
        if let metrics {
            for (path, method) in methods { methods[path]?.metrics = metrics.method(method.name) }
        }
        self.methods = MethodTable(methods)
        self.unknownMethodMetrics = metrics?.unknownMethod
        self.authenticator = authenticator
        self.unauthenticatedPath = Array("/\(description.name)/Health".utf8)
        self.maxFrameBytes = maxFrameBytes
        self.logger = logger
    }

    /// Decodes the request of one call and runs as much of it as needs no waiting. `arena` holds the request and
    /// must stay in scope until this returns; what is left to run owns copies of everything it needs.
    ///
    /// - Parameter peer: the verified client certificate of the connection, if any.
    func start(_ request: InboundRequest, arena: CArena, peer: PeerIdentity? = nil) -> Call {
        // Refused calls are counted under their method when the path names one, even before authentication.
        var refusedMetrics: MethodMetrics? { metrics(at: request.method) }
        do {
            let (method, caller) = try resolve(
                request.method, name: request.methodName, apiKey: request.metadata(APIKeyAuthenticator.metadataKey))
            let context = CallContext(callID: request.callID, metadata: request.metadata, caller: caller, peer: peer)
            return try run(method, request.payload, arena, context, name: request.methodName)
        } catch {
            return .answered(refusal(error, in: request.methodName), refusedMetrics)
        }
    }

    /// Where calls to `path` are counted: its method's metrics, or those of unknown methods; nil without metrics.
    func metrics(at path: UnsafeRawBufferPointer) -> MethodMetrics? {
        unknownMethodMetrics.flatMap { _ in methods[path]?.metrics ?? unknownMethodMetrics }
    }

    /// The method at `path` and who calls it, once the call's key may call it.
    ///
    /// - Throws: UNAUTHENTICATED, `RateLimitedError`, UNIMPLEMENTED (no such method), PERMISSION_DENIED.
    func resolve(
        _ path: UnsafeRawBufferPointer, name: @autoclosure () -> String, apiKey: @autoclosure () -> String?
    ) throws -> (Method, Caller?) {
        // Authentication comes before the method lookup, so unknown methods reveal nothing to strangers.
        var caller: Caller?
        if authenticator.isEnabled && !path.elementsEqual(unauthenticatedPath) {
            caller = try authenticator.authenticate(apiKey())
        }
        guard let method = methods[path] else {
            throw TaskManagerError(.unimplemented, "Method not found: \(name())")
        }
        if let caller, !method.roles.contains(.of(caller.role)) {
            throw TaskManagerError(
                .permissionDenied, "API key \"\(caller.name)\" (role \(caller.role.rawValue)) may not call \(method.name)")
        }
        return (method, caller)
    }

    /// Decodes `payload` with `method`'s handler and runs as much of the call as needs no waiting.
    ///
    /// - Parameter name: the call's path, for logs.
    func run(
        _ method: Method, _ payload: UnsafeRawBufferPointer, _ arena: CArena, _ context: CallContext, name: @autoclosure () -> String
    ) throws -> Call {
        switch method.handler {
        case .unary(let start):
            switch try start(payload, arena, context) {
            case .answered(let message):
                return .answered(.message(message), method.metrics)
            case .started(let begin):
                let logger = self.logger
                let name = method.name
                return .started(method: name, method.metrics) { reply in
                    begin { outcome in
                        switch outcome {
                        case .success(let message): reply(.message(message))
                        case .failure(let error): reply(.status(Self.status(of: error, in: name, logger)))
                        }
                    }
                }
            case .later(let body):
                let logger = self.logger
                let name = name()
                return .unary(method: method.name, method.metrics) {
                    do {
                        return .message(try await body())
                    } catch {
                        return .status(Self.status(of: error, in: name, logger))
                    }
                }
            }
        case .serverStreaming(let start):
            let body = try start(payload, arena, context)
            let logger = self.logger
            let name = name()
            return .serverStreaming(method: method.name, method.metrics) { sink in
                do {
                    try await body(sink)
                    return .ok
                } catch {
                    return Self.status(of: error, in: name, logger)
                }
            }
        }
    }

    /// The answer to a call refused by `resolve` or `run`: a rate limit's carries when to retry.
    func refusal(_ error: any Error, in name: @autoclosure () -> String) -> Answer {
        if let limited = error as? RateLimitedError {
            return .statusWithMetadata(RPCStatus(limited.status), [RateLimitedError.retryAfterKey: "\(limited.retryAfterMs)"])
        }
        return .status(Self.status(of: error, in: name(), logger))
    }

    /// The status a call that threw `error` ends with: the error's own for `TaskManagerError`, INTERNAL (logged)
    /// for anything unexpected. An error's cause (SQLite's code and message) is logged, never sent; the
    /// request's data is never logged.
    private static func status(of error: any Error, in method: String, _ logger: Logger) -> RPCStatus {
        switch error {
        case let error as TaskManagerError:
            if let cause = error.cause {
                // A busy database is retried by clients (UNAVAILABLE); anything else needs an operator.
                logger.log(
                    level: error.code == .internal ? .error : .warning, "\(error.message) in \(method): \(cause)",
                    metadata: ["method": "\(method)", "cause": "\(cause)"])
            }
            return RPCStatus(error)
        case is CancellationError:
            return RPCStatus(code: .cancelled, message: "Call cancelled")
        default:
            logger.error("Unexpected error in \(method): \(error)")
            return RPCStatus(code: .internal, message: "Internal error")
        }
    }

    /// The status of an answer whose frame body would be `size` bytes, over `maxFrameBytes`.
    func tooLarge(_ size: Int) -> RPCStatus {
        RPCStatus(
            code: .resourceExhausted,
            message: "Response of \(size) bytes exceeds the frame limit of \(maxFrameBytes) bytes; ask for fewer items")
    }
}

/// Called once with the outcome of a call that was started rather than awaited.
typealias Reply<Output> = @Sendable (Result<Output, any Error>) -> Void

/// Collects typed handlers and checks them against a service description.
struct HandlerTable {
    let description: ServiceDescription
    private var entries: [String: (input: String, output: String, handler: Dispatcher.Handler)] = [:]
    private var duplicates: [String] = []

    init(description: ServiceDescription) {
        self.description = description
    }

    /// Adds the handler of the unary method called `name`.
    ///
    /// - Parameter now: when given, runs first, on the event loop that read the call: it answers at once, or returns
    ///   nil when answering would mean waiting, and `body` runs instead. It must never block for long.
    mutating func unary<Input: WireMessage, Output: WireMessage>(
        _ name: String, _ input: Input.Type, _ output: Output.Type,
        now: (@Sendable (Input, CallContext) throws -> Output?)? = nil,
        _ body: @escaping @Sendable (Input, CallContext) async throws -> Output
    ) {
        add(name, Input.self, Output.self, .unary { payload, arena, context in
            let input: Input = try Self.decode(payload, arena, name)
            if let now, let output = try now(input, context) { return .answered(output) }
            return .later { try await body(input, context) }
        })
    }

    /// Adds the handler of the unary method called `name` that starts its work and is answered through a reply,
    /// with no Swift task: `start` checks the request (throwing its error) and starts the work, which calls the
    /// reply once, on any thread.
    ///
    /// - Parameter waiting: for a method whose calls may wait (a long-poll claim): whether a request does, and the
    ///   body that then runs it in a Swift task instead, which a cancel or a deadline can stop.
    mutating func unary<Input: WireMessage, Output: WireMessage>(
        _ name: String, _ input: Input.Type, _ output: Output.Type,
        waiting: (when: @Sendable (Input) -> Bool, body: @Sendable (Input, CallContext) async throws -> Output)? = nil,
        start: @escaping @Sendable (Input, CallContext, @escaping Reply<Output>) throws -> Void
    ) {
        add(name, Input.self, Output.self, .unary { payload, arena, context in
            let input: Input = try Self.decode(payload, arena, name)
            if let waiting, waiting.when(input) {
                return .later { try await waiting.body(input, context) }
            }
            return .started { reply in
                do {
                    try start(input, context) { reply($0.map { $0 as any WireMessage }) }
                } catch {
                    reply(.failure(error))
                }
            }
        })
    }

    /// Adds the handler of the server-streaming method called `name`.
    mutating func serverStreaming<Input: WireMessage, Item: WireMessage>(
        _ name: String, _ input: Input.Type, _ item: Item.Type,
        _ body: @escaping @Sendable (Input, CallContext, StreamSink<Item>) async throws -> Void
    ) {
        add(name, Input.self, Item.self, .serverStreaming { payload, arena, context in
            let input: Input = try Self.decode(payload, arena, name)
            return { sink in try await body(input, context, StreamSink(raw: sink)) }
        })
    }

    private mutating func add<Input: WireMessage, Output: WireMessage>(
        _ name: String, _ input: Input.Type, _ output: Output.Type, _ handler: Dispatcher.Handler
    ) {
        if entries[name] != nil { duplicates.append(name) }
        entries[name] = (Input.protoName, Output.protoName, handler)
    }

    private static func decode<Input: WireMessage>(_ payload: UnsafeRawBufferPointer, _ arena: CArena, _ name: String) throws -> Input {
        do {
            try Input.checkWire(payload)
        } catch let error as TaskManagerError {
            throw TaskManagerError(error.code, "Invalid request payload for \(name): \(error.message)")
        }
        do {
            return try Input(wireBytes: payload, arena: arena, checked: false)
        } catch {
            throw TaskManagerError(.invalidArgument, "Invalid request payload for \(name): expected \(Input.protoName)")
        }
    }

    /// The table keyed by wire path; throws when handlers and descriptor disagree.
    func build() throws -> [String: Dispatcher.Method] {
        var problems = duplicates.map { "handler registered twice: \($0)" }
        var table: [String: Dispatcher.Method] = [:]
        for method in description.methods {
            guard let entry = entries[method.name] else {
                problems.append("method \(method.name) has no handler")
                continue
            }
            if entry.input != method.inputType || entry.output != method.outputType {
                problems.append(
                    "handler of \(method.name) takes \(entry.input) -> \(entry.output), the descriptor says \(method.inputType) -> \(method.outputType)")
            }
            table[method.path] = Dispatcher.Method(name: method.name, handler: entry.handler, roles: RoleSet(allowedToCall: method.name))
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
