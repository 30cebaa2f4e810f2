import NIOCore

/// Closes a connection that stops in the middle of a frame: part of a frame arrived, then nothing more for
/// `timeout` (a slow-loris client holding a connection forever). A connection idle between frames is left alone.
///
/// Sits before the frame decoder and follows the frame boundaries itself (the 4-byte length, then that many
/// bytes), passing every byte on unchanged. When the timeout passes it sends `TimedOut` up the pipeline, and the
/// connection handler says why and closes. While the channel is not writable the server itself has stopped
/// reading (backpressure), so the bytes the client sent may be waiting unread: the timeout then starts again.
final class ReadTimeoutHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    /// The timeout passed with a frame unfinished.
    struct TimedOut: Sendable {
        var seconds: Int
    }

    private let seconds: Int
    private let timeout: TimeAmount
    /// Bytes of the current frame's length prefix seen so far (0 to 3), and their value.
    private var headerBytes = 0
    private var header: UInt32 = 0
    /// Bytes of the current frame's body still to come.
    private var bodyLeft = 0
    /// When the last bytes arrived (or the server resumed reading).
    private var lastProgress = NIODeadline.now()
    private var timer: Scheduled<Void>?

    init(seconds: Int) {
        self.seconds = seconds
        self.timeout = .seconds(Int64(seconds))
    }

    private var inFrame: Bool { headerBytes > 0 || bodyLeft > 0 }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        follow(unwrapInboundIn(data))
        lastProgress = .now()
        if inFrame {
            // One timer at a time: when it fires it looks at `lastProgress`, so a read costs no rescheduling.
            if timer == nil { schedule(context, at: lastProgress + timeout) }
        } else {
            timer?.cancel()
            timer = nil
        }
        context.fireChannelRead(data)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        lastProgress = .now()
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }

    /// Moves the frame position over `buffer`'s bytes.
    private func follow(_ buffer: ByteBuffer) {
        buffer.withUnsafeReadableBytes { bytes in
            var index = 0
            while index < bytes.count {
                if bodyLeft > 0 {
                    let skipped = min(bodyLeft, bytes.count - index)
                    bodyLeft -= skipped
                    index += skipped
                    continue
                }
                header = header << 8 | UInt32(bytes[index])
                headerBytes += 1
                index += 1
                if headerBytes == 4 {
                    // A length over the frame limit is the decoder's to refuse; here it is only followed.
                    bodyLeft = Int(header)
                    headerBytes = 0
                    header = 0
                }
            }
        }
    }

    private func schedule(_ context: ChannelHandlerContext, at deadline: NIODeadline) {
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [self] in
            timer = nil
            check(context)
        }
    }

    private func check(_ context: ChannelHandlerContext) {
        guard inFrame, context.channel.isActive else { return }
        if !context.channel.isWritable { lastProgress = .now() }
        let deadline = lastProgress + timeout
        if deadline > .now() { return schedule(context, at: deadline) }
        context.fireUserInboundEventTriggered(TimedOut(seconds: seconds))
    }
}
