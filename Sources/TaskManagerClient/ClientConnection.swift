import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS
import TaskManagerCore
import TaskManagerProtocol

/// One TCP connection to a TaskManager server that many callers share: calls are pipelined and matched to
/// their responses by call id.
///
/// Frames are packed and unpacked on the connection's event loop, in its arena: a request is packed once, into
/// the buffer that is flushed at the end of the loop's turn (one write for all the calls made in that turn), and a
/// response is decoded into its message type straight from the bytes read.
final class ClientConnection: Sendable {
    /// What a unary call is answered with: its final response, valid in that arena's scope, or a failure.
    private enum Answer {
        case response(InboundResponse, CArena)
        case failure(TaskManagerError)
    }

    private struct State {
        var nextCallID: UInt64 = 1
        var nextNonce: UInt64 = 1
        /// Unary calls waiting: each decodes its answer and resumes its caller.
        var calls: [UInt64: @Sendable (Answer) -> Void] = [:]
        var pings: [UInt64: CheckedContinuation<Void, any Error>] = [:]
        /// Server-streaming calls: every response goes to the stream; the final one finishes it.
        var streams: [UInt64: AsyncThrowingStream<RPCResponse, any Error>.Continuation] = [:]
        /// Responses with call id 0: errors the server could not tie to a call.
        var connectionErrors: [RPCStatus] = []
        /// Set once the connection is closed or the server said GoAway.
        var unusable: TaskManagerError?
        /// The last call the server took, from its GoAway: later ones were sent before the client read it, and the
        /// server never ran them.
        var goAwayLastCallID: UInt64?
        var goAwayReason = ""
    }

    let channel: any Channel
    private let state = NIOLockedValueBox(State())
    private let loopSide: NIOLoopBound<LoopSide>

    private init(channel: any Channel) {
        self.channel = channel
        loopSide = NIOLoopBound(LoopSide(buffer: channel.allocator.buffer(capacity: 1024)), eventLoop: channel.eventLoop)
    }

    /// Opens a connection; with `tls`, it is returned once the TLS handshake completed (and the server's
    /// certificate was verified).
    static func connect(host: String, port: Int, maxFrameBytes: Int, tls: ClientTLS? = nil) async throws -> ClientConnection {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connect(host: host, port: port).get()
        let (connection, handshake) = try await channel.eventLoop.submit {
            let connection = ClientConnection(channel: channel)
            let sync = channel.pipeline.syncOperations
            var handshake: EventLoopFuture<Void>?
            if let tls {
                // Made before the waiter's promise: a handler that cannot be made must not leave a promise behind.
                let handler = try NIOSSLClientHandler(context: tls.context, serverHostname: tls.hostname(for: host))
                let waiter = HandshakeWaiter(promise: channel.eventLoop.makePromise(), timeout: Self.handshakeTimeout)
                handshake = waiter.promise.futureResult
                try sync.addHandler(handler)
                try sync.addHandler(waiter)
            }
            try sync.addHandler(ByteToMessageHandler(FrameDecoder(maxFrameBytes: maxFrameBytes)))
            try sync.addHandler(ClientFrameHandler(connection: connection, arena: connection.loopSide.value.arena))
            return (connection, handshake)
        }.get()
        do {
            try await handshake?.get()
        } catch {
            try? await channel.close()
            throw error
        }
        return connection
    }

    /// The longest a TLS handshake may take.
    static let handshakeTimeout = TimeAmount.seconds(10)

