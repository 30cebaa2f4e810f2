import NIOCore

/// Splits a byte stream into frames: a 4-byte big-endian length N, then N bytes.
///
/// The length is checked against the limit as soon as its 4 bytes arrive, before any of the body is
/// buffered; a longer frame throws `FrameTooLargeError` and the decoder stops.
public struct FrameDecoder: ByteToMessageDecoder {
    public typealias InboundOut = ByteBuffer

    /// The default limit on N: 4 MiB.
    public static let defaultMaxFrameBytes = 4 * 1024 * 1024

    enum State {
        case waitingForHeader
        case waitingForBody(length: Int)
    }

    public let maxFrameBytes: Int
    private(set) var state = State.waitingForHeader

    public init(maxFrameBytes: Int = FrameDecoder.defaultMaxFrameBytes) {
        self.maxFrameBytes = maxFrameBytes
    }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let frame = try nextFrame(&buffer) else { return .needMoreData }
        context.fireChannelRead(wrapInboundOut(frame))
        return .continue
    }

    public mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        // A frame cut short by EOF is dropped: there is nobody left to answer.
        try decode(context: context, buffer: &buffer)
    }

    /// Reads one whole frame body off `buffer`, or nil when more bytes are needed.
    mutating func nextFrame(_ buffer: inout ByteBuffer) throws -> ByteBuffer? {
        if case .waitingForHeader = state {
            guard let length = buffer.readInteger(endianness: .big, as: UInt32.self) else { return nil }
            guard UInt64(length) <= UInt64(maxFrameBytes) else {
                throw FrameTooLargeError(length: UInt64(length), limit: maxFrameBytes)
            }
            state = .waitingForBody(length: Int(length))
        }
        guard case .waitingForBody(let length) = state, let body = buffer.readSlice(length: length) else { return nil }
        state = .waitingForHeader
        return body
    }
}

/// A frame announced a body longer than the limit.
public struct FrameTooLargeError: Error, Hashable, Sendable, CustomStringConvertible {
    public var length: UInt64
    public var limit: Int

    public init(length: UInt64, limit: Int) {
        self.length = length
        self.limit = limit
    }

    public var description: String { "Frame of \(length) bytes exceeds the limit of \(limit) bytes" }
}

extension ByteBuffer {
    /// Appends `message` as one frame: its 4-byte big-endian length, then its protobuf bytes.
    public mutating func writeFrame<M: WireMessage>(_ message: M) {
        let lengthIndex = writerIndex
        writeInteger(UInt32(0))
        let start = writerIndex
        message.encode(into: &self)
        setInteger(UInt32(writerIndex - start), at: lengthIndex, endianness: .big)
    }
}
