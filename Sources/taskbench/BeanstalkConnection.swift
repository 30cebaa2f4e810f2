import NIOCore
import NIOPosix

/// One reply of beanstalkd: its first line without `\r\n`, and the job body of `RESERVED`/`FOUND`.
struct BeanstalkReply: Sendable {
    var line: String
    var body: ByteBuffer?

    /// The whitespace-separated words of the line.
    var words: [Substring] { line.split(separator: " ") }
}

/// A minimal client of beanstalkd's text protocol over one connection: commands go out in order and replies
/// come back in the same order, so a FIFO of waiting callers matches them.
final class BeanstalkConnection: Sendable {
    let channel: any Channel
    private let handler: BeanstalkReplyHandler

    private init(channel: any Channel, handler: BeanstalkReplyHandler) {
        self.channel = channel
        self.handler = handler
    }

    static func connect(host: String, port: Int) async throws -> BeanstalkConnection {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connect(host: host, port: port).get()
        let handler = BeanstalkReplyHandler()
        try await channel.eventLoop.submit {
            let sync = channel.pipeline.syncOperations
            try sync.addHandler(ByteToMessageHandler(BeanstalkReplyDecoder()))
            try sync.addHandler(handler)
        }.get()
        return BeanstalkConnection(channel: channel, handler: handler)
    }

    /// Sends `command` (without `\r\n`), followed by `body` and `\r\n` when given; the future is its reply.
    func send(_ command: String, body: String? = nil) -> EventLoopFuture<BeanstalkReply> {
        var buffer = channel.allocator.buffer(capacity: command.utf8.count + (body?.utf8.count ?? 0) + 4)
        buffer.writeString(command)
        buffer.writeString("\r\n")
        if let body {
            buffer.writeString(body)
            buffer.writeString("\r\n")
        }
        let bytes = buffer
        let promise = channel.eventLoop.makePromise(of: BeanstalkReply.self)
        // The reply must be queued before the command can be answered: both happen on the event loop, in order.
        channel.eventLoop.execute { [channel, handler] in
            handler.enqueue(promise)
            channel.writeAndFlush(bytes, promise: nil)
        }
        return promise.futureResult
    }

    /// `put` of one job: returns its id.
    func put(_ data: String, priority: Int = 0, delay: Int = 0, ttr: Int = 60) -> EventLoopFuture<UInt64> {
        send("put \(priority) \(delay) \(ttr) \(data.utf8.count)", body: data).flatMapThrowing { [self] reply in
            let words = reply.words
            guard words.count == 2, words[0] == "INSERTED", let id = UInt64(words[1]) else { throw unexpected("put", reply) }
            return id
        }
    }

    /// `reserve-with-timeout 0`: the id of a ready job, or nil when none is ready.
    func reserveNow() -> EventLoopFuture<UInt64?> {
        send("reserve-with-timeout 0").flatMapThrowing { [self] reply in
            let words = reply.words
            if words.first == "TIMED_OUT" { return nil }
            guard words.count == 3, words[0] == "RESERVED", let id = UInt64(words[1]) else { throw unexpected("reserve", reply) }
            return id
        }
    }

    func touch(_ id: UInt64) -> EventLoopFuture<Void> {
        send("touch \(id)").flatMapThrowing { [self] reply in
            guard reply.line == "TOUCHED" else { throw unexpected("touch", reply) }
        }
    }

    func delete(_ id: UInt64) -> EventLoopFuture<Void> {
        send("delete \(id)").flatMapThrowing { [self] reply in
            guard reply.line == "DELETED" else { throw unexpected("delete", reply) }
        }
    }

    func close() async {
        try? await channel.close()
    }

    private func unexpected(_ command: String, _ reply: BeanstalkReply) -> BenchError {
        BenchError("beanstalkd answered \(command) with '\(reply.line)'")
    }
}

/// Splits beanstalkd's byte stream into replies: a line, plus `<bytes>` of body and `\r\n` after
/// `RESERVED <id> <bytes>` and `FOUND <id> <bytes>`.
struct BeanstalkReplyDecoder: ByteToMessageDecoder {
    typealias InboundOut = BeanstalkReply

    /// Longer lines mean the stream is not beanstalkd's.
    static let maxLineBytes = 1024

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        let view = buffer.readableBytesView
        guard let newline = view.firstIndex(of: UInt8(ascii: "\n")) else {
            if view.count > Self.maxLineBytes { throw BenchError("beanstalkd sent a line longer than \(Self.maxLineBytes) bytes") }
            return .needMoreData
        }
        let lineLength = newline - view.startIndex + 1
        // Byte counts, not Characters: Swift reads "\r\n" as one Character.
        let hasCR = newline > view.startIndex && view[newline - 1] == UInt8(ascii: "\r")
        guard let line = buffer.getString(at: buffer.readerIndex, length: lineLength - (hasCR ? 2 : 1)) else {
            return .needMoreData
        }
        let words = line.split(separator: " ")
        var bodyLength: Int?
        if words.count == 3, words[0] == "RESERVED" || words[0] == "FOUND" {
            guard let length = Int(words[2]) else { throw BenchError("beanstalkd sent '\(line)'") }
            bodyLength = length
        }
        guard buffer.readableBytes >= lineLength + (bodyLength.map { $0 + 2 } ?? 0) else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: lineLength)
        var body: ByteBuffer?
        if let bodyLength {
            body = buffer.readSlice(length: bodyLength)
            buffer.moveReaderIndex(forwardBy: 2)
        }
        context.fireChannelRead(wrapInboundOut(BeanstalkReply(line: line, body: body)))
        return .continue
    }
}

/// Hands each reply to the oldest waiting command; fails them all when the connection closes.
private final class BeanstalkReplyHandler: ChannelInboundHandler, @unchecked Sendable {
    // @unchecked: `waiting` is only touched on the channel's event loop.
    typealias InboundIn = BeanstalkReply

    private var waiting = CircularBuffer<EventLoopPromise<BeanstalkReply>>()
    private var closed = false

    func enqueue(_ promise: EventLoopPromise<BeanstalkReply>) {
        if closed { return promise.fail(BenchError("beanstalkd connection closed")) }
        waiting.append(promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let reply = unwrapInboundIn(data)
        guard let promise = waiting.popFirst() else {
            // A reply nobody asked for: the stream is out of step.
            return context.close(promise: nil)
        }
        promise.succeed(reply)
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed = true
        while let promise = waiting.popFirst() { promise.fail(BenchError("beanstalkd connection closed")) }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