    /// Sends one request and waits for its final response, decoded as `Response`; a status other than OK is
    /// thrown as `TaskManagerError`. Cancelling the calling task sends `Cancel`.
    func call<Request: WireMessage, Response: WireMessage>(
        method: String, request: Request, as: Response.Type, timeoutMs: UInt32, metadata: [String: String]
    ) async throws -> Response {
        let callID = try state.withLockedValue { state -> UInt64 in
            if let unusable = state.unusable { throw unusable }
            defer { state.nextCallID += 1 }
            return state.nextCallID
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Response, any Error>) in
                start(callID, method: method, request: request, timeoutMs: timeoutMs, metadata: metadata) { answer in
                    continuation.resume(with: Self.decode(answer))
                }
            }
        } onCancel: {
            send(.cancel(RPCCancel(callID: callID)))
        }
    }

    /// Sends one request and calls `completion` once with its final response, decoded as `Response`, or the error:
    /// on the connection's event loop, with no task or continuation per call.
    func call<Request: WireMessage, Response: WireMessage>(
        method: String, request: Request, as: Response.Type, timeoutMs: UInt32, metadata: [String: String],
        completion: @escaping @Sendable (Result<Response, any Error>) -> Void
    ) {
        let callID = state.withLockedValue { state -> UInt64? in
            if state.unusable != nil { return nil }
            defer { state.nextCallID += 1 }
            return state.nextCallID
        }
        guard let callID else { return completion(.failure(state.withLockedValue { $0.unusable } ?? Self.closed)) }
        start(callID, method: method, request: request, timeoutMs: timeoutMs, metadata: metadata) { answer in
            completion(Self.decode(answer))
        }
    }

    /// Registers `answer` for the call and sends its request; answers at once when the connection is unusable.
    private func start<Request: WireMessage>(
        _ callID: UInt64, method: String, request: Request, timeoutMs: UInt32, metadata: [String: String],
        answer: @escaping @Sendable (Answer) -> Void
    ) {
        let failure = state.withLockedValue { state -> TaskManagerError? in
            if let unusable = state.unusable { return unusable }
            state.calls[callID] = answer
            return nil
        }
        if let failure { return answer(.failure(failure)) }
        send { buffer, arena in
            buffer.writeRequestFrame(
                callID: callID, method: method, message: request, timeoutMs: timeoutMs, metadata: metadata, arena: arena)
        }
    }

    /// A call's response decoded as `Response`, or its error (a status other than OK as `TaskManagerError`).
    private static func decode<Response: WireMessage>(_ answer: Answer) -> Result<Response, any Error> {
        switch answer {
        case .failure(let error):
            return .failure(error)
        case .response(let response, let arena):
            let status = response.status
            guard status.code == .ok else { return .failure(TaskManagerError(status.code, status.message)) }
            return Result { try Response(wireBytes: response.payload, arena: arena) }
        }
    }

    private static let closed = TaskManagerError(.unavailable, "Connection closed")

    /// Starts a server-streaming call: the stream yields every response of the call, the final one last.
    /// Ending the iteration early (or cancelling the iterating task) sends `Cancel`.
    func stream(method: String, payload: ByteBuffer, timeoutMs: UInt32, metadata: [String: String]) -> AsyncThrowingStream<RPCResponse, any Error> {
        let (stream, continuation) = AsyncThrowingStream<RPCResponse, any Error>.makeStream()
        let started = state.withLockedValue { state -> Result<UInt64, TaskManagerError> in
            if let unusable = state.unusable { return .failure(unusable) }
            defer { state.nextCallID += 1 }
            state.streams[state.nextCallID] = continuation
            return .success(state.nextCallID)
        }
        switch started {
        case .failure(let error):
            continuation.finish(throwing: error)
        case .success(let callID):
            continuation.onTermination = { [self] termination in
                let wasOpen = state.withLockedValue { $0.streams.removeValue(forKey: callID) } != nil
                if wasOpen, case .cancelled = termination { send(.cancel(RPCCancel(callID: callID))) }
            }
            send(.request(RPCRequest(callID: callID, method: method, payload: payload, timeoutMs: timeoutMs, metadata: metadata)))
        }
        return stream
    }

    /// Sends `Ping` and waits for the matching `Pong`.
    func ping() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let result = state.withLockedValue { state -> Result<UInt64, TaskManagerError> in
                if let unusable = state.unusable { return .failure(unusable) }
                defer { state.nextNonce += 1 }
                state.pings[state.nextNonce] = continuation
                return .success(state.nextNonce)
            }
            switch result {
            case .success(let nonce): send(.ping(RPCPing(nonce: nonce)))
            case .failure(let error): continuation.resume(throwing: error)
            }
        }
    }

    var connectionErrors: [RPCStatus] { state.withLockedValue { $0.connectionErrors } }

    /// False once the connection closed or the server sent GoAway: new calls need a new connection.
    var isUsable: Bool { state.withLockedValue { $0.unusable == nil } }

    func close() async {
        try? await channel.close()
    }

    private func send(_ frame: RPCClientFrame) {
        send { buffer, _ in buffer.writeFrame(frame) }
    }

    /// Appends a frame to the buffer of this loop turn, on the connection's event loop.
    private func send(_ write: @escaping @Sendable (inout ByteBuffer, CArena) -> Void) {
        guard channel.eventLoop.inEventLoop else {
            return channel.eventLoop.execute { self.append(write) }
        }
        append(write)
    }

    private func append(_ write: (inout ByteBuffer, CArena) -> Void) {
        let side = loopSide.value
        side.arena.withScope { write(&side.buffer, side.arena) }
        side.framesWaiting += 1
        // A few frames at a time, so the server starts on the first calls of a burst while the rest are written.
        if side.framesWaiting >= LoopSide.framesPerWrite { return flush() }
        guard !side.flushScheduled else { return }
        side.flushScheduled = true
        // Runs after the jobs already queued on the loop, which are often other callers of this connection.
        channel.eventLoop.execute { self.flush() }
    }

    private func flush() {
        let side = loopSide.value
        side.flushScheduled = false
        side.framesWaiting = 0
        guard side.buffer.readableBytes > 0 else { return }
        channel.writeAndFlush(side.buffer, promise: nil)
        side.buffer.clear()
    }

    // MARK: Events from the channel

    /// Handles one frame, on the event loop, inside the scope of `arena`.
    func received(_ frame: InboundServerFrame, arena: CArena) {
        switch frame {
        case .response(let response) where response.callID == 0:
            let status = response.status
            state.withLockedValue { $0.connectionErrors.append(status) }
        case .response(let response):
            if let stream = state.withLockedValue({ state in
                response.endOfStream ? state.streams.removeValue(forKey: response.callID) : state.streams[response.callID]
            }) {
                stream.yield(response.copy)
                if response.endOfStream { stream.finish() }
                return
            }
            // Only final responses end a call; unary calls get nothing else.
            guard response.endOfStream else { return }
            state.withLockedValue { $0.calls.removeValue(forKey: response.callID) }?(.response(response, arena))
        case .pong(let nonce):
            state.withLockedValue { $0.pings.removeValue(forKey: nonce) }?.resume()
        case .goAway(let lastCallID, let reason):
            state.withLockedValue { state in
                if state.unusable == nil { state.unusable = TaskManagerError(.unavailable, "Server sent GoAway: \(reason)") }
                state.goAwayLastCallID = min(state.goAwayLastCallID ?? .max, lastCallID)
                state.goAwayReason = reason
            }
        case .empty:
            break
        }
    }

    /// - Parameter cause: the error that closed the connection (a TLS alert from the server, say), if any.
    func closed(cause: (any Error)? = nil) {
        let message = cause.map { "Connection closed: \(TLSErrorText.describe($0))" } ?? "Connection closed"
        let (calls, pings, streams, lastTaken, reason) = state.withLockedValue { state in
            if state.unusable == nil { state.unusable = TaskManagerError(.unavailable, message) }
            defer {
                state.calls.removeAll()
                state.pings.removeAll()
                state.streams.removeAll()
            }
            return (state.calls, Array(state.pings.values), Array(state.streams.values), state.goAwayLastCallID, state.goAwayReason)
        }
        let error = TaskManagerError(.unavailable, message)
        // Calls after the GoAway's last call id were never run: safe to send again on a new connection.
        let notRun = TaskManagerError(.unavailable, "Server sent GoAway (\(reason)) before reading the call: it was not run")
        for (callID, call) in calls {
            call(.failure(lastTaken.map { callID > $0 } == true ? notRun : error))
        }
        pings.forEach { $0.resume(throwing: error) }
        streams.forEach { $0.finish(throwing: error) }
    }
}

