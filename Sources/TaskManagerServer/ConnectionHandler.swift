import Logging
import Synchronization
import NIOCore
import TaskManagerCore
import TaskManagerProtocol

/// Serves one connection: decodes client frames, runs calls concurrently, answers each exactly once.
///
/// All state lives on the channel's event loop. A call that can be answered without waiting (a lookup served
/// from memory or a free read connection) is answered inside `channelRead`, with no task; a write is started
/// there too, and its answer comes back to this loop through a reply, with no task; any other call runs in its
/// own Swift task. A call's answer, a cancel, or its deadline, whichever comes first, removes it from `inFlight`
/// and writes the one final response. Frames are unpacked and answers packed in the event loop's arena;
/// answers collect in one buffer, written and flushed once per read burst or event loop turn.
///
/// Backpressure: while the channel is not writable (its unsent answers are over the high water mark, because the
/// client does not read them), the channel's requests to read more are held back, so the client's further calls
/// wait in its own socket; the answers to calls already read are still written, and reading resumes once the
/// unsent bytes fall under the low water mark.
final class ConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Sent through the pipeline to start a graceful close.
    struct Drain: Sendable {}

    /// Sent when the drain timeout has passed: calls still in flight are answered UNAVAILABLE, then the connection
    /// closes.
    struct DrainTimedOut: Sendable {}

    private struct InFlightCall {
        /// nil for a started call (a write), which runs no task: a cancel or a deadline only drops its answer.
        var task: _Concurrency.Task<Void, Never>?
        /// The method's name and when the call started, for the slow-call log.
        var method: String
        var startedNs: UInt64
        var deadline: Scheduled<Void>?
        /// Only streaming calls have one.
        var sink: RawStreamSink?
        /// Stream items the connection could not take yet (it was not writable).
        var backlog: [ByteBuffer] = []
        /// Where the call is counted when it ends; nil without metrics.
        var metrics: MethodMetrics?
    }

    #if DEBUG
    /// The Swift tasks started for calls, by every connection: tests check that inline calls start none.
    static let callTasksStarted = Atomic<Int>(0)
    #endif

    private let dispatcher: Dispatcher
    private let arena: CArena
    private let maxConcurrentCalls: Int
    private let streamBacklogLimit: Int
    private let logger: Logger
    private var context: ChannelHandlerContext?
    private var inFlight: [UInt64: InFlightCall] = [:]
    private var lastCallID: UInt64 = 0
    private var draining = false
    /// Frames written since the last flush.
    private var outbound: ByteBuffer?
    private var flushScheduled = false
    /// Between a `channelRead` and the `channelReadComplete` that ends its burst, which flushes.
    private var reading = false
    /// A read the channel asked for while it was not writable: issued once it is writable again.
    private var readHeld = false
    /// Frames read while `maxConcurrentCalls` calls were in flight, in order: they start as calls finish. Reads
    /// stop meanwhile, so this holds at most what one read delivered.
    private var waiting = CircularBuffer<ByteBuffer>()
    private var startingWaiting = false
    /// The verified client certificate (mutual TLS), known once the handshake completed, before any call is read.
    private var peer: PeerIdentity?

    /// - Parameter arena: the arena of the channel's event loop, shared by its connections.
    /// Unary calls slower than this are logged; 0 = none.
    private let slowCallNs: UInt64
    /// The client's address, for logs.
    private var peerAddress = "?"
    /// Why the server closed the connection, when it did; logged when it closes.
    private var closeReason: String?
    /// How long the connection may stay idle (no call in flight, nothing arriving); nil = for ever.
    private let idleTimeout: TimeAmount?
    /// When a frame last arrived or a call last finished.
    private var lastActivity = NIODeadline.now()
    /// At most one at a time: when it fires it looks at `lastActivity`, so a call costs no rescheduling.
    private var idleTimer: Scheduled<Void>?

    init(
        dispatcher: Dispatcher, arena: CArena, maxConcurrentCalls: Int, streamBacklogLimit: Int, slowCallMs: Int = 0,
        idleTimeoutSeconds: Int = 0, logger: Logger
    ) {
        self.idleTimeout = idleTimeoutSeconds > 0 ? .seconds(Int64(idleTimeoutSeconds)) : nil
        self.slowCallNs = UInt64(max(0, slowCallMs)) * 1_000_000
        self.dispatcher = dispatcher
        self.arena = arena
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
        reading = true
        lastActivity = .now()
        let bytes = unwrapInboundIn(data)
        // At the cap, frames wait their turn in order (a cancel or ping too, so none overtakes a request).
        guard waiting.isEmpty && inFlight.count < maxConcurrentCalls else { return waiting.append(bytes) }
        handle(bytes)
    }

    /// Decodes and handles one client frame.
    private func handle(_ bytes: ByteBuffer) {
        arena.withScope {
            bytes.withUnsafeReadableBytes { bytes in
                let frame: InboundFrame
                do {
                    frame = try InboundFrame(bytes, arena: arena)
                } catch let error as TaskManagerError {
                    return writeConnectionError(error.code, error.message)
                } catch {
                    return writeConnectionError(.invalidArgument, "Invalid frame: not a taskmanager.rpc.v1.ClientFrame")
                }
                switch frame {
                case .request(let request):
                    start(request)
                case .rejected(let callID, let error):
                    guard inFlight[callID] == nil else {
                        return writeConnectionError(.invalidArgument, "Invalid request: call_id \(callID) is already in flight")
                    }
                    writeAnswer(callID, .status(RPCStatus(code: error.code, message: error.message)))
                case .cancel(let callID):
                    finish(callID, .status(RPCStatus(code: .cancelled, message: "Call cancelled by client")))
                case .ping(let nonce):
                    write(.pong(RPCPong(nonce: nonce)))
                case .empty:
                    writeConnectionError(.invalidArgument, "Invalid frame: no kind set")
                }
            }
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        reading = false
        flush()
        context.fireChannelReadComplete()
    }

    func channelActive(context: ChannelHandlerContext) {
        peerAddress = context.channel.remoteAddress.map { "\($0)" } ?? "?"
        logger.info("Connection opened", metadata: ["peer": "\(peerAddress)"])
        scheduleIdleCheck()
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        logger.info(
            "Connection closed",
            metadata: ["peer": "\(peerAddress)", "reason": "\(closeReason ?? "closed by the client")", "calls_in_flight": "\(inFlight.count)"])
        for call in inFlight.values {
            call.metrics?.finished(.status(RPCStatus(code: .cancelled, message: "")), startedNs: call.startedNs)
            call.sink?.end()
            call.task?.cancel()
            call.deadline?.cancel()
        }
        inFlight.removeAll()
        waiting.removeAll()
        idleTimer?.cancel()
        idleTimer = nil
        context.fireChannelInactive()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        // Streams that queued items while the client was not reading catch up, oldest call first.
        for callID in inFlight.keys.sorted() where context.channel.isWritable {
            while context.channel.isWritable, let item = inFlight[callID]?.backlog.first {
                inFlight[callID]?.backlog.removeFirst()
                writeStreamItem(callID, item)
                flush()
            }
        }
        resumeReadingIfAllowed()
        context.fireChannelWritabilityChanged()
    }

    func read(context: ChannelHandlerContext) {
        // With autoRead, the channel asks for the next read after each burst, once that burst's answers are written.
        // Reads wait while the client is not taking its answers, and while its calls in flight are at the cap.
        guard context.channel.isWritable && inFlight.count < maxConcurrentCalls && waiting.isEmpty else {
            readHeld = true
            return
        }
        context.read()
    }

    private func resumeReadingIfAllowed() {
        guard readHeld, let context, context.channel.isWritable, inFlight.count < maxConcurrentCalls, waiting.isEmpty else {
            return
        }
        readHeld = false
        context.read()
    }

    /// Starts the frames that waited for calls to finish, as far as the cap allows, then reads again.
    private func startWaiting() {
        // A waiting frame may finish a call itself (a cancel): the loop here takes it on, without recursion.
        guard !startingWaiting else { return }
        startingWaiting = true
        defer { startingWaiting = false }
        while inFlight.count < maxConcurrentCalls, let next = waiting.popFirst() {
            handle(next)
        }
        resumeReadingIfAllowed()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let timedOut = event as? ReadTimeoutHandler.TimedOut {
            // Like an oversized frame: say why, say goodbye, and close; calls in flight are abandoned.
            writeConnectionError(.deadlineExceeded, "Read timeout: no more of the frame arrived within \(timedOut.seconds) s")
            write(.goAway(RPCGoAway(lastCallID: lastCallID, reason: "Read timeout")))
            closeReason = "read timeout"
            flush()
            context.close(promise: nil)
            return
        }
        if let identified = event as? TLSHandshakeHandler.PeerIdentified {
            peer = identified.identity
            return
        }
        if event is DrainTimedOut { return endCallsInFlight() }
        guard event is Drain else { return context.fireUserInboundEventTriggered(event) }
        draining = true
        closeReason = "server shutting down"
        write(.goAway(RPCGoAway(lastCallID: lastCallID, reason: "Server is shutting down")))
        // Streams never end by themselves: they end now, after the items already queued, so that their clients
        // resume (from the last event they saw) on a server that stays up.
        for callID in inFlight.keys.sorted() where inFlight[callID]?.sink != nil {
            inFlight[callID]?.task?.cancel()
            finish(callID, .status(RPCStatus(code: .unavailable, message: "Server is shutting down")))
        }
        closeIfDrained()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if let tooLarge = error as? FrameTooLargeError {
            // The body is never read: answer, say goodbye, and close.
            if tooLarge.looksLikeTLS {
                // A TLS client's ClientHello read as a length: say what is wrong instead of "frame too large".
                writeConnectionError(.unavailable, "This server does not serve TLS")
            } else {
                writeConnectionError(.resourceExhausted, tooLarge.description)
            }
            write(.goAway(RPCGoAway(lastCallID: lastCallID, reason: "Frame too large")))
            closeReason = "frame too large"
        } else if !(error is ChannelError) {
            closeReason = "error: \(error)"
        }
        flush()
        context.close(promise: nil)
    }

    private func start(_ request: InboundRequest) {
        let callID = request.callID
        guard callID > 0 else {
            return writeConnectionError(.invalidArgument, "Invalid request: call_id must be greater than 0")
        }
        guard inFlight[callID] == nil else {
            return writeConnectionError(.invalidArgument, "Invalid request: call_id \(callID) is already in flight")
        }
        guard !draining else {
            return writeAnswer(callID, .status(RPCStatus(code: .unavailable, message: "Server is shutting down")))
        }
        guard let context else { return }
        lastCallID = max(lastCallID, callID)
        let eventLoop = context.eventLoop
        let this = NIOLoopBound(self, eventLoop: eventLoop)
        var sink: RawStreamSink?
        let task: _Concurrency.Task<Void, Never>?
        let method: String
        let metrics: MethodMetrics?
        // Read here only with metrics, so that an answered call's time includes decoding it; else later, for logs.
        let startedNs = dispatcher.recordsMetrics ? NIODeadline.now().uptimeNanoseconds : 0
        switch dispatcher.start(request, arena: arena, peer: peer) {
        case .answered(let answer, let methodMetrics):
            methodMetrics?.answered(answer, startedNs: startedNs)
            return writeAnswer(callID, answer)
        case .started(let name, let methodMetrics, let begin):
            // Registered before it starts: the reply may come at once (a request the handler refuses).
            let call = InFlightCall(
                task: nil, method: name, startedNs: startedNs == 0 ? NIODeadline.now().uptimeNanoseconds : startedNs, metrics: methodMetrics)
            register(callID, call, timeoutMs: request.timeoutMs)
            return begin { answer in
                if eventLoop.inEventLoop {
                    this.value.finish(callID, answer)
                } else {
                    eventLoop.execute { this.value.finish(callID, answer) }
                }
            }
        case .unary(let name, let methodMetrics, let body):
            method = name
            metrics = methodMetrics
            task = _Concurrency.Task {
                let answer = await body()
                eventLoop.execute { this.value.finish(callID, answer) }
            }
        case .serverStreaming(let name, let methodMetrics, let body):
            method = name
            metrics = methodMetrics
            let streamSink = RawStreamSink { item in
                eventLoop.execute { this.value.streamItem(callID, item) }
            }
            sink = streamSink
            task = _Concurrency.Task {
                let status = await body(streamSink)
                eventLoop.execute { this.value.finish(callID, .status(status)) }
            }
        }
        #if DEBUG
        Self.callTasksStarted.add(1, ordering: .relaxed)
        #endif
        let call = InFlightCall(
            task: task, method: method, startedNs: startedNs == 0 ? NIODeadline.now().uptimeNanoseconds : startedNs, sink: sink,
            metrics: metrics)
        register(callID, call, timeoutMs: request.timeoutMs)
    }

    /// Adds a call to `inFlight`, with its deadline when it has one.
    private func register(_ callID: UInt64, _ call: InFlightCall, timeoutMs: UInt32) {
        var call = call
        call.metrics?.started()
        if timeoutMs > 0, let context {
            let this = NIOLoopBound(self, eventLoop: context.eventLoop)
            call.deadline = context.eventLoop.scheduleTask(in: .milliseconds(Int64(timeoutMs))) {
                this.value.finish(callID, .status(RPCStatus(code: .deadlineExceeded, message: "Deadline exceeded")))
            }
        }
        inFlight[callID] = call
    }

    /// Sends one item of a streaming call, or queues it while the client is not reading.
    private func streamItem(_ callID: UInt64, _ item: ByteBuffer) {
        guard let call = inFlight[callID], let context else { return }
        if call.backlog.isEmpty && context.channel.isWritable {
            return writeStreamItem(callID, item)
        }
        guard call.backlog.count < streamBacklogLimit else {
            // The client reconnects and resumes from the last history id it saw: nothing is lost.
            return finish(
                callID,
                .status(RPCStatus(code: .resourceExhausted, message: "Stream consumer too slow: more than \(streamBacklogLimit) items waiting")),
                dropBacklog: true)
        }
        inFlight[callID]?.backlog.append(item)
    }

    /// Ends a call with its one final response; later endings of the same call are ignored.
    private func finish(_ callID: UInt64, _ answer: Dispatcher.Answer, dropBacklog: Bool = false) {
        guard let call = inFlight.removeValue(forKey: callID) else { return }
        call.metrics?.finished(answer, startedNs: call.startedNs)
        logIfSlow(call, callID, answer)
        call.sink?.end()
        call.deadline?.cancel()
        var abandoned = dropBacklog
        if case .status(let status) = answer, status.code == .cancelled || status.code == .deadlineExceeded { abandoned = true }
        if abandoned {
            call.task?.cancel()
        } else {
            // A stream's queued items come before its final status.
            for item in call.backlog { writeStreamItem(callID, item) }
        }
        writeAnswer(callID, answer)
        closeIfDrained()
        if !waiting.isEmpty || readHeld { startWaiting() }
        if inFlight.isEmpty {
            lastActivity = .now()
            scheduleIdleCheck()
        }
    }

    private func scheduleIdleCheck() {
        guard let idleTimeout, idleTimer == nil, let context else { return }
        idleTimer = context.eventLoop.assumeIsolated().scheduleTask(deadline: lastActivity + idleTimeout) { [self] in
            idleTimer = nil
            closeIfIdle()
        }
    }

    /// Says goodbye to a connection that has been idle for `idleTimeout`; a call in flight reschedules the check
    /// when it finishes.
    private func closeIfIdle() {
        guard let idleTimeout, let context, context.channel.isActive, !draining, inFlight.isEmpty, waiting.isEmpty else { return }
        guard lastActivity + idleTimeout <= .now() else { return scheduleIdleCheck() }
        closeReason = "idle timeout"
        write(.goAway(RPCGoAway(lastCallID: lastCallID, reason: "Idle timeout: no call for \(idleTimeout.nanoseconds / 1_000_000_000) s")))
        flush()
        context.close(promise: nil)
    }

    /// Logs a unary call that took longer than `--slow-call-ms`. Streams and claims, which wait by design, are not.
    private func logIfSlow(_ call: InFlightCall, _ callID: UInt64, _ answer: Dispatcher.Answer) {
        guard slowCallNs > 0, call.sink == nil, call.method != "ClaimTask", call.method != "ClaimTasks" else { return }
        let elapsed = NIODeadline.now().uptimeNanoseconds &- call.startedNs
        guard elapsed >= slowCallNs else { return }
        var code = StatusCode.ok
        if case .status(let status) = answer { code = status.code }
        logger.warning(
            "Slow call",
            metadata: ["method": "\(call.method)", "call_id": "\(callID)", "ms": "\(elapsed / 1_000_000)", "code": "\(code)", "peer": "\(peerAddress)"])
    }

    /// Answers every call still in flight once the drain timeout has passed, rather than closing under them.
    private func endCallsInFlight() {
        closeReason = "server shutting down (drain timeout)"
        for callID in inFlight.keys.sorted() {
            finish(
                callID,
                .status(RPCStatus(
                    code: .unavailable,
                    message: "Server is shutting down: the call did not finish within the drain timeout and may or may not have taken effect")),
                dropBacklog: true)
        }
        flush()
        context?.close(promise: nil)
    }

    private func closeIfDrained() {
        if draining && inFlight.isEmpty {
            flush()
            context?.close(promise: nil)
        }
    }

    private func writeConnectionError(_ code: StatusCode, _ message: String) {
        // Messages name fields and limits, never what the client sent.
        logger.info("Frame rejected", metadata: ["peer": "\(peerAddress)", "code": "\(code)", "reason": "\(message)"])
        writeAnswer(0, .status(RPCStatus(code: code, message: message)))
    }

    /// Writes the final response of a call: its message packed straight into the outbound buffer, or its status.
    private func writeAnswer(_ callID: UInt64, _ answer: Dispatcher.Answer) {
        switch answer {
        case .message(let message):
            let size = arena.withScope {
                appendFrame { $0.writeResponseFrame(callID: callID, status: .ok, message: message, arena: arena, maxFrameBytes: dispatcher.maxFrameBytes) }
            }
            if size > dispatcher.maxFrameBytes { writeAnswer(callID, .status(dispatcher.tooLarge(size))) }
        case .status(let status):
            arena.withScope {
                appendFrame { $0.writeResponseFrame(callID: callID, status: status, payload: ByteBuffer(), arena: arena) }
            }
        case .statusWithMetadata(let status, let metadata):
            write(.response(RPCResponse(callID: callID, status: status, endOfStream: true, metadata: metadata)))
        }
    }

    private func writeStreamItem(_ callID: UInt64, _ item: ByteBuffer) {
        arena.withScope {
            appendFrame { $0.writeResponseFrame(callID: callID, status: .ok, payload: item, endOfStream: false, arena: arena) }
        }
    }

    private func write(_ frame: RPCServerFrame) {
        appendFrame { $0.writeFrame(frame) }
    }

    /// Appends to the frames waiting for the next flush: the end of this read burst, or else of this turn of the
    /// event loop. One write and one flush (one system call) carry every frame of a burst.
    private func appendFrame<T>(_ body: (inout ByteBuffer) -> T) -> T {
        guard let context else { var scratch = ByteBuffer(); return body(&scratch) }
        if outbound == nil { outbound = context.channel.allocator.buffer(capacity: 1024) }
        let result = body(&outbound!)
        if !reading && !flushScheduled {
            flushScheduled = true
            context.eventLoop.assumeIsolated().execute { [self] in
                flushScheduled = false
                flush()
            }
        }
        return result
    }

    private func flush() {
        guard let context, let buffer = outbound else { return }
        outbound = nil
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
    }
}
