import Logging
import NIOCore
import TaskManagerCore
import TaskManagerProtocol

/// Serves one connection: decodes client frames, runs calls concurrently, answers each exactly once.
///
/// All state lives on the channel's event loop. A call runs in its own Swift task; its answer, a cancel,
/// or its deadline, whichever comes first, removes it from `inFlight` and writes the one final response.
final class ConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Sent through the pipeline to start a graceful close.
    struct Drain: Sendable {}

    private struct InFlightCall {
        var task: _Concurrency.Task<Void, Never>
        var deadline: Scheduled<Void>?
        /// Only streaming calls have one.
        var sink: RawStreamSink?
        /// Stream items the connection could not take yet (it was not writable).
        var backlog: [ByteBuffer] = []
    }

    private let dispatcher: Dispatcher
    private let maxConcurrentCalls: Int
    private let streamBacklogLimit: Int
    private let logger: Logger
    private var context: ChannelHandlerContext?
    private var inFlight: [UInt64: InFlightCall] = [:]
    private var lastCallID: UInt64 = 0
    private var draining = false
    private var flushScheduled = false

    init(dispatcher: Dispatcher, maxConcurrentCalls: Int, streamBacklogLimit: Int, logger: Logger) {
        self.dispatcher = dispatcher
        self.maxConcurrentCalls = maxConcurrentCalls
        self.streamBacklogLimit = streamBacklogLimit
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = unwrapInboundIn(data)
        let frame: ClientFrame
        do {
            frame = try ClientFrame(wireBytes: bytes)
        } catch {
            return writeConnectionError(.invalidArgument, "Invalid frame: not a taskmanager.rpc.v1.ClientFrame")
        }
        switch frame {
        case .request(let request):
            start(request)
        case .cancel(let callID):
            finish(callID, RPCStatus(code: .cancelled, message: "Call cancelled by client"), ByteBuffer())
        case .ping(let nonce):
            write(.pong(nonce: nonce))
        case .empty:
            writeConnectionError(.invalidArgument, "Invalid frame: no kind set")
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        for call in inFlight.values {
            call.sink?.end()
            call.task.cancel()
            call.deadline?.cancel()
        }
        inFlight.removeAll()
        context.fireChannelInactive()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        // Streams that queued items while the client was not reading catch up, oldest call first.
        for callID in inFlight.keys.sorted() where context.channel.isWritable {
            while context.channel.isWritable, let item = inFlight[callID]?.backlog.first {
                inFlight[callID]?.backlog.removeFirst()
                writeResponse(callID, .ok, item, endOfStream: false)
            }
        }
        context.fireChannelWritabilityChanged()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is Drain else { return context.fireUserInboundEventTriggered(event) }
        draining = true
        write(.goAway(lastCallID: lastCallID, reason: "Server is shutting down"))
        closeIfDrained()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if let tooLarge = error as? FrameTooLargeError {
            // The body is never read: answer, say goodbye, and close.
            writeConnectionError(.resourceExhausted, tooLarge.description)
            write(.goAway(lastCallID: lastCallID, reason: "Frame too large"))
        } else if !(error is ChannelError) {
            logger.debug("Closing connection after error: \(error)")
        }
        context.flush()
        context.close(promise: nil)
    }

    private func start(_ request: RPCRequest) {
        guard request.callID > 0 else {
            return writeConnectionError(.invalidArgument, "Invalid request: call_id must be greater than 0")
        }
        guard inFlight[request.callID] == nil else {
            return writeConnectionError(.invalidArgument, "Invalid request: call_id \(request.callID) is already in flight")
        }
        guard !draining else {
            return writeResponse(request.callID, RPCStatus(code: .unavailable, message: "Server is shutting down"), ByteBuffer())
        }
        guard inFlight.count < maxConcurrentCalls else {
            return writeResponse(
                request.callID, RPCStatus(code: .resourceExhausted, message: "Too many calls in flight on this connection"), ByteBuffer())
        }
        guard let context else { return }
        lastCallID = max(lastCallID, request.callID)
        let eventLoop = context.eventLoop
        let this = NIOLoopBound(self, eventLoop: eventLoop)
        let dispatcher = self.dispatcher
        let sink = !dispatcher.isStreaming(request.method) ? nil : RawStreamSink { item in
            eventLoop.execute { this.value.streamItem(request.callID, item) }
        }
        let task = _Concurrency.Task {
            let (status, payload) = await dispatcher.dispatch(request, sink: sink)
            eventLoop.execute { this.value.finish(request.callID, status, payload) }
        }
        var call = InFlightCall(task: task, deadline: nil, sink: sink)
        if request.timeoutMs > 0 {
            call.deadline = eventLoop.scheduleTask(in: .milliseconds(Int64(request.timeoutMs))) {
                this.value.finish(request.callID, RPCStatus(code: .deadlineExceeded, message: "Deadline exceeded"), ByteBuffer())
            }
        }
        inFlight[request.callID] = call
    }

    /// Sends one item of a streaming call, or queues it while the client is not reading.
    private func streamItem(_ callID: UInt64, _ item: ByteBuffer) {
        guard let call = inFlight[callID], let context else { return }
        if call.backlog.isEmpty && context.channel.isWritable {
            return writeResponse(callID, .ok, item, endOfStream: false)
        }
        guard call.backlog.count < streamBacklogLimit else {
            // The client reconnects and resumes from the last history id it saw: nothing is lost.
            return finish(
                callID,
                RPCStatus(code: .resourceExhausted, message: "Stream consumer too slow: more than \(streamBacklogLimit) items waiting"),
                ByteBuffer(), dropBacklog: true)
        }
        inFlight[callID]?.backlog.append(item)
    }

    /// Ends a call with its one final response; later endings of the same call are ignored.
    private func finish(_ callID: UInt64, _ status: RPCStatus, _ payload: ByteBuffer, dropBacklog: Bool = false) {
        guard let call = inFlight.removeValue(forKey: callID) else { return }
        call.sink?.end()
        call.deadline?.cancel()
        let abandoned = status.code == .cancelled || status.code == .deadlineExceeded || dropBacklog
        if abandoned {
            call.task.cancel()
        } else {
            // A stream's queued items come before its final status.
            for item in call.backlog { writeResponse(callID, .ok, item, endOfStream: false) }
        }
        writeResponse(callID, status, payload)
        closeIfDrained()
    }

    private func closeIfDrained() {
        if draining && inFlight.isEmpty {
            context?.flush()
            context?.close(promise: nil)
        }
    }

    private func writeConnectionError(_ code: StatusCode, _ message: String) {
        writeResponse(0, RPCStatus(code: code, message: message), ByteBuffer())
    }

    private func writeResponse(_ callID: UInt64, _ status: RPCStatus, _ payload: ByteBuffer, endOfStream: Bool = true) {
        write(.response(RPCResponse(callID: callID, status: status, payload: payload, endOfStream: endOfStream)))
    }

    private func write(_ frame: ServerFrame) {
        guard let context else { return }
        var buffer = context.channel.allocator.buffer(capacity: 64)
        buffer.writeFrame(frame)
        context.write(wrapOutboundOut(buffer), promise: nil)
        // One flush (one syscall) for every response written in this turn of the event loop.
        guard !flushScheduled else { return }
        flushScheduled = true
        context.eventLoop.assumeIsolated().execute { [self] in
            flushScheduled = false
            self.context?.flush()
        }
    }
}