/// Feeds decoded server frames to the connection.
private final class ClientFrameHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let connection: ClientConnection
    private let arena: CArena
    /// The error that made this handler close the channel.
    private var cause: (any Error)?

    init(connection: ClientConnection, arena: CArena) {
        self.connection = connection
        self.arena = arena
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = unwrapInboundIn(data)
        do {
            try arena.withScope {
                try bytes.withUnsafeReadableBytes { bytes in
                    connection.received(try InboundServerFrame(bytes, arena: arena), arena: arena)
                }
            }
        } catch {
            // A server that sends garbage cannot be trusted with further calls.
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        connection.closed(cause: cause)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if cause == nil, !(error is ChannelError) {
            if let tooLarge = error as? FrameTooLargeError, tooLarge.looksLikeTLS {
                cause = PlaintextToTLS()
            } else {
                cause = error
            }
        }
        context.close(promise: nil)
    }

    private struct PlaintextToTLS: Error, CustomStringConvertible {
        var description: String { "the server speaks TLS: connect with TLS" }
    }
}

/// What a connection keeps on its event loop: the arena its frames are packed and unpacked in, and the frames
/// written in this loop turn, waiting for the flush.
private final class LoopSide {
    let arena = CArena()
    var buffer: ByteBuffer
    var flushScheduled = false
    var framesWaiting = 0
    /// The most frames written in one `write`.
    static let framesPerWrite = 8

    init(buffer: ByteBuffer) {
        self.buffer = buffer
    }
}

/// Completes its promise when the TLS handshake completes, and fails it with UNAVAILABLE when the handshake fails,
/// the connection closes first, or the timeout passes (the channel is then closed).
private final class HandshakeWaiter: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    let promise: EventLoopPromise<Void>
    private let timeout: TimeAmount
    private var timer: Scheduled<Void>?
    private var done = false

    init(promise: EventLoopPromise<Void>, timeout: TimeAmount) {
        self.promise = promise
        self.timeout = timeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let channel = context.channel
        let timeout = self.timeout
        // The timer runs on the channel's event loop, like every other method of this handler.
        let waiter = NIOLoopBound(self, eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(in: timeout) {
            waiter.value.finish(.failure(TaskManagerError(.unavailable, "TLS handshake not completed within \(timeout.nanoseconds / 1_000_000_000) s")))
            channel.close(promise: nil)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case TLSUserEvent.handshakeCompleted = event { finish(.success(())) }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        var reason = TLSErrorText.describe(error)
        if reason == "WRONG_VERSION_NUMBER" { reason += " (does the server serve TLS?)" }
        finish(.failure(TaskManagerError(.unavailable, "TLS handshake failed: \(reason)")))
        context.fireErrorCaught(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish(.failure(TaskManagerError(.unavailable, "Connection closed during the TLS handshake")))
        context.fireChannelInactive()
    }

    private func finish(_ result: Result<Void, any Error>) {
        guard !done else { return }
        done = true
        timer?.cancel()
        promise.completeWith(result)
    }
}
