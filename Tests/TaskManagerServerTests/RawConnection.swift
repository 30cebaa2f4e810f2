import NIOCore
import NIOPosix
import TaskManagerProtocol
import XCTest

/// A bare TCP connection that sends any bytes and reads server frames one by one, for protocol-level tests.
final class RawConnection: @unchecked Sendable {
    // @unchecked: the iterator is used by one test at a time, never concurrently.
    private let channel: any Channel
    private var iterator: AsyncStream<RPCServerFrame?>.Iterator

    private init(channel: any Channel, stream: AsyncStream<RPCServerFrame?>) {
        self.channel = channel
        self.iterator = stream.makeAsyncIterator()
    }

    /// - Parameter reading: false makes a client that reads nothing until `startReading()`, with a small receive
    ///   buffer: a stalled consumer.
    static func connect(port: Int, reading: Bool = true) async throws -> RawConnection {
        let (stream, continuation) = AsyncStream<RPCServerFrame?>.makeStream()
        var bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        if !reading {
            bootstrap = bootstrap.channelOption(.autoRead, value: false).channelOption(.socketOption(.so_rcvbuf), value: 4096)
        }
        let channel = try await bootstrap
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(FrameDecoder(maxFrameBytes: 64 << 20)))
                    try channel.pipeline.syncOperations.addHandler(Collector(continuation: continuation))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        return RawConnection(channel: channel, stream: stream)
    }

    func send(bytes: ByteBuffer) async throws {
        try await channel.writeAndFlush(bytes)
    }

    /// Queues `bytes` without waiting for them to be written: a client that writes faster than the server reads.
    func sendWithoutWaiting(bytes: ByteBuffer) {
        channel.writeAndFlush(bytes, promise: nil)
    }

    func send(_ frames: RPCClientFrame...) async throws {
        var buffer = ByteBuffer()
        for frame in frames { buffer.writeFrame(frame) }
        try await send(bytes: buffer)
    }

    /// The next frame from the server; nil once the server closed the connection. Fails after 5 s.
    func next(file: StaticString = #filePath, line: UInt = #line) async throws -> RPCServerFrame? {
        let channel = self.channel
        let timer = channel.eventLoop.scheduleTask(in: .seconds(5)) { channel.close(promise: nil) }
        defer { timer.cancel() }
        guard let frame = await iterator.next() else { return nil }
        return frame
    }

    /// The next frame, which must be a response.
    func nextResponse(file: StaticString = #filePath, line: UInt = #line) async throws -> RPCResponse {
        let frame = try await next()
        guard case .response(let response) = frame else {
            XCTFail("expected a response, got \(String(describing: frame))", file: file, line: line)
            throw CancellationError()
        }
        return response
    }

    var isActive: Bool { channel.isActive }

    /// Starts reading, for a connection made with `reading: false`.
    func startReading() async throws {
        try await channel.setOption(.autoRead, value: true).get()
        channel.read()
    }

    func close() async {
        try? await channel.close()
    }

    private final class Collector: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let continuation: AsyncStream<RPCServerFrame?>.Continuation

        init(continuation: AsyncStream<RPCServerFrame?>.Continuation) {
            self.continuation = continuation
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            continuation.yield(try? RPCServerFrame(wireBytes: unwrapInboundIn(data)))
        }

        func channelInactive(context: ChannelHandlerContext) {
            continuation.finish()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }
    }
}

extension RPCRequest {
    /// A request for `method` of TaskService.
    static func call<M: WireMessage>(_ id: UInt64, _ method: String, _ message: M, timeoutMs: UInt32 = 0, metadata: [String: String] = [:]) -> RPCClientFrame {
        .request(RPCRequest(
            callID: id, method: "/taskmanager.v1.TaskService/\(method)", payload: message.wireBytes(), timeoutMs: timeoutMs,
            metadata: metadata))
    }
}
