import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import TaskManagerCore
import TaskManagerProtocol

/// One TCP connection to a TaskManager server that many callers share: calls are pipelined and matched to
/// their responses by call id.
final class ClientConnection: Sendable {
    private struct State {
        var nextCallID: UInt64 = 1
        var nextNonce: UInt64 = 1
        var calls: [UInt64: CheckedContinuation<RPCResponse, any Error>] = [:]
        var pings: [UInt64: CheckedContinuation<Void, any Error>] = [:]
        /// Server-streaming calls: every response goes to the stream; the final one finishes it.
        var streams: [UInt64: AsyncThrowingStream<RPCResponse, any Error>.Continuation] = [:]
        /// Responses with call id 0: errors the server could not tie to a call.
        var connectionErrors: [RPCStatus] = []
        /// Set once the connection is closed or the server said GoAway.
        var unusable: TaskManagerError?
    }

    let channel: any Channel
    private let state = NIOLockedValueBox(State())

    private init(channel: any Channel) {
        self.channel = channel
    }

    static func connect(host: String, port: Int, maxFrameBytes: Int) async throws -> ClientConnection {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connect(host: host, port: port).get()
        let connection = ClientConnection(channel: channel)
        try await channel.eventLoop.submit {
            let sync = channel.pipeline.syncOperations
            try sync.addHandler(ByteToMessageHandler(FrameDecoder(maxFrameBytes: maxFrameBytes)))
            try sync.addHandler(ClientFrameHandler(connection: connection))
        }.get()
        return connection
    }

    /// Sends one request and waits for its final response. Cancelling the calling task sends `Cancel`.
    func call(method: String, payload: ByteBuffer, timeoutMs: UInt32, metadata: [String: String]) async throws -> RPCResponse {
        let callID = try state.withLockedValue { state -> UInt64 in
            if let unusable = state.unusable { throw unusable }
            defer { state.nextCallID += 1 }
            return state.nextCallID
        }
        let request = RPCRequest(callID: callID, method: method, payload: payload, timeoutMs: timeoutMs, metadata: metadata)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let failure = state.withLockedValue { state -> TaskManagerError? in
                    if let unusable = state.unusable { return unusable }
                    state.calls[callID] = continuation
                    return nil
                }
                if let failure { return continuation.resume(throwing: failure) }
                send(.request(request))
            }
        } onCancel: {
            send(.cancel(callID: callID))
        }
    }

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
                if wasOpen, case .cancelled = termination { send(.cancel(callID: callID)) }
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
            case .success(let nonce): send(.ping(nonce: nonce))
            case .failure(let error): continuation.resume(throwing: error)
            }
        }
    }

    var connectionErrors: [RPCStatus] { state.withLockedValue { $0.connectionErrors } }

    func close() async {
        try? await channel.close()
    }

    private func send(_ frame: ClientFrame) {
        var buffer = channel.allocator.buffer(capacity: 64)
        buffer.writeFrame(frame)
        channel.writeAndFlush(buffer, promise: nil)
    }

    // MARK: Events from the channel

    func received(_ frame: ServerFrame) {
        switch frame {
        case .response(let response) where response.callID == 0:
            state.withLockedValue { $0.connectionErrors.append(response.status) }
        case .response(let response):
            if let stream = state.withLockedValue({ state in
                response.endOfStream ? state.streams.removeValue(forKey: response.callID) : state.streams[response.callID]
            }) {
                stream.yield(response)
                if response.endOfStream { stream.finish() }
                return
            }
            // Only final responses end a call; unary calls get nothing else.
            guard response.endOfStream else { return }
            state.withLockedValue { $0.calls.removeValue(forKey: response.callID) }?.resume(returning: response)
        case .pong(let nonce):
            state.withLockedValue { $0.pings.removeValue(forKey: nonce) }?.resume()
        case .goAway(_, let reason):
            state.withLockedValue { state in
                if state.unusable == nil { state.unusable = TaskManagerError(.unavailable, "Server sent GoAway: \(reason)") }
            }
        case .empty:
            break
        }
    }

    func closed() {
        let (calls, pings, streams) = state.withLockedValue { state in
            if state.unusable == nil { state.unusable = TaskManagerError(.unavailable, "Connection closed") }
            defer {
                state.calls.removeAll()
                state.pings.removeAll()
                state.streams.removeAll()
            }
            return (Array(state.calls.values), Array(state.pings.values), Array(state.streams.values))
        }
        let error = TaskManagerError(.unavailable, "Connection closed")
        calls.forEach { $0.resume(throwing: error) }
        pings.forEach { $0.resume(throwing: error) }
        streams.forEach { $0.finish(throwing: error) }
    }
}

/// Feeds decoded server frames to the connection.
private final class ClientFrameHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let connection: ClientConnection

    init(connection: ClientConnection) {
        self.connection = connection
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let frame = try? ServerFrame(wireBytes: unwrapInboundIn(data)) else {
            // A server that sends garbage cannot be trusted with further calls.
            return context.close(promise: nil)
        }
        connection.received(frame)
    }

    func channelInactive(context: ChannelHandlerContext) {
        connection.closed()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
